"""The second factor: TOTP at login, replay refused, recovery codes, roles that must enrol, the admin reset."""

import re
from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from join4atmp.accounts.models import RecoveryCode, TwoFactor, User
from join4atmp.accounts.tokens import create_api_token
from join4atmp.core.audit import AuditEvent
from join4atmp.core.time import utcnow
from join4atmp.extensions import db

from helpers import PASSWORD, enrol_two_factor, login, make_user, totp_code


def password_step(client, email, path="/login"):
    return client.post(path, data={"email": email, "password": PASSWORD})


def code_step(client, code):
    return client.post("/two-step", data={"code": code})


def actions(user_id=None):
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user_id:
        query = query.where(AuditEvent.object_id == user_id)
    return db.session.scalars(query).all()


def enrol(client):
    """Set up two-step login through the pages; returns (secret, recovery codes)."""
    assert client.post("/account/two-factor/setup").status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    shown = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", shown)  # in groups of four, to type in by hand
    secret = shown.replace(" ", "")
    assert 'src="data:image/svg+xml' in page  # the QR code, as an image the CSP allows
    done = client.post("/account/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"Two-step login is on" in done.data
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def test_login_demands_the_code_and_lets_nothing_through_before_it(client):
    make_user("two@uni.example", two_factor=True)
    first = password_step(client, "two@uni.example", "/login?next=/experts")
    assert first.status_code == 302 and first.location.endswith("/two-step")
    assert client.get("/account").status_code == 302  # pending is not logged in
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/account/two-factor/setup").status_code == 302
    assert client.get("/two-step").status_code == 200
    wrong = code_step(client, "000000" if totp_code("two@uni.example") != "000000" else "111111")
    assert wrong.status_code == 400 and b"not correct" in wrong.data
    assert client.get("/account").status_code == 302
    done = code_step(client, totp_code("two@uni.example"))
    assert done.status_code == 302 and done.location == "/experts"
    assert client.get("/account").status_code == 200
    assert "2fa.failed" in actions() and actions()[-1] == "login"


def test_users_without_a_second_factor_log_in_with_the_password_alone(client):
    make_user("plain@uni.example")
    response = password_step(client, "plain@uni.example")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/account").status_code == 200


def test_the_pending_login_expires(client):
    make_user("slow@uni.example", two_factor=True)
    with freeze_time(utcnow()) as clock:
        password_step(client, "slow@uni.example")
        clock.tick(timedelta(minutes=6))
        late = code_step(client, totp_code("slow@uni.example"))
        assert late.status_code == 400 and b"Please log in again" in late.data
        assert client.get("/account").status_code == 302


def test_the_code_step_without_a_password_goes_back_to_login(client):
    make_user("skip@uni.example", two_factor=True)
    response = code_step(client, totp_code("skip@uni.example"))
    assert response.status_code == 400 and b"Please log in again" in response.data
    assert client.get("/account").status_code == 302


def test_a_replayed_code_is_refused(app):
    make_user("replay@uni.example", two_factor=True)
    first, second = app.test_client(), app.test_client()
    with freeze_time(utcnow()):
        code = totp_code("replay@uni.example")
        password_step(first, "replay@uni.example")
        assert code_step(first, code).status_code == 302
        password_step(second, "replay@uni.example")
        assert code_step(second, code).status_code == 400  # same code again
        assert code_step(second, totp_code("replay@uni.example", -1)).status_code == 400  # an older one
        assert code_step(second, totp_code("replay@uni.example", +1)).status_code == 302  # the next one


def test_wrong_codes_are_limited_per_account(app, client):
    make_user("brute@uni.example", two_factor=True)
    right = totp_code("brute@uni.example")
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    password_step(client, "brute@uni.example")
    for _ in range(5):
        assert code_step(client, wrong).status_code == 400
    assert code_step(client, right).status_code == 429
    other = app.test_client()  # a fresh login does not reset the count
    password_step(other, "brute@uni.example")
    assert code_step(other, right).status_code == 429
    assert other.get("/account").status_code == 302


def test_enrolment_stores_the_secret_encrypted_and_the_recovery_codes_hashed(client):
    user = make_user("enrol@uni.example")
    login(client, "enrol@uni.example")
    assert client.post("/account/two-factor/setup").status_code == 302
    assert client.post("/account/two-factor/enable", data={"code": "123456"}).status_code == 400
    secret, codes = enrol(client) if not db.session.get(User, user.id).has_second_factor else (None, [])
    assert len(codes) == 10 and len(set(codes)) == 10
    row = db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))
    assert row.is_enabled and secret not in row.secret_encrypted
    stored = " ".join(r.code_hash + r.salt for r in db.session.scalars(select(RecoveryCode)))
    assert not any(code.replace("-", "") in stored for code in codes)
    assert "2fa.enrol" in actions(user.id)
    again = client.post("/account/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})  # a reload
    assert again.status_code == 303 and again.location.endswith("/account/two-factor")
    assert b"Two-step login is already on." in client.get(again.location).data
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 10  # no second set


def test_a_recovery_code_works_once(app, client):
    user = make_user("lost@uni.example")
    login(client, "lost@uni.example")
    _, codes = enrol(client)
    first, again = app.test_client(), app.test_client()
    for attempt, expected in ((first, 302), (again, 400)):
        password_step(attempt, "lost@uni.example")
        assert code_step(attempt, codes[0].upper()).status_code == expected
    assert b"You used a recovery code" in first.get("/").data
    fresh = app.test_client()
    password_step(fresh, "lost@uni.example")
    assert code_step(fresh, codes[1]).status_code == 302
    assert actions(user.id).count("2fa.recovery_code_used") == 2


def test_new_recovery_codes_replace_the_old_ones(app, client):
    make_user("regen@uni.example")
    login(client, "regen@uni.example")
    _, old = enrol(client)
    assert client.post("/account/two-factor/recovery-codes", data={"regenerate-password": "wrong"}).status_code == 400
    page = client.post("/account/two-factor/recovery-codes", data={"regenerate-password": PASSWORD})
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page.get_data(as_text=True))
    assert page.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    attempt = app.test_client()
    password_step(attempt, "regen@uni.example")
    assert code_step(attempt, old[0]).status_code == 400
    assert code_step(attempt, new[0]).status_code == 302


