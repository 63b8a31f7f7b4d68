"""Privacy: the notice, consent to show a public contact, retention of logs and personal data, and the
audit log that cannot be rewritten."""

from datetime import timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from join4atmp.core import audit
from join4atmp.core.audit import AuditEvent, AuditLogIsAppendOnly
from join4atmp.core.consent import Consent
from join4atmp.core.mail import OutboxMessage
from join4atmp.core.ratelimit import RateLimitHit
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.notifications.models import Notification

from helpers import login, make_user

PROFILE = {
    "display_name": "SMA Families Network",
    "organisation": "SMA Families Network",
    "country": "IT",
    "expertise": "Patient advocacy for families living with spinal muscular atrophy.",
    "topics": ["patient-involvement"],
    "languages": ["it", "en"],
    "max_open_requests": "3",
    "is_listed": "y",
    "accepting_requests": "y",
}


def test_the_notice_states_the_controller_version_and_the_configured_retention_periods(app, client):
    app.config.update(
        PRIVACY_CONTROLLER_NAME="Example ATMP Consortium",
        PRIVACY_NOTICE_VERSION="2031-02",
        AUDIT_RETENTION_DAYS=417,
        OUTBOX_RETENTION_DAYS=93,
        WEBINAR_PURGE_AFTER_DAYS=31,
    )
    page = client.get("/privacy")
    assert page.status_code == 200
    text = page.data.decode()
    for expected in (
        "Example ATMP Consortium",
        "Version 2031-02",
        "417 days",
        "93 days",
        "31 days",
        "Consent (GDPR art. 6(1)(a))",
        "Legitimate interest",
        'href="/privacy/data"',
    ):
        assert expected in text, expected


def test_a_contact_email_shows_only_while_consent_holds_and_withdrawing_hides_it_at_once(app, client):
    user = make_user("contact@sma.example", role="patient_org")
    profile_id = user.profile.id
    login(client, "contact@sma.example")
    public = f"/experts/{profile_id}"

    client.post("/profile", data={**PROFILE, "contact_email": "info@sma.example"})  # no consent given
    assert b"info@sma.example" not in client.get(public).data
    assert db.session.scalars(select(Consent)).all() == []

    assert (
        client.post("/profile", data={**PROFILE, "contact_email": "info@sma.example", "show_contact": "y"}).status_code
        == 302
    )
    assert b"mailto:info@sma.example" in client.get(public).data
    assert client.get(f"/api/v1/experts/{profile_id}").json["contact_email"] == "info@sma.example"
    granted = db.session.scalars(select(Consent)).one()
    assert (granted.purpose, granted.notice_version) == ("public_contact", app.config["PRIVACY_NOTICE_VERSION"])
    assert granted.granted_at is not None and granted.withdrawn_at is None
    assert b"Withdraw" in client.get("/privacy/data").data

    assert client.post("/privacy/consents/public_contact/withdraw").status_code == 302
    assert b"info@sma.example" not in client.get(public).data
    assert "contact_email" not in client.get(f"/api/v1/experts/{profile_id}").json
    db.session.expire_all()
    assert db.session.get(Consent, granted.id).withdrawn_at is not None

    client.post("/profile", data={**PROFILE, "contact_email": "info@sma.example", "show_contact": "y"})
    rows = db.session.scalars(select(Consent).order_by(Consent.id)).all()
    assert len(rows) == 2 and rows[0].withdrawn_at is not None and rows[1].withdrawn_at is None  # history kept
    client.post("/profile", data={**PROFILE, "contact_email": "info@sma.example"})  # unticking withdraws too
    assert b"info@sma.example" not in client.get(public).data


def test_consenting_without_an_address_is_refused_and_unknown_purposes_are_404(client):
    make_user("nocontact@sma.example", role="patient_org")
    login(client, "nocontact@sma.example")
    response = client.post("/profile", data={**PROFILE, "show_contact": "y"})
    assert response.status_code == 400 and b"Give the contact email" in response.data
    assert client.post("/privacy/consents/marketing/withdraw").status_code == 404
    assert (
        client.post("/profile", data={**PROFILE, "contact_email": "not an address", "show_contact": "y"}).status_code
        == 400
    )


def test_your_data_page_needs_a_login(client):
    response = client.get("/privacy/data")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _old_and_new(make):
    """Rows made 400 days ago and now."""
    with freeze_time(utcnow() - timedelta(days=400)):
        old = make()
    return old, make()


