"""The outbox delivers through a real SMTP server on loopback, survives it being down, and
writes .eml files when no server is configured."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from join4atmp import create_app
from join4atmp.core.mail import queue_email
from join4atmp.core.time import utcnow
from join4atmp.extensions import db

from helpers import make_config, outbox, wait_for

NEW = {
    "display_name": "Jonas Weber",
    "email": "jonas@lab.example",
    "role": "clinician",
    "password": "a long enough password",
    "password_again": "a long enough password",
}


@pytest.fixture
def smtp_app(tmp_path, smtp_port):
    app = create_app(make_config(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=3))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_confirmation_mail_arrives_by_smtp_after_the_commit(smtp_app, smtp_server):
    response = smtp_app.test_client().post("/register", data=NEW)
    assert response.status_code == 200
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    mail = smtp_server.messages[0]
    assert mail["To"] == "jonas@lab.example" and mail["Subject"] == "Confirm your email address"
    assert "http://localhost/confirm/" in mail.get_body(("plain",)).get_content()
    [stored] = outbox()
    assert stored.sent_at is not None and stored.attempts == 1


def test_nothing_is_lost_while_smtp_is_down(smtp_app, smtp_port):
    runner = smtp_app.test_cli_runner()
    response = smtp_app.test_client().post("/register", data=NEW)
    assert response.status_code == 200  # the sign-up itself succeeded
    [stored] = outbox()
    assert stored.sent_at is None and stored.attempts == 1 and "Connection" in stored.last_error
    assert stored.due_at > utcnow()  # retried later, with back-off

    from aiosmtpd.controller import Controller

    from helpers import Inbox

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert "0 sent" in runner.invoke(args=["mail", "send-pending"]).output  # not due yet
        stored.due_at = utcnow()
        db.session.commit()
        assert "1 sent, 0 failed" in runner.invoke(args=["mail", "send-pending"]).output
        assert "0 sent, 0 failed" in runner.invoke(args=["mail", "send-pending"]).output  # never twice
        assert wait_for(lambda: len(inbox.messages) == 1)
        assert inbox.messages[0]["To"] == "jonas@lab.example"
    finally:
        controller.stop()
    db.session.expire_all()
    assert outbox()[0].sent_at is not None


def test_a_rolled_back_change_sends_nothing(smtp_app, smtp_server):
    with smtp_app.test_request_context():
        queue_email("ghost@lab.example", "Never", "already_registered", login_url="l", reset_url="r")
        db.session.rollback()
        queue_email("real@lab.example", "Sent", "already_registered", login_url="l", reset_url="r")
        db.session.commit()
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    assert [m["To"] for m in smtp_server.messages] == ["real@lab.example"]


def test_without_smtp_mail_is_written_to_the_instance_outbox(app, client):
    client.post("/register", data=NEW)
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 1
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["Subject"] == "Confirm your email address" and mail["To"] == "jonas@lab.example"


def test_attachments_travel_with_the_message(smtp_app, smtp_server):
    with smtp_app.test_request_context():
        queue_email(
            "cal@lab.example",
            "Invite",
            "already_registered",
            login_url="l",
            reset_url="r",
            attachments=[("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        )
        db.session.commit()
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    [attachment] = list(smtp_server.messages[0].iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert b"BEGIN:VCALENDAR" in attachment.get_payload(decode=True)


@pytest.mark.parametrize("locale", ["fr", "de", "es", "it"])
def test_mail_is_rendered_in_the_recipients_language(app, locale):
    from babel.messages.pofile import read_po

    from join4atmp import ROOT

    with open(ROOT / f"platform/join4atmp/translations/{locale}/LC_MESSAGES/messages.po", "rb") as handle:
        hello = read_po(handle)["Hello,"].string
    with app.test_request_context():
        message = queue_email("m@lab.example", "x", "already_registered", locale=locale, login_url="l", reset_url="r")
    assert hello != "Hello," and hello in message.body_text and "Hello," not in message.body_text
