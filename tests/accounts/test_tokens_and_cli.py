"""Personal API tokens (page, bearer auth, revocation) and the `flask users` commands."""

import hashlib

from sqlalchemy import select

from join4atmp.accounts.models import ApiToken, Role, User
from join4atmp.accounts.tokens import create_api_token
from join4atmp.extensions import db

from helpers import PASSWORD, login, make_user


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_is_shown_once_stored_hashed_and_accepted_as_bearer(client):
    make_user("api@uni.example")
    login(client, "api@uni.example")
    page = client.post("/account/tokens", data={"name": "dashboard"})
    assert page.status_code == 200
    plain = page.data.decode().split('id="new-token" class="token" readonly value="')[1].split('"')[0]
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest() and plain not in token.token_hash
    account = client.get("/account").data
    assert plain.encode() not in account  # never shown again
    assert b"Authorization: Bearer &lt;token&gt;" in account  # the example header is text, not a tag

    anonymous = client.application.test_client()
    me = anonymous.get("/api/v1/me", headers=bearer(plain))
    assert me.status_code == 200 and me.json["email"] == "api@uni.example"
    assert anonymous.get("/api/v1/me").status_code == 401
    assert anonymous.get("/api/v1/me", headers=bearer(plain + "x")).status_code == 401


def test_bearer_tokens_do_not_log_into_html_pages(client):
    user = make_user("html@uni.example")
    _, plain = create_api_token(user, "script")
    assert client.get("/account", headers=bearer(plain)).status_code == 302


def test_revoked_tokens_stop_working_and_only_the_owner_can_revoke(app, client):
    owner = make_user("owner@uni.example")
    make_user("other@uni.example")
    token, plain = create_api_token(owner, "ci")
    other = app.test_client()
    login(other, "other@uni.example")
    assert other.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    login(client, "owner@uni.example")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_tokens_of_deactivated_users_stop_working(client):
    user = make_user("deact@uni.example")
    _, plain = create_api_token(user, "ci")
    user.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_cli_creates_admins_users_and_tokens(runner, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Root@Platform.example", "--password-file", str(password_file)]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "root@platform.example"))
    assert admin.role == Role.ADMIN and admin.is_confirmed and admin.is_verified

    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "reg@pei.example",
            "--password-file",
            str(password_file),
            "--role",
            "regulator",
            "--verified",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "reg@pei.example")).is_verified

    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "reg@pei.example",
            "--password-file",
            str(password_file),
            "--role",
            "regulator",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output

    refused = runner.invoke(args=["users", "token", "reg@pei.example"])  # verified: a second factor first
    assert refused.exit_code != 0 and "two-step" in refused.output
    from helpers import enrol_two_factor

    enrol_two_factor(db.session.scalar(select(User).where(User.email == "reg@pei.example")))
    result = runner.invoke(args=["users", "token", "reg@pei.example"])
    assert result.exit_code == 0
    plain = result.output.strip()
    client = runner.app.test_client()
    assert client.get("/api/v1/me", headers=bearer(plain)).json["role"] == "regulator"
    assert runner.invoke(args=["users", "token", "nobody@x.example"]).exit_code != 0


def _confidential_question():
    from join4atmp.questions import services as questions

    asker = make_user("asker@sme.example")
    return questions.create_question(
        asker, "Our confidential CMC question", "Trade secrets.", visibility="confidential"
    )


def test_a_token_never_acts_for_a_duty_that_demands_a_second_factor_not_set_up(app, client):
    """Issue 13, item 1: a member with a token and no second factor is made a moderator."""
    from join4atmp.accounts.services import set_duty

    question = _confidential_question()
    member = make_user("member@uni.example", two_factor=False)
    admin = make_user("admin@join4atmp.example", role="admin")
    _, before_duty = create_api_token(member, "made before the duty")
    set_duty(member, "moderator", True, by=admin)
    # granting the duty ended the token made without a second factor: it is nobody now
    assert client.get("/api/v1/me", headers=bearer(before_duty)).status_code == 401
    assert client.get(f"/api/v1/questions/{question.id}", headers=bearer(before_duty)).status_code == 404
    # a token made while the duty stands, before the second step is set up, waits for it
    _, after_duty = create_api_token(member, "made after the duty")
    response = client.get(f"/api/v1/questions/{question.id}", headers=bearer(after_duty))
    assert response.status_code == 403 and "two-step" in response.json["error"]["message"]
    assert b"Trade secrets" not in response.data
    from helpers import enrol_two_factor

    enrol_two_factor(member)
    assert client.get(f"/api/v1/questions/{question.id}", headers=bearer(after_duty)).status_code == 200


def test_verifying_a_regulator_ends_the_tokens_they_made_unverified(client):
    from join4atmp.accounts.services import set_verified

    regulator = make_user("reg@agency.example", role="regulator", two_factor=False)
    _, plain = create_api_token(regulator, "script")
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    set_verified(regulator, True)
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_tokens_end_on_a_reset_on_sign_out_everywhere_and_on_request_with_a_password_change(app, client):
    """Issue 13, item 8."""
    from join4atmp.accounts import links
    from join4atmp.accounts.services import reset_password

    script = app.test_client()  # a script: the token alone, no cookie
    user = make_user("tokens@uni.example")
    _, plain = create_api_token(user, "one")
    reset_password(links.make_reset_token(user), "a brand new passphrase 1")
    assert script.get("/api/v1/me", headers=bearer(plain)).status_code == 401

    login(client, "tokens@uni.example", "a brand new passphrase 1")
    _, kept = create_api_token(user, "kept")
    assert b"1 API token also acts for you" in client.get("/account").data
    change = {"current_password": "a brand new passphrase 1", "new_password_again": "another new passphrase 2"}
    change["new_password"] = change["new_password_again"]
    assert client.post("/account/password", data=change).status_code == 302
    assert script.get("/api/v1/me", headers=bearer(kept)).status_code == 200  # not asked to end them
    _, ended = create_api_token(user, "ended")
    change = {"current_password": "another new passphrase 2", "new_password": "third passphrase 3", "end_tokens": "y"}
    change["new_password_again"] = change["new_password"]
    assert client.post("/account/password", data=change).status_code == 302
    assert script.get("/api/v1/me", headers=bearer(ended)).status_code == 401

    _, last = create_api_token(user, "last")
    response = client.post("/account/sessions/end-others", follow_redirects=True)
    assert b"1 API token ended" in response.data
    assert script.get("/api/v1/me", headers=bearer(last)).status_code == 401


def test_a_bogus_bearer_header_does_not_spare_a_cookie_session_its_csrf_check(app, client):
    """Issue 13, item 15."""
    make_user("cookie@uni.example")
    login(client, "cookie@uni.example")
    app.config["WTF_CSRF_ENABLED"] = True
    body = {"title": "A question posted by a forged page", "body": "Sent from another site."}
    response = client.post("/api/v1/questions", json=body, headers={"Authorization": "Bearer x"})
    assert response.status_code == 400 and "X-CSRFToken" in response.json["error"]["message"]
    assert client.get("/api/v1/questions").json["total"] == 0
