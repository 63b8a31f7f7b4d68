"""Routing: the ask page, invitations with signed links, accept, decline, expiry and re-routing, the
expert dashboard, and who may read a confidential question."""

import re
from datetime import timedelta

import pytest

from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching import indexing
from join4atmp.matching.models import MatchRequest, RequestStatus
from join4atmp.questions.models import Question

from helpers import login, make_user, outbox

ASK = {
    "title": "Comparability after changing the lentiviral vector supplier",
    "body": "Our CAR-T product moved to a new **vector supplier** after phase I. What data will the "
    "competent authority expect before phase II?",
    "topics": ["comparability", "car-t"],
    "visibility": "confidential",
    "invitee_summary": "A supplier change for a lentiviral vector of a CAR-T product, before phase II.",
}


@pytest.fixture
def people(app, model):
    vector = "Lentiviral vector comparability after a change of supplier: analytical and functional data."
    people = {
        "first": make_user("first@pei.example", role="regulator", verified=True, organisation="PEI", expertise=vector),
        "second": make_user(
            "second@ansm.example",
            role="regulator",
            verified=True,
            organisation="ANSM",
            expertise=vector + " Potency assays for CAR-T.",
        ),
        "third": make_user("third@lab.example", organisation="Lab", expertise="Lentiviral vector manufacturing."),
        "outsider": make_user("outsider@far.example", organisation="Far", expertise="Cartilage tissue engineering."),
        "asker": make_user("asker@sme.example", organisation="SME Bio", expertise="CAR-T developer."),
    }
    indexing.reindex_all()
    return people


def ask(client):
    response = client.post("/ask", data=ASK)
    assert response.status_code == 302
    return db.session.scalar(db.select(Question))


def test_asking_shows_ranked_experts_and_sends_requests_with_signed_links(app, people, client):
    login(client, "asker@sme.example")
    question = ask(client)
    page = client.get(f"/questions/{question.id}/experts").data.decode()
    assert page.index(">First<") < page.index(">Third<") and "Asker" not in page
    assert "<mark>" in page and "Scientific advice and protocol assistance" in page  # the triage hint
    assert re.search(r'class="strength strength-(strong|good|partial)">(Strong|Good|Partial) match<', page)
    assert "score " not in page  # no bare number a person cannot read
    response = client.post(
        f"/questions/{question.id}/experts", data={"experts": [people["first"].profile.id, people["second"].profile.id]}
    )
    assert response.status_code == 302
    requests = db.session.scalars(db.select(MatchRequest).order_by(MatchRequest.rank)).all()
    assert [r.status for r in requests] == [RequestStatus.INVITED] * 2
    assert requests[0].deadline - requests[0].invited_at == timedelta(days=7)
    invitations = outbox("match_invitation")
    assert sorted(m.recipient for m in invitations) == ["first@pei.example", "second@ansm.example"]
    assert "vector supplier" not in invitations[0].body_text  # confidential: no text before accepting
    assert "/requests/" in invitations[0].body_text and "token=" in invitations[0].body_text


def _invite(client, people, *keys):
    login(client, "asker@sme.example")
    question = ask(client)
    client.post(f"/questions/{question.id}/experts", data={"experts": [people[k].profile.id for k in keys]})
    client.post("/logout")
    return question


def _link(recipient, action):
    [mail] = [m for m in outbox("match_invitation") if m.recipient == recipient]
    return next(w for w in mail.body_text.split() if f"action={action}" in w).split("localhost", 1)[1]


def test_an_emailed_link_dies_with_its_request_even_when_the_id_comes_back(app, people, client):
    """Issue 13, item 16: SQLite reused an erased request's id, and the old link named the id alone."""
    _invite(client, people, "first")
    link = _link("first@pei.example", "accept")
    old = db.session.scalars(db.select(MatchRequest)).one()
    request_id, question_id, profile_id = old.id, old.question_id, old.profile_id
    db.session.delete(old)
    db.session.commit()
    again = MatchRequest(
        id=request_id,
        question_id=question_id,
        profile_id=profile_id,
        rank=1,
        score=1.0,
        deadline=utcnow() + timedelta(days=7),
    )
    db.session.add(again)  # the same id, for the same expert: the owner check alone would let the link in
    db.session.commit()
    expert = app.test_client()
    login(expert, "first@pei.example")
    assert expert.get(link).status_code == 404
    assert expert.get(f"/requests/{request_id}").status_code == 200


def test_accepting_through_the_emailed_link_opens_the_confidential_question(app, people, client):
    question = _invite(client, people, "first", "second")
    expert = app.test_client()
    link = _link("first@pei.example", "accept")
    assert expert.get(link).status_code == 302  # login required
    login(expert, "first@pei.example")
    page = expert.get(link).data.decode()
    assert "confidential" in page and "vector supplier" not in page
    assert expert.get(f"/questions/{question.id}").status_code == 404
    request_id = int(link.split("/requests/")[1].split("?")[0])
    assert expert.get(f"/requests/{request_id}?token=forged").status_code == 404
    assert expert.post(f"/requests/{request_id}/accept").status_code == 302
    assert "vector supplier" in expert.get(f"/questions/{question.id}").data.decode()
    assert [m.recipient for m in outbox("match_accepted")] == ["asker@sme.example"]

    # Invited but not accepted, and uninvited members, still cannot read it.
    for email in ("second@ansm.example", "outsider@far.example"):
        other = app.test_client()
        login(other, email)
        assert other.get(f"/questions/{question.id}").status_code == 404
    assert app.test_client().get(f"/questions/{question.id}").status_code == 404