def test_retention_removes_only_what_is_past_its_period_and_is_idempotent(app, runner):
    user = make_user("kept@uni.example")
    audit_old, audit_new = _old_and_new(lambda: _add(AuditEvent(actor_id=user.id, action="user.login")))
    hit_old, hit_new = _old_and_new(lambda: _add(RateLimitHit(key="x" * 64)))
    sent_old, sent_new = _old_and_new(
        lambda: _add(OutboxMessage(kind="k", recipient=user.email, subject="s", body_text="b", sent_at=utcnow()))
    )
    failed_old, queued_new = _old_and_new(
        lambda: _add(
            OutboxMessage(
                kind="k", recipient=user.email, subject="s", body_text="b", attempts=app.config["MAIL_MAX_ATTEMPTS"]
            )
        )
    )
    queued_old = _old_and_new(
        lambda: _add(OutboxMessage(kind="k", recipient="r@x.example", subject="s", body_text="b"))
    )[0]
    note_old, note_new = _old_and_new(
        lambda: _add(Notification(user_id=user.id, kind="k", text="t", url="/", emailed_at=utcnow()))
    )
    unsent_note_old = _old_and_new(lambda: _add(Notification(user_id=user.id, kind="k", text="t", url="/")))[0]

    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "audit events: 1 removed" in result.output and "outbox messages: 2 removed" in result.output
    db.session.expire_all()
    for model, gone, kept in (
        (AuditEvent, [audit_old], [audit_new]),
        (RateLimitHit, [hit_old], [hit_new]),
        (OutboxMessage, [sent_old, failed_old], [sent_new, queued_new, queued_old]),
        (Notification, [note_old], [note_new, unsent_note_old]),
    ):
        assert all(db.session.get(model, i) is None for i in gone), model
        assert all(db.session.get(model, i) is not None for i in kept), model

    again = runner.invoke(args=["privacy", "retention"])
    assert again.exit_code == 0 and all(line.endswith(": 0 removed") for line in again.output.splitlines())


def test_retention_removes_the_local_outboxs_old_files_too(app, runner):
    from email.utils import format_datetime
    from pathlib import Path

    folder = Path(app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    old_days = app.config["OUTBOX_RETENTION_DAYS"] + 1
    for name, written in (("old.eml", utcnow() - timedelta(days=old_days)), ("new.eml", utcnow())):
        date = format_datetime(written.replace(tzinfo=timezone.utc))
        (folder / name).write_bytes(f"To: x@y.example\r\nDate: {date}\r\nSubject: s\r\n\r\nbody".encode())
    assert runner.invoke(args=["privacy", "retention"]).exit_code == 0
    assert sorted(p.name for p in folder.glob("*.eml")) == ["new.eml"]


def test_retention_ends_old_server_sessions_and_purges_past_webinar_registrants(app):
    from join4atmp.privacy.retention import enforce_retention
    from join4atmp.webinars import registrations
    from join4atmp.webinars.models import Registration

    from helpers import make_webinar

    member = make_user("member@uni.example")
    with freeze_time(utcnow() - timedelta(days=400)):
        webinar = make_webinar(capacity=5)
        registration = registrations.register_for_webinar(member, webinar)
    sessions = db.metadata.tables.get("user_session")
    if sessions is not None:
        long_ago = utcnow() - timedelta(days=400)
        db.session.execute(
            sessions.insert().values(
                token_hash="a" * 64, user_id=member.id, created_at=long_ago, last_seen_at=long_ago, revoked_at=long_ago
            )
        )
        db.session.commit()
    removed = enforce_retention()
    assert removed["webinars purged of registrant data"] == 1
    assert db.session.get(Registration, registration.id).user_id is None
    if sessions is not None:
        assert removed["ended sessions"] == 1


def _add(obj):
    db.session.add(obj)
    db.session.commit()
    return obj.id


def test_the_audit_log_cannot_be_changed_or_deleted_except_by_retention(app):
    user = make_user("auditor@uni.example")
    audit.record(user, "user.login", user)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).one()

    event.action = "nothing.happened"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(detail="rewritten"))
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(AuditEvent.__table__.delete())
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "user.login"

    assert audit.purge_older_than(utcnow() - timedelta(days=1)) == 0
    assert audit.purge_older_than(utcnow() + timedelta(seconds=1)) == 1
    db.session.commit()
    assert db.session.scalars(select(AuditEvent)).all() == []