def test_optional_second_factor_can_be_switched_off_with_the_password(client):
    user = make_user("optional@uni.example", two_factor=True)
    login(client, "optional@uni.example")
    assert client.post("/account/two-factor/disable", data={"disable-password": "wrong"}).status_code == 400
    assert db.session.get(User, user.id).has_second_factor
    assert client.post("/account/two-factor/disable", data={"disable-password": PASSWORD}).status_code == 302
    assert not db.session.get(User, user.id).has_second_factor
    client.post("/logout")
    assert password_step(client, "optional@uni.example").location == "/"
    assert "2fa.disable" in actions(user.id)


def with_duty(duty):
    def make(email):
        if duty == "admin":
            return make_user(email, role="admin", two_factor=False)
        if duty == "regulator":
            return make_user(email, role="regulator", verified=True, two_factor=False)
        user = make_user(email, two_factor=False)
        setattr(user, f"is_{duty}_flag", True)
        db.session.commit()
        return user

    return make


@pytest.mark.parametrize("duty", ["admin", "moderator", "organiser", "regulator"])
def test_required_roles_must_enrol_before_anything_else_and_cannot_switch_off(client, duty):
    user = with_duty(duty)(f"{duty}@platform.example")
    response = password_step(client, user.email)
    assert response.location.endswith("/account/two-factor")
    for path in ("/", "/account", "/experts", "/questions", "/webinars"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.location.endswith("/account/two-factor"), path
    assert client.get("/account/two-factor").status_code == 200
    assert client.get("/static/style.css").status_code in (200, 404)
    secret, _ = enrol(client)
    assert client.get("/account").status_code == 200
    refused = client.post("/account/two-factor/disable", data={"disable-password": PASSWORD})
    assert refused.status_code == 400 and b"cannot be turned off" in refused.data
    assert db.session.get(User, user.id).has_second_factor
    client.post("/logout")
    assert password_step(client, user.email).location.endswith("/two-step")


def test_unverified_regulators_and_other_roles_are_not_forced(client):
    make_user("newreg@agency.example", role="regulator", verified=False)
    assert password_step(client, "newreg@agency.example").location == "/"
    assert client.get("/account").status_code == 200


def test_logout_is_open_while_enrolment_is_required(client):
    with_duty("moderator")("mod@platform.example")
    password_step(client, "mod@platform.example")
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302
    assert client.get("/account").location.startswith("/login")


def test_api_tokens_wait_for_a_second_factor_then_ask_for_no_code(client):
    admin = with_duty("admin")("api@platform.example")
    _, token = create_api_token(admin, "script")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    enrol_two_factor(admin)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_an_admin_resets_a_locked_out_users_second_factor_on_the_command_line(app, runner):
    user = make_user("locked@agency.example", role="regulator", verified=True)
    session_client = app.test_client()
    login(session_client, "locked@agency.example")
    result = runner.invoke(args=["users", "reset-2fa", "LOCKED@agency.example"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(User, user.id).has_second_factor
    assert session_client.get("/account").status_code == 302  # their sessions ended too
    assert "2fa.admin_reset" in actions(user.id)
    assert runner.invoke(args=["users", "reset-2fa", "nobody@x.example"]).exit_code != 0
