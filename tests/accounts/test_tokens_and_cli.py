"""Personal API tokens (page, bearer auth, revocation) and the `flask users` commands."""

import hashlib

from sqlalchemy import select

from join4atmp.accounts.models import ApiToken, Role, User
from join4atmp.accounts.services import create_api_token
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

    result = runner.invoke(args=["users", "token", "reg@pei.example"])
    assert result.exit_code == 0
    plain = result.output.strip()
    client = runner.app.test_client()
    assert client.get("/api/v1/me", headers=bearer(plain)).json["role"] == "regulator"
    assert runner.invoke(args=["users", "token", "nobody@x.example"]).exit_code != 0
