"""Organiser tools: a message to the people registered, and the answered questions published as a
public Q&A thread after the webinar."""

from datetime import timedelta

import pytest

from join4atmp.core.errors import DomainError, NotAllowed
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.questions.models import Question, Visibility
from join4atmp.webinars import messages, questions, registrations
from join4atmp.webinars.models import Webinar

from helpers import login, make_organiser, make_user, make_webinar, outbox


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def full_webinar(app):
    """One place: Cora holds it, Wim waits, Cas cancelled."""
    organiser = make_organiser()
    webinar = make_webinar(organiser, capacity=1, title="CAR-T access across the EU")
    people = {name: make_user(f"{name}@patients.example") for name in ("cora", "wim", "cas")}
    registrations.register_for_webinar(people["cas"], webinar)
    registrations.cancel_registration(registrations.registration_of(webinar, people["cas"]), people["cas"])
    registrations.register_for_webinar(people["cora"], webinar)
    registrations.register_for_webinar(people["wim"], webinar)
    return organiser, webinar, people


def sent_to():
    return sorted(m.recipient for m in outbox("webinar_message"))


# --- A message to the registrants ---------------------------------------------------------------------


def test_a_message_reaches_each_confirmed_registrant_once(app, client, full_webinar):
    organiser, webinar, _ = full_webinar
    login(client, organiser.email)
    assert "Write to the registrants" in client.get(f"/webinars/{webinar.id}/manage").data.decode()
    response = client.post(
        f"/webinars/{webinar.id}/message",
        data={"subject": "Slides\nBcc: everyone@example.org", "body": "The slides are online; see you on Thursday."},
    )
    assert response.status_code == 302
    assert "Your message is on its way to 1 person." in client.get(response.location).get_data(as_text=True)
    [mail] = outbox("webinar_message")
    assert mail.recipient == "cora@patients.example"
    assert mail.subject == "Slides Bcc: everyone@example.org (webinar “CAR-T access across the EU”)"
    assert "The slides are online; see you on Thursday." in mail.body_text
    assert f"http://localhost/webinars/{webinar.id}" in mail.body_text and not mail.attachments

    client.post(
        f"/webinars/{webinar.id}/message",
        data={"subject": "Room change", "body": "We moved to a bigger virtual room.", "include_waitlisted": "y"},
    )
    assert sent_to() == ["cora@patients.example", "cora@patients.example", "wim@patients.example"]

    rejected = client.post(f"/webinars/{webinar.id}/message", data={"subject": "", "body": "short"})
    assert rejected.status_code == 400 and len(outbox("webinar_message")) == 3


def test_only_the_webinars_organisers_write_to_its_registrants(app, full_webinar):
    organiser, webinar, people = full_webinar
    path, data = f"/webinars/{webinar.id}/message", {"subject": "Hello all", "body": "A message from nobody."}
    assert "/login" in app.test_client().post(path, data=data).headers["Location"]
    member = app.test_client()
    login(member, people["cora"].email)
    assert member.post(path, data=data).status_code == 403
    colleague = app.test_client()
    login(colleague, make_organiser("other@join4atmp.example").email)
    assert colleague.post(path, data=data).status_code == 403
    draft = make_webinar(organiser, publish=False)
    assert colleague.post(f"/webinars/{draft.id}/message", data=data).status_code == 404
    assert outbox("webinar_message") == []

    with pytest.raises(NotAllowed):
        messages.message_registrants(webinar, people["cora"], "Hello all", "A message from nobody.")
    with pytest.raises(DomainError):
        messages.message_registrants(draft, organiser, "Hello all", "Nobody registered for a draft.")


# --- Answers published as a Q&A thread -------------------------------------------------------------------


def test_answered_questions_become_one_public_qa_thread(app, client, model, full_webinar):
    organiser, webinar, people = full_webinar
    asked = {
        text: questions.ask_question(webinar, person, text)
        for person, text in (
            (people["cora"], "Can hospital exemption products cross borders?"),
            (people["wim"], "Who pays for CAR-T treatment abroad?"),
            (people["cora"], "Is there a *registry* of CAR-T centres?"),
        )
    }
    questions.answer_question(
        asked["Can hospital exemption products cross borders?"], organiser, "Rarely: each member state decides."
    )
    hidden = asked["Who pays for CAR-T treatment abroad?"]
    questions.answer_question(hidden, organiser, "The home country, under the cross-border directive.")
    questions.set_hidden(hidden, organiser, True)
    login(client, organiser.email)
    assert client.post(f"/webinars/{webinar.id}/publish-answers").status_code == 302  # not over yet
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0

    webinar.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=2)
    db.session.commit()
    assert "answered question as a public Q&A thread" in client.get(f"/webinars/{webinar.id}/manage").data.decode()
    response = client.post(f"/webinars/{webinar.id}/publish-answers")
    thread = db.session.scalar(db.select(Question))
    assert response.headers["Location"] == f"/questions/{thread.id}"
    assert thread.visibility == Visibility.PUBLIC and thread.asker_id == organiser.id
    assert thread.title == "Questions and answers: CAR-T access across the EU"
    assert "Can hospital exemption products cross borders?" in thread.body
    assert "Rarely: each member state decides." in thread.body
    assert "Who pays" not in thread.body and "registry" not in thread.body  # hidden; unanswered
    assert thread.topics == webinar.topics

    anonymous = app.test_client()
    assert "Rarely: each member state decides." in anonymous.get(f"/questions/{thread.id}").data.decode()
    assert f'href="/questions/{thread.id}"' in anonymous.get(f"/webinars/{webinar.id}").data.decode()

    # Publishing again adds answers given since, in the same thread.
    assert client.post(f"/webinars/{webinar.id}/publish-answers").headers["Location"] == f"/questions/{thread.id}"
    questions.answer_question(asked["Is there a *registry* of CAR-T centres?"], organiser, "Yes, since 2024.")
    again, created = questions.publish_answers(db.session.get(Webinar, webinar.id), organiser)
    assert (again.id, created) == (thread.id, False)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 1
    db.session.refresh(thread)
    assert "Yes, since 2024." in thread.body and r"\*registry\*" in thread.body  # their text, not Markdown

    member = app.test_client()
    login(member, people["cora"].email)
    assert member.post(f"/webinars/{webinar.id}/publish-answers").status_code == 403
