"""What an invited expert can judge before accepting, what the asker hears back, and an invited regulator's
first two-step set-up that ends on the request it started from."""

import re

import pyotp
import pytest

from join4atmp.extensions import db
from join4atmp.matching import indexing
from join4atmp.matching.models import MatchRequest
from join4atmp.questions import services as questions
from join4atmp.questions.models import Question, QuestionStatus

from helpers import PASSWORD, login, make_user, outbox

ASK = {
    "title": "Comparability after changing the lentiviral vector supplier",
    "body": "Our CAR-T product moved to the **secret supplier X** after phase I. What data will be expected?",
    "topics": ["comparability", "car-t"],
    "visibility": "confidential",
}
SUMMARY = "A vector supplier change for a CAR-T product before phase II."


@pytest.fixture
def people(app, model):
    vector = "Lentiviral vector comparability after a change of supplier: analytical and functional data."
    people = {
        "first": make_user("first@pei.example", role="regulator", verified=True, organisation="PEI", expertise=vector),
        "second": make_user("second@lab.example", organisation="Lab", expertise="Lentiviral vector manufacturing."),
        "asker": make_user("asker@sme.example", organisation="SME Bio", expertise="CAR-T developer.", country="FR"),
    }
    indexing.reindex_all()
    return people


def _ask_and_invite(client, people, **extra):
    login(client, "asker@sme.example")
    assert client.post("/ask", data={**ASK, **extra}).status_code == 302
    question = db.session.scalar(db.select(Question))
    client.post(f"/questions/{question.id}/experts", data={"experts": [people["first"].profile.id]})
    client.post("/logout")
    return question


def test_a_confidential_question_needs_a_summary_for_the_invitees(app, people, client):
    login(client, "asker@sme.example")
    refused = client.post("/ask", data=ASK)
    assert refused.status_code == 400 and b"Write a short summary for the invited experts" in refused.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0
    public = client.post("/ask", data={**ASK, "visibility": "public", "title": "A public question on comparability"})
    assert public.status_code == 302  # a public question needs none

    # A confidential question made without one (the API, older questions) asks for it before any request goes.
    question = questions.create_question(
        people["asker"], "Made through the API, no summary", "Text.", [], "confidential"
    )
    page = client.get(f"/questions/{question.id}/experts")
    assert b"Summary for the invited experts" in page.data
    refused = client.post(f"/questions/{question.id}/experts", data={"experts": [people["first"].profile.id]})
    assert refused.status_code == 400 and db.session.scalar(db.select(db.func.count()).select_from(MatchRequest)) == 0
    sent = client.post(
        f"/questions/{question.id}/experts",
        data={"experts": [people["first"].profile.id], "invitee_summary": "  A CMC question,\n in one line. "},
    )
    assert sent.status_code == 302
    assert db.session.get(Question, question.id).invitee_summary == "A CMC question, in one line."


def test_the_invitation_says_what_it_is_about_who_asks_and_why_the_expert_before_accepting(app, people, client):
    _ask_and_invite(client, people, invitee_summary=SUMMARY)
    [invitation] = outbox("match_invitation")
    assert SUMMARY in invitation.body_text and "secret supplier" not in invitation.body_text
    request = db.session.scalar(db.select(MatchRequest))
    login(client, "first@pei.example")
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert f'<p class="invitee-summary">{SUMMARY}</p>' in page
    assert "secret supplier" not in page and "Comparability after changing" not in page  # not before accepting
    assert "Comparability" in page and "CAR-T" in page  # its topics
    assert "a developer in France" in page
    assert "Why you were chosen" in page and re.search(r"<mark>[^<]*(?i:comparability)[^<]*</mark>", page)


def test_the_decline_reason_reaches_the_asker_and_an_answered_question_is_not_rerouted(app, people, client):
    question = _ask_and_invite(client, people, invitee_summary=SUMMARY)
    request = db.session.scalar(db.select(MatchRequest))
    login(client, "first@pei.example")
    declined = client.post(
        f"/requests/{request.id}/decline",
        data={"reason": "I assessed this product's file at PEI."},
        follow_redirects=True,
    )
    assert "The question goes to another expert." in declined.get_data(as_text=True)
    [update] = outbox("match_rerouted")
    assert "Their reason: I assessed this product's file at PEI." in update.body_text
    assert "We have asked the next best available expert instead" in update.body_text

    # The replacement declines once the question has an answer: no new expert, and the asker is told why.
    client.post("/logout")
    second = db.session.scalar(db.select(MatchRequest).where(MatchRequest.replaces_id == request.id))
    db.session.get(Question, question.id).status = QuestionStatus.ANSWERED
    db.session.commit()
    login(client, "second@lab.example")
    declined = client.post(f"/requests/{second.id}/decline", follow_redirects=True).get_data(as_text=True)
    assert "The asker has been told." in declined and "goes to another expert" not in declined
    assert db.session.scalar(db.select(db.func.count()).select_from(MatchRequest)) == 2
    last = outbox("match_rerouted")[-1]
    assert "already has an answer" in last.body_text and "No other available expert" not in last.body_text


def test_first_two_step_set_up_ends_on_the_invitation_it_started_from(app, people, client):
    reviewer = make_user("reviewer@bfarm.example", role="regulator", verified=True, two_factor=False)
    reviewer.profile.expertise = "Lentiviral vector comparability and supplier changes."
    db.session.commit()
    indexing.reindex_all()
    login(client, "asker@sme.example")
    client.post("/ask", data={**ASK, "invitee_summary": SUMMARY})
    question = db.session.scalar(db.select(Question))
    client.post(f"/questions/{question.id}/experts", data={"experts": [reviewer.profile.id]})
    client.post("/logout")
    [invitation] = outbox("match_invitation")
    accept_url = next(w for w in invitation.body_text.split() if "action=accept" in w)
    path = accept_url.split("localhost", 1)[1]

    to_login = client.get(path)  # to the login page, which keeps where it was going
    assert to_login.status_code == 302 and "/login?next=" in to_login.location
    response = client.post(to_login.location, data={"email": reviewer.email, "password": PASSWORD})
    assert response.location.endswith("/account/two-factor")
    client.post("/account/two-factor/setup")
    shown = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', client.get("/account/two-factor").get_data(as_text=True))
    done = client.post("/account/two-factor/enable", data={"code": pyotp.TOTP(shown.group(1).replace(" ", "")).now()})
    page = done.get_data(as_text=True)
    assert "go on to the page I was going to" in page and f'href="{path.replace("&", "&amp;")}"' in page
    landed = client.get(path).get_data(as_text=True)
    assert SUMMARY in landed and "Accept" in landed