def test_only_the_invited_expert_can_respond(app, people, client):
    _invite(client, people, "first")
    request_id = db.session.scalar(db.select(MatchRequest.id))
    intruder = app.test_client()
    login(intruder, "second@ansm.example")
    assert intruder.get(f"/requests/{request_id}").status_code == 404
    assert intruder.post(f"/requests/{request_id}/accept").status_code == 404
    assert intruder.post(f"/requests/{request_id}/decline").status_code == 404
    assert db.session.get(MatchRequest, request_id).status == RequestStatus.INVITED


def test_a_decline_routes_to_the_next_best_available_expert_and_tells_the_asker(app, people, client):
    _invite(client, people, "first")
    request = db.session.scalar(db.select(MatchRequest))
    expert = app.test_client()
    login(expert, "first@pei.example")
    assert expert.post(f"/requests/{request.id}/decline", data={"reason": "On leave"}).status_code == 302
    requests = db.session.scalars(db.select(MatchRequest).order_by(MatchRequest.id)).all()
    assert requests[0].status == RequestStatus.DECLINED and requests[0].decline_reason == "On leave"
    assert requests[1].profile_id == people["second"].profile.id and requests[1].replaces_id == requests[0].id
    [update] = outbox("match_rerouted")
    assert update.recipient == "asker@sme.example" and "Second" in update.body_text
    assert expert.post(f"/requests/{request.id}/accept").status_code == 302  # too late: flashed, unchanged
    assert db.session.get(MatchRequest, request.id).status == RequestStatus.DECLINED

    login(client, "asker@sme.example")  # the asker's page says it in their language; a deadline only while open
    client.post("/language", data={"lang": "de"})
    page = client.get(f"/questions/{request.question_id}").get_data(as_text=True)
    rows = re.findall(r"<tr><td><a [^>]*>[^<]*</a></td>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>", page)
    assert [(state.split(" — ")[0], deadline == "—") for state, deadline in rows] == [
        ("abgelehnt", True),
        ("angefragt", False),
    ]


def test_expiry_reroutes_once_however_often_it_runs(app, people, client, runner):
    _invite(client, people, "first")
    request = db.session.scalar(db.select(MatchRequest))
    request.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    app.config.update(SERVER_NAME=None, BASE_URL="https://platform.example")  # as in production cron
    assert "1 requests expired" in runner.invoke(args=["matching", "expire"]).output
    assert "0 requests expired" in runner.invoke(args=["matching", "expire"]).output
    statuses = [r.status for r in db.session.scalars(db.select(MatchRequest).order_by(MatchRequest.id))]
    assert statuses == [RequestStatus.EXPIRED, RequestStatus.INVITED]
    [update] = outbox("match_rerouted")
    assert "did not answer in time" in update.body_text
    assert "https://platform.example/questions/" in update.body_text  # links from cron use BASE_URL


def test_when_nobody_is_left_the_asker_is_told(app, people, client):
    for key in ("second", "third", "outsider"):
        people[key].profile.accepting_requests = False
    db.session.commit()
    _invite(client, people, "first")
    request = db.session.scalar(db.select(MatchRequest))
    expert = app.test_client()
    login(expert, "first@pei.example")
    expert.post(f"/requests/{request.id}/decline")
    [update] = outbox("match_rerouted")
    assert "No other available expert" in update.body_text
    assert db.session.scalar(db.select(db.func.count()).select_from(MatchRequest)) == 1


def test_choosing_an_ineligible_or_too_many_experts_is_refused(app, people, client):
    login(client, "asker@sme.example")
    question = ask(client)
    response = client.post(f"/questions/{question.id}/experts", data={"experts": [people["asker"].profile.id]})
    assert response.status_code == 400
    app.config["MAX_REQUESTS_PER_QUESTION"] = 1
    response = client.post(
        f"/questions/{question.id}/experts", data={"experts": [people["first"].profile.id, people["second"].profile.id]}
    )
    assert response.status_code == 400 and b"at most 1" in response.data
    assert db.session.scalar(db.select(db.func.count()).select_from(MatchRequest)) == 0


def test_only_the_asker_sees_the_experts_page(app, people, client):
    question = _invite(client, people, "first")
    other = app.test_client()
    login(other, "second@ansm.example")
    assert other.get(f"/questions/{question.id}/experts").status_code == 404
    assert other.post(f"/questions/{question.id}/experts", data={"experts": [1]}).status_code == 404


def test_answering_closes_the_request_and_the_dashboard_shows_it(app, people, client):
    question = _invite(client, people, "first")
    request = db.session.scalar(db.select(MatchRequest))
    expert = app.test_client()
    login(expert, "first@pei.example")
    expert.post(f"/requests/{request.id}/accept")
    assert (
        expert.post(
            f"/questions/{question.id}/answers",
            data={"body": "Plan an **extended** analytical comparability exercise."},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(MatchRequest, request.id).status == RequestStatus.ANSWERED
    page = expert.get(f"/questions/{question.id}").data.decode()
    assert "<strong>extended</strong>" in page
    assert "Personal expert view, not formal regulatory advice." in page
    dashboard = expert.get("/requests").data.decode()
    assert "Answered (1)" in dashboard and "Median time to respond: under an hour." in dashboard
    outsider = app.test_client()
    login(outsider, "outsider@far.example")
    assert outsider.post(f"/questions/{question.id}/answers", data={"body": "Me too"}).status_code == 404


def test_the_ask_form_rejects_bad_input(people, client):
    login(client, "asker@sme.example")
    assert client.post("/ask", data={**ASK, "title": "short"}).status_code == 400
    assert client.post("/ask", data={**ASK, "topics": ["astrology"]}).status_code == 400
    assert client.post("/ask", data={**ASK, "visibility": "secret"}).status_code == 400
    assert client.get("/ask").status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
