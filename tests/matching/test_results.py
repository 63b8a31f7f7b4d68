"""A question's ranking runs once and is stored: the results page reads it, encoding nothing; the rules apply
afresh at every view; the asker can search again; evidence comes from the vectors stored at index time."""

import pytest
from sqlalchemy import event, select

from join4atmp.extensions import db
from join4atmp.matching import indexing, results
from join4atmp.matching.models import MatchResult
from join4atmp.matching.services import MatchQuery, find_experts
from join4atmp.questions import services as questions
from join4atmp.questions.models import Question
from join4atmp.search.encoder import Encoder

from helpers import login, make_config, make_user

ASK = {
    "title": "Comparability after changing the lentiviral vector supplier",
    "body": "Our CAR-T product moved to a new vector supplier after phase I. What data will the "
    "competent authority expect before phase II?",
    "topics": ["comparability", "car-t"],
    "visibility": "public",
}
VECTOR = "Lentiviral vector comparability after a change of supplier: analytical and functional data."


@pytest.fixture(params=["sqlite", "postgresql"])
def app_config(tmp_path, request):
    """Each test on the embedded default and on PostgreSQL (the stored ranking is written by an upsert)."""
    overrides = {}
    if request.param == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_database")
    return make_config(tmp_path, **overrides)


@pytest.fixture
def people(app, model):
    people = {
        "first": make_user("first@pei.example", role="regulator", verified=True, organisation="PEI", expertise=VECTOR),
        "second": make_user(
            "second@ansm.example", role="regulator", verified=True, organisation="ANSM", expertise=VECTOR + " Potency."
        ),
        "third": make_user("third@lab.example", organisation="Lab", expertise="Lentiviral vector manufacturing."),
        "asker": make_user("asker@sme.example", organisation="SME Bio", expertise="CAR-T developer."),
        "other": make_user("other@sme.example", organisation="Other Bio", expertise="AAV developer."),
    }
    indexing.reindex_all()
    return people


@pytest.fixture
def counted(monkeypatch):
    """Counts of the texts encoded and of the rankings run."""
    counts = {"encoded": 0, "rankings": 0}
    encode, rank = Encoder.encode, results.rank_candidates

    def counting_encode(self, texts, *args, **kwargs):
        texts = list(texts)
        counts["encoded"] += len(texts)
        return encode(self, texts, *args, **kwargs)

    def counting_rank(*args, **kwargs):
        counts["rankings"] += 1
        return rank(*args, **kwargs)

    monkeypatch.setattr(Encoder, "encode", counting_encode)
    monkeypatch.setattr(results, "rank_candidates", counting_rank)
    return counts


def ask(client, **overrides):
    assert client.post("/ask", data={**ASK, **overrides}).status_code == 302
    return db.session.scalars(db.select(Question).order_by(Question.id.desc())).first()


def test_the_results_page_runs_the_match_once_and_encodes_nothing(app, people, client, counted):
    login(client, "asker@sme.example")
    question = ask(client)
    assert counted["encoded"] == 1  # the question, once, when it was asked (its vector serves the match too)
    first = client.get(f"/questions/{question.id}/experts").data.decode()
    assert counted == {"encoded": 1, "rankings": 1}
    assert people["first"].profile.display_name in first and "<mark>" in first  # the evidence, highlighted
    for _ in range(2):
        again = client.get(f"/questions/{question.id}/experts").data.decode()
        assert people["first"].profile.display_name in again and "<mark>" in again
    assert counted == {"encoded": 1, "rankings": 1}
    assert db.session.get(MatchResult, question.id).ranking


