"""Sessions held on the server: logout, sign out everywhere, timeouts, fixation, cookie flags."""

import re
from datetime import timedelta

from flask_login.utils import encode_cookie
from freezegun import freeze_time
from sqlalchemy import select

from join4atmp import create_app
from join4atmp.accounts import services
from join4atmp.accounts.models import UserSession
from join4atmp.core.audit import AuditEvent
from join4atmp.core.time import utcnow
from join4atmp.extensions import db

from helpers import PASSWORD, link_in, login, make_config, make_user, outbox


def sid(client):
    with client.session_transaction() as session:
        return session.get("sid")


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def rows(user):
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def test_logout_ends_only_that_session(app):
    make_user("two@uni.example")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "two@uni.example")
    login(phone, "two@uni.example")
    stolen = laptop.get_cookie("session", domain="localhost").value
    assert laptop.post("/logout").status_code == 302
    assert not logged_in(laptop) and logged_in(phone)
    thief = app.test_client()  # the cookie from before the logout is dead on the server
    thief.set_cookie("session", stolen, domain="localhost")
    assert not logged_in(thief)
    assert [row.revoked_at is not None for row in rows(services.find_user_by_email("two@uni.example"))] == [True, False]


def test_sign_out_everywhere_ends_every_other_session(app):
    user = make_user("many@uni.example")
    here, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    for client in (here, phone, tablet):
        login(client, "many@uni.example")
    assert here.post("/account/sessions/end-others").status_code == 302
    assert logged_in(here) and not logged_in(phone) and not logged_in(tablet)
    assert "session.end_others" in db.session.scalars(select(AuditEvent.action)).all()
    assert len([row for row in rows(user) if row.revoked_at is None]) == 1


def test_the_account_page_lists_sessions_and_ends_one(app):
    user = make_user("list@uni.example")
    here, phone = app.test_client(), app.test_client()
    phone.environ_base.update(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="PhoneBrowser/1.0")
    login(phone, "list@uni.example")
    login(here, "list@uni.example")
    page = here.get("/account").get_data(as_text=True)
    assert "10.1.2.3" in page and "PhoneBrowser/1.0" in page and "this browser" in page
    phone_row = next(row for row in rows(user) if row.ip == "10.1.2.3")
    assert here.post(f"/account/sessions/{phone_row.id}/end").status_code == 302
    assert logged_in(here) and not logged_in(phone)


def test_nobody_ends_another_members_session(app):
    owner = make_user("owner@uni.example")
    make_user("other@uni.example")
    owner_client, other = app.test_client(), app.test_client()
    login(owner_client, "owner@uni.example")
    login(other, "other@uni.example")
    [row] = rows(owner)
    assert other.post(f"/account/sessions/{row.id}/end").status_code == 404
    assert other.post("/account/sessions/99999/end").status_code == 404
    assert other.post(f"/account/sessions/{2**70}/end").status_code == 404
    assert other.post(f"/account/tokens/{2**70}/revoke").status_code == 404
    assert logged_in(owner_client)


def test_ending_this_session_from_the_list_logs_out(client):
    user = make_user("self@uni.example")
    login(client, "self@uni.example")
    [row] = rows(user)
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 302
    assert not logged_in(client)


def test_password_change_keeps_this_session_and_ends_the_others(app):
    make_user("change@uni.example")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "change@uni.example")
    login(phone, "change@uni.example")
    laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new password",
            "new_password_again": "a brand new password",
        },
    )
    assert logged_in(laptop) and not logged_in(phone)


def test_password_reset_ends_every_session(app):
    make_user("reset@uni.example")
    laptop = app.test_client()
    login(laptop, "reset@uni.example")
    app.test_client().post("/reset", data={"email": "reset@uni.example"})
    link = link_in(outbox("reset_password")[0], "/reset/")
    assert (
        app.test_client()
        .post(link, data={"password": "my new password!", "password_again": "my new password!"})
        .status_code
        == 302
    )
    assert not logged_in(laptop)


def test_deactivation_ends_every_session(app):
    admin = make_user("admin@platform.example", role="admin")
    user = make_user("bad@uni.example")
    client = app.test_client()
    login(client, "bad@uni.example")
    services.set_active(user, False, admin)
    services.set_active(user, True, admin)  # reactivating does not bring the old session back
    assert not logged_in(client)


