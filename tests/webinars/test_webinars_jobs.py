"""Cron jobs of the webinars: reminders (each once, the nearest one only, following time changes) and
the purge of personal data after the retention period; and the calendar file through real SMTP."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from icalendar import Calendar

from join4atmp import create_app
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.webinars import questions, registrations, services
from join4atmp.webinars.housekeeping import purge_personal_data, send_reminders
from join4atmp.webinars.models import Registration, Webinar, WebinarQuestion, WebinarQuestionStatus, WebinarVote

from helpers import JOIN, make_config, make_organiser, make_user, make_webinar, outbox, wait_for, webinar_values


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def reminders_to():
    return sorted(m.recipient for m in outbox("webinar_reminder"))


def test_reminders_go_out_once_each_and_never_late(app):
    webinar = make_webinar(capacity=1)
    start = webinar.starts_at
    early, waiting = make_user("early@patients.example"), make_user("waiting@patients.example")
    registrations.register_for_webinar(early, webinar)
    registrations.register_for_webinar(waiting, webinar)

    with freeze_time(start - timedelta(hours=30)):
        assert send_reminders() == 0
    with freeze_time(start - timedelta(hours=23)):
        assert send_reminders() == 1
        assert send_reminders() == 0  # the next cron run sends nothing again
    [day_before] = outbox("webinar_reminder")
    assert day_before.recipient == "early@patients.example" and "24 hours" in day_before.body_text
    assert JOIN in day_before.body_text

    with freeze_time(start - timedelta(hours=10)):  # registered after the 24-hour point: no late "tomorrow"
        late = make_user("late@patients.example")
        webinar = db.session.get(Webinar, webinar.id)
        registrations.cancel_registration(registrations.registration_of(webinar, early), early)
        registrations.register_for_webinar(early, webinar)  # back in line, behind "waiting"
        registrations.register_for_webinar(late, webinar)
        assert send_reminders() == 0
    with freeze_time(start - timedelta(minutes=50)):
        assert send_reminders() == 1
        assert send_reminders() == 0
    with freeze_time(start - timedelta(minutes=20)):
        assert send_reminders() == 0
    with freeze_time(start + timedelta(minutes=5)):
        assert send_reminders() == 0
    assert reminders_to() == ["early@patients.example", "waiting@patients.example"]
    last = outbox("webinar_reminder")[-1]
    assert last.recipient == "waiting@patients.example" and "1 hour" in last.body_text


def test_after_a_missed_run_only_the_nearest_reminder_is_sent(app):
    webinar = make_webinar()
    registrations.register_for_webinar(make_user("p@patients.example"), webinar)
    with freeze_time(webinar.starts_at - timedelta(minutes=30)):
        assert send_reminders() == 1
        assert send_reminders() == 0
    [mail] = outbox("webinar_reminder")
    assert "1 hour" in mail.body_text


def test_a_new_time_brings_new_reminders(app):
    organiser = make_organiser()
    webinar = make_webinar(organiser)
    registrations.register_for_webinar(make_user("p@patients.example"), webinar)
    first_start = webinar.starts_at
    with freeze_time(first_start - timedelta(hours=20)):
        assert send_reminders() == 1
        later = first_start + timedelta(days=2)
        services.update_webinar(db.session.get(Webinar, webinar.id), organiser, webinar_values(starts_at=later))
        assert send_reminders() == 0
    with freeze_time(later - timedelta(hours=20)):
        assert send_reminders() == 1
    assert len(outbox("webinar_reminder")) == 2


def test_the_reminder_command_is_cron_safe_and_links_to_the_base_url(app, runner):
    app.config["BASE_URL"] = "https://join4atmp.example"
    app.config["SERVER_NAME"] = None
    webinar = make_webinar()
    registrations.register_for_webinar(make_user("p@patients.example"), webinar)
    with freeze_time(webinar.starts_at - timedelta(hours=2)):
        assert "1 reminders queued." in runner.invoke(args=["webinars", "send-reminders"]).output
        assert "0 reminders queued." in runner.invoke(args=["webinars", "send-reminders"]).output
    [mail] = outbox("webinar_reminder")
    assert f"https://join4atmp.example/webinars/{webinar.id}" in mail.body_text


def _webinar_with_people(organiser):
    webinar = make_webinar(organiser, starts_at=utcnow() + timedelta(hours=3), capacity=1)
    asker, voter, waiting = (make_user(f"{n}@patients.example") for n in ("asker", "voter", "waiting"))
    registrations.register_for_webinar(asker, webinar, needs="Sign language interpretation")
    registrations.register_for_webinar(voter, webinar)
    registrations.register_for_webinar(waiting, webinar)
    kept = questions.ask_question(webinar, asker, "Can hospital exemption products be used across borders?")
    hidden = questions.ask_question(webinar, asker, "My daughter has SMA, is she eligible? Her name is ...")
    questions.toggle_vote(kept, voter)
    questions.answer_question(kept, organiser, "Only in the member state that authorised the manufacture.")
    questions.set_hidden(hidden, organiser, True)
    return webinar, kept.id, hidden.id


def test_personal_data_is_purged_after_the_retention_period(app):
    organiser = make_organiser()
    webinar, kept_id, hidden_id = _webinar_with_people(organiser)
    upcoming = make_webinar(organiser, title="A webinar still to come")
    registrations.register_for_webinar(make_user("future@patients.example"), upcoming)
    ended = webinar.ends_at

    with freeze_time(ended + timedelta(days=29)):
        assert purge_personal_data() == 0
    with freeze_time(ended + timedelta(days=31)):
        assert purge_personal_data() == 1
        assert purge_personal_data() == 0  # idempotent
    db.session.expire_all()
    rows = db.session.scalars(db.select(Registration).where(Registration.webinar_id == webinar.id)).all()
    assert len(rows) == 3 and all(r.user_id is None and r.needs is None for r in rows)
    assert db.session.get(WebinarQuestion, hidden_id) is None
    kept = db.session.get(WebinarQuestion, kept_id)
    assert kept.author_id is None and kept.vote_count == 1 and kept.status == WebinarQuestionStatus.ANSWERED
    assert db.session.scalars(db.select(WebinarVote)).all() == []
    assert db.session.get(Webinar, webinar.id).purged_at is not None
    assert services.counts(db.session.get(Webinar, webinar.id))["confirmed"] == 1
    future = db.session.scalars(db.select(Registration).where(Registration.webinar_id == upcoming.id)).one()
    assert future.user_id is not None

    page = app.test_client().get(f"/webinars/{webinar.id}").data.decode()
    assert "Can hospital exemption products be used across borders?" in page and "member state" in page


def test_a_cancelled_webinar_is_purged_counting_from_its_cancellation(app, runner):
    organiser = make_organiser()
    webinar = make_webinar(organiser, starts_at=utcnow() + timedelta(days=90))
    registrations.register_for_webinar(make_user("p@patients.example"), webinar)
    services.cancel_webinar(webinar, organiser)
    with freeze_time(utcnow() + timedelta(days=31)):
        assert "1 webinars purged." in runner.invoke(args=["webinars", "purge"]).output
    db.session.expire_all()
    assert db.session.scalars(db.select(Registration)).one().user_id is None


def test_the_calendar_invitation_arrives_through_smtp(tmp_path, smtp_port, smtp_server):
    app = create_app(make_config(tmp_path / "smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=3))
    with app.app_context():
        db.create_all()
        with app.test_request_context("/"):
            webinar = make_webinar()
            registrations.register_for_webinar(make_user("p@patients.example"), webinar)
        assert wait_for(lambda: len(smtp_server.messages) == 1)
        mail = smtp_server.messages[0]
        [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert part.get_param("method") == "REQUEST" and part.get_filename() == f"webinar-{webinar.id}.ics"
        [event] = Calendar.from_ical(part.get_payload(decode=True)).events
        assert str(event["uid"]) == f"webinar-{webinar.id}@join4atmp"
        db.session.remove()
        db.engine.dispose()