def test_the_first_view_commits_its_ranking_and_a_later_view_reads_each_expert_once(app, people, client):
    login(client, "asker@sme.example")
    question = ask(client)
    first = client.get(f"/questions/{question.id}/experts").data.decode()
    with db.engine.connect() as other:  # committed: another connection (another worker) reads it
        stored = other.execute(select(MatchResult.ranking).where(MatchResult.question_id == question.id)).scalar()
    assert stored and people["first"].profile.display_name in first
    statements = []

    def count(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        again = client.get(f"/questions/{question.id}/experts").data.decode()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    shown = [p for p in people.values() if p.profile.display_name in again]
    assert len(shown) >= 3 and len(statements) <= 10, (len(shown), len(statements))


def test_the_rules_apply_afresh_to_the_stored_ranking(app, people, client, counted):
    login(client, "asker@sme.example")
    question = ask(client)
    assert people["first"].profile.display_name in client.get(f"/questions/{question.id}/experts").data.decode()
    people["first"].profile.accepting_requests = False
    db.session.commit()
    page = client.get(f"/questions/{question.id}/experts").data.decode()
    assert people["first"].profile.display_name not in page and people["second"].profile.display_name in page
    assert counted["rankings"] == 1
    refused = client.post(f"/questions/{question.id}/experts", data={"experts": [people["first"].profile.id]})
    assert refused.status_code == 400 and "can no longer take this question" in refused.data.decode()


def test_evidence_of_an_expert_re_embedded_since_is_explained_from_the_stored_vectors(app, people, client, counted):
    login(client, "asker@sme.example")
    question = ask(client)
    client.get(f"/questions/{question.id}/experts")
    profile = people["second"].profile
    profile.expertise = "Potency assays for CAR-T. " + VECTOR
    indexing.reindex_profiles([profile.id])  # new passages, new ids: the stored references are gone
    encoded = counted["encoded"]
    page = client.get(f"/questions/{question.id}/experts").data.decode()
    assert counted["encoded"] == encoded and counted["rankings"] == 1
    assert "Potency assays for CAR-T." in page  # the new passage is the evidence shown


def test_editing_the_question_or_searching_again_runs_the_match_again(app, people, client, counted):
    login(client, "asker@sme.example")
    question = ask(client)
    client.get(f"/questions/{question.id}/experts")
    newcomer = make_user(
        "newcomer@bfarm.example", role="regulator", verified=True, organisation="BfArM", expertise=VECTOR
    )
    indexing.reindex_profiles([newcomer.profile.id])
    assert newcomer.profile.display_name not in client.get(f"/questions/{question.id}/experts").data.decode()
    assert 'action="/questions/%d/experts/again"' % question.id in client.get(f"/questions/{question.id}/experts").text
    response = client.post(f"/questions/{question.id}/experts/again")
    assert response.status_code == 302 and counted["rankings"] == 2
    assert newcomer.profile.display_name in client.get(f"/questions/{question.id}/experts").data.decode()
    questions.edit_question(question, people["asker"], ASK["title"] + " in Germany", ASK["body"], ASK["topics"])
    client.get(f"/questions/{question.id}/experts")
    assert counted["rankings"] == 3


def test_only_the_asker_can_see_or_rerun_a_questions_ranking(app, people, client):
    login(client, "asker@sme.example")
    question = ask(client, visibility="confidential", invitee_summary="A supplier change before phase II.")
    client.get(f"/questions/{question.id}/experts")
    other = app.test_client()
    assert other.post(f"/questions/{question.id}/experts/again").status_code in (302, 401)  # not logged in
    login(other, "other@sme.example")
    assert other.get(f"/questions/{question.id}/experts").status_code == 404
    assert other.post(f"/questions/{question.id}/experts/again").status_code == 404
    assert other.post("/questions/999999/experts/again").status_code == 404


def test_explaining_a_match_encodes_only_the_question(app, people, counted):
    matches = find_experts(MatchQuery(text=ASK["title"] + ". " + ASK["body"], k=3))
    assert counted["encoded"] == 1
    marked = [s["text"] for m in matches for item in m.evidence for s in item["segments"] if s["match"]]
    assert marked and all(text in VECTOR + " Potency. Lentiviral vector manufacturing." for text in marked)
