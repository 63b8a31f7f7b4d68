"""What a member sees of their account in the first hour: the audit log names real users, API tokens are
audited, counts read right in the singular, sessions name the browser, the set-up key is readable."""

import re

import pyotp
from sqlalchemy import select

from join4atmp.accounts import two_factor
from join4atmp.accounts.browsers import browser_label
from join4atmp.accounts.models import ApiToken
from join4atmp.core.audit import AuditEvent
from join4atmp.extensions import db

from helpers import PASSWORD, login, make_user, plain

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def browser(app, user_agent=None):
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def test_events_about_the_current_user_name_a_user_not_a_proxy(app):
    user = make_user("me@uni.example")
    admin = make_user("root@platform.example", role="admin")
    here, there = app.test_client(), app.test_client()
    login(here, "me@uni.example")
    login(there, "me@uni.example")
    assert here.post("/account/sessions/end-others").status_code == 302  # recorded about current_user
    (event,) = events("session.end_others")
    assert (event.actor_id, event.object_type, event.object_id) == (user.id, "user", user.id)
    assert event.detail == "1 session and 0 tokens ended"  # not "1 sessions"
    page = browser(app)
    login(page, admin.email)
    log = plain(page.get("/admin/audit?action=session").get_data(as_text=True))
    assert "localproxy" not in log and f"user {user.id}" in log and "me@uni.example" in log


def test_creating_and_revoking_an_api_token_is_in_the_audit_log(app, runner):
    user = make_user("api@uni.example")
    client = app.test_client()
    login(client, "api@uni.example")
    assert client.post("/account/tokens", data={"name": "laptop script"}).status_code == 200
    token = db.session.scalar(select(ApiToken))
    (created,) = events("api_token.create")
    assert (created.actor_id, created.object_type, created.object_id) == (user.id, "apitoken", token.id)
    assert "laptop script" in created.detail and token.prefix in created.detail
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    client.post(f"/account/tokens/{token.id}/revoke")  # revoking again changes nothing: no second event
    (revoked,) = events("api_token.revoke")
    assert (revoked.actor_id, revoked.object_id) == (user.id, token.id)
    result = runner.invoke(args=["users", "token", "api@uni.example", "--name", "cron"])
    assert result.exit_code == 0, result.output
    by_command = events("api_token.create")[-1]
    assert by_command.actor_id is None
    assert "command line" in by_command.detail and f"user {user.id}" in by_command.detail


def test_a_password_change_that_ends_tokens_says_how_many(app):
    user = make_user("pw@uni.example")
    client = app.test_client()
    login(client, "pw@uni.example")
    client.post("/account/tokens", data={"name": "one"})
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a new and long password",
            "new_password_again": "a new and long password",
            "end_tokens": "y",
        },
    )
    (event,) = events("password.change")
    assert event.actor_id == user.id and event.detail == "1 token ended"


def test_signing_out_everywhere_counts_in_the_singular(app):
    make_user("one@uni.example")
    here, there = app.test_client(), app.test_client()
    login(here, "one@uni.example")
    login(there, "one@uni.example")
    here.post("/account/tokens", data={"name": "script"})
    page = plain(here.post("/account/sessions/end-others", follow_redirects=True).get_data(as_text=True))
    assert "1 session and 1 API token ended" in page
    assert "1 sessions" not in page and "1 API tokens" not in page


def test_the_recovery_code_notice_counts_in_the_singular(app):
    user = make_user("lost@uni.example", two_factor=True)
    app.config["TWO_FACTOR_RECOVERY_CODES"] = 2
    codes = two_factor._new_recovery_codes(user)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "lost@uni.example", "password": PASSWORD})
    assert client.post("/two-step", data={"code": codes[0]}).status_code == 302
    page = plain(client.get("/").get_data(as_text=True))
    assert "It will not work again; 1 is left." in page


def test_sessions_name_the_browser_and_system_not_the_raw_header(app):
    make_user("me@uni.example")
    laptop, phone = browser(app, FIREFOX), browser(app, SAFARI)
    login(laptop, "me@uni.example")
    login(phone, "me@uni.example")
    page = plain(laptop.get("/account").get_data(as_text=True))
    assert "Firefox 128 on Windows" in page and "Mobile Safari 17 on iOS" in page
    assert "Gecko/20100101" not in page and "AppleWebKit" not in page


def test_browser_labels_for_odd_headers(app):
    with app.test_request_context():
        assert browser_label(FIREFOX) == "Firefox 128 on Windows"
        assert browser_label("curl/8.5.0") == "curl 8"
        assert browser_label(None) == browser_label("  ") == "—"
        assert browser_label("an-internal-probe") == "an-internal-probe"  # nothing known: the header itself
        assert browser_label("x" * 300) == "x" * 59 + "…"


def test_the_set_up_key_is_shown_in_groups_of_four_and_still_works(app):
    make_user("enrol@uni.example")
    client = app.test_client()
    login(client, "enrol@uni.example")
    client.post("/account/two-factor/setup")
    page = client.get("/account/two-factor").get_data(as_text=True)
    shown = re.search(r'id="totp-secret"[^>]*>([^<]+)<', page).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", shown), shown  # 32 characters, "ABCD EFGH …"
    code = pyotp.TOTP(shown.replace(" ", "")).now()
    done = client.post("/account/two-factor/enable", data={"code": code})
    assert done.status_code == 200 and "Two-step login is on" in done.get_data(as_text=True)