def test_idle_timeout(client, app):
    make_user("idle@uni.example")
    with freeze_time(utcnow()) as clock:
        login(client, "idle@uni.example")
        clock.tick(timedelta(minutes=90))
        assert logged_in(client)  # activity moves the idle deadline on
        clock.tick(timedelta(minutes=90))
        assert logged_in(client)
        clock.tick(app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=2))
        assert not logged_in(client)


def test_absolute_timeout_even_when_active(app, client):
    # The signed cookie itself lapses after PERMANENT_SESSION_LIFETIME: lengthen it to see the server's limit.
    app.config.update(SESSION_ABSOLUTE_TIMEOUT=timedelta(hours=6), PERMANENT_SESSION_LIFETIME=timedelta(days=2))
    make_user("busy@uni.example")
    with freeze_time(utcnow()) as clock:
        login(client, "busy@uni.example")
        for _ in range(5):
            clock.tick(timedelta(hours=1))
            assert logged_in(client)
        clock.tick(timedelta(hours=1, minutes=1))
        assert not logged_in(client)


def test_last_seen_is_written_at_most_once_a_minute(client):
    user = make_user("seen@uni.example")
    with freeze_time(utcnow()) as clock:
        login(client, "seen@uni.example")
        [row] = rows(user)
        started = row.last_seen_at
        clock.tick(timedelta(seconds=30))
        client.get("/account")
        db.session.refresh(row)
        assert row.last_seen_at == started
        clock.tick(timedelta(seconds=31))
        client.get("/account")
        db.session.refresh(row)
        assert row.last_seen_at > started


def test_each_login_gets_a_new_session_id_and_a_planted_cookie_stays_out(app):
    make_user("fix@uni.example")
    victim = app.test_client()
    victim.post("/language", data={"lang": "fr", "next": "/"})  # a cookie exists before login
    planted = victim.get_cookie("session", domain="localhost").value
    assert sid(victim) is None
    login(victim, "fix@uni.example")
    first = sid(victim)
    assert first and victim.get_cookie("session", domain="localhost").value != planted
    attacker = app.test_client()
    attacker.set_cookie("session", planted, domain="localhost")
    assert not logged_in(attacker)
    victim.post("/logout")
    login(victim, "fix@uni.example")
    assert sid(victim) not in (None, first)


def test_only_a_digest_of_the_session_id_is_stored(client):
    user = make_user("digest@uni.example")
    login(client, "digest@uni.example")
    [row] = rows(user)
    assert sid(client) and sid(client) != row.token_hash and len(row.token_hash) == 64


def test_a_remember_me_cookie_cannot_restore_a_session(app):
    user = make_user("remember@uni.example")
    with app.test_request_context():
        forged = encode_cookie(str(user.id))  # what Flask-Login would accept as "remember me"
    client = app.test_client()
    client.set_cookie("remember_token", forged, domain="localhost")
    assert not logged_in(client)


def set_cookie_header(response, name="session"):
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))


def test_session_cookie_flags(client):
    make_user("flags@uni.example")
    header = set_cookie_header(login(client, "flags@uni.example"))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header


def test_session_cookie_is_secure_when_configured(tmp_path):
    app = create_app(make_config(tmp_path, SESSION_COOKIE_SECURE=True))
    with app.app_context():
        db.create_all()
        make_user("secure@uni.example")
        response = app.test_client().post(
            "/login", data={"email": "secure@uni.example", "password": PASSWORD}, base_url="https://localhost"
        )
        header = set_cookie_header(response)
        assert re.search(r"; Secure", header) and "HttpOnly" in header and "SameSite=Lax" in header
        db.session.remove()


def test_logins_and_logouts_are_audited_without_unknown_emails(client):
    make_user("audit@uni.example")
    login(client, "audit@uni.example", "wrong password!")
    login(client, "ghost@uni.example", "wrong password!")
    login(client, "audit@uni.example")
    client.post("/logout")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["login.failed", "login.failed", "login", "logout"]
    assert all("ghost" not in (event.detail or "") for event in events)
