"""Admin pages: who may see them, verification, deactivation, the outbox."""

import pytest

from join4atmp.extensions import db

from helpers import login, make_user

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/outbox", "/admin/outbox/1", "/admin/audit"]
ADMIN_ACTIONS = ["verify", "unverify", "deactivate", "activate", "duty/moderator/grant", "duty/organiser/grant"]


@pytest.fixture
def people(app):
    admin = make_user("root@platform.example", role="admin")
    member = make_user("member@uni.example")
    target = make_user("target@uni.example", role="regulator")
    from join4atmp.core.mail import queue_email

    with app.test_request_context():
        queue_email("x@y.example", "Hello", "already_registered", login_url="l", reset_url="r")
    db.session.commit()
    return admin, member, target


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_require_an_admin(app, people, path):
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 302
    member = app.test_client()
    login(member, "member@uni.example")
    assert member.get(path).status_code == 403
    admin = app.test_client()
    login(admin, "root@platform.example")
    assert admin.get(path, follow_redirects=True).status_code == 200


@pytest.mark.parametrize("action", ADMIN_ACTIONS)
def test_admin_actions_require_an_admin(app, people, action):
    _, _, target = people
    member = app.test_client()
    login(member, "member@uni.example")
    assert member.post(f"/admin/users/{target.id}/{action}").status_code == 403
    assert app.test_client().post(f"/admin/users/{target.id}/{action}").status_code == 302
    db.session.refresh(target)
    assert target.is_active and not target.is_verified and not target.is_moderator and not target.is_organiser


def test_admins_grant_duties_and_the_audit_log_records_it(app, people):
    _, member, _ = people
    admin = app.test_client()
    login(admin, "root@platform.example")
    admin.post(f"/admin/users/{member.id}/duty/moderator/grant")
    db.session.refresh(member)
    assert member.is_moderator and not member.is_organiser
    moderator = app.test_client()
    login(moderator, "member@uni.example")
    assert moderator.get("/moderation").status_code == 200
    admin.post(f"/admin/users/{member.id}/duty/moderator/revoke")
    assert moderator.get("/moderation").status_code == 403
    assert admin.post(f"/admin/users/{member.id}/duty/janitor/grant").status_code == 404
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "<code>user.moderator.grant</code>" in log and "<code>user.moderator.revoke</code>" in log
    grants = admin.get("/admin/audit?action=user.moderator.grant&actor=ROOT@").get_data(as_text=True)
    assert "<code>user.moderator.grant</code>" in grants and "<code>user.moderator.revoke</code>" not in grants
    assert "<code>user.moderator" not in admin.get("/admin/audit?actor=nobody").get_data(as_text=True)


def test_verifying_a_regulator_lists_them(app, people):
    _, _, target = people
    admin = app.test_client()
    login(admin, "root@platform.example")
    assert admin.get("/api/v1/experts?role=regulator").json["total"] == 0
    assert admin.post(f"/admin/users/{target.id}/verify").status_code == 302
    assert admin.get("/api/v1/experts?role=regulator").json["total"] == 1
    page = admin.get(f"/experts/{target.profile.id}").data
    assert b"Verified" in page
    admin.post(f"/admin/users/{target.id}/unverify")
    assert admin.get("/api/v1/experts?role=regulator").json["total"] == 0


def test_deactivation_ends_sessions_and_unlists(app, people):
    _, member, _ = people
    member_client = app.test_client()
    login(member_client, "member@uni.example")
    admin = app.test_client()
    login(admin, "root@platform.example")
    assert admin.post(f"/admin/users/{member.id}/deactivate").status_code == 302
    assert member_client.get("/account").status_code == 302
    assert admin.get(f"/api/v1/experts/{member.profile.id}").status_code == 404
    admin.post(f"/admin/users/{member.id}/activate")
    assert admin.get(f"/api/v1/experts/{member.profile.id}").status_code == 200


def test_an_admin_cannot_deactivate_themselves(app, people):
    admin_user, _, _ = people
    admin = app.test_client()
    login(admin, "root@platform.example")
    page = admin.post(f"/admin/users/{admin_user.id}/deactivate", follow_redirects=True)
    assert b"cannot deactivate your own account" in page.data
    db.session.refresh(admin_user)
    assert admin_user.is_active


def test_admin_user_list_filters(app, people):
    admin = app.test_client()
    login(admin, "root@platform.example")
    page = admin.get("/admin/users?pending=1").data.decode()
    assert "target@uni.example" in page and "root@platform.example" not in page
    assert "member@uni.example" not in admin.get("/admin/users?role=regulator").data.decode()
    assert admin.get("/admin/users/999/verify").status_code == 405
    assert admin.post("/admin/users/999/verify").status_code == 404


def test_outbox_page_shows_messages(app, people):
    admin = app.test_client()
    login(admin, "root@platform.example")
    listing = admin.get("/admin/outbox").data.decode()
    assert "x@y.example" in listing and "Hello" in listing
    message = admin.get("/admin/outbox/1").data.decode()
    assert "You already have an account" in message
    assert admin.get("/admin/outbox/999").status_code == 404


def test_the_dashboard_charts_figures(app, people):
    admin = app.test_client()
    login(admin, "root@platform.example")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Members by role" in page and "<svg" in page
    assert '<th scope="row">Regulator</th><td>1</td>' in page  # the chart's data, readable as a table


def test_the_dashboard_says_which_privacy_placeholders_a_deployment_has_not_set(app, people):
    admin = app.test_client()
    login(admin, "root@platform.example")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "PRIVACY_CONTROLLER_NAME, PRIVACY_CONTROLLER_ADDRESS, PRIVACY_CONTACT_EMAIL" in page
    app.config.update(PRIVACY_CONTROLLER_NAME="Stichting JOIN4ATMP", PRIVACY_CONTACT_EMAIL="dpo@join4atmp.eu")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Set PRIVACY_CONTROLLER_ADDRESS in" in page
    app.config.update(PRIVACY_CONTROLLER_ADDRESS="Leiden, NL")
    assert "placeholders" not in admin.get("/admin/").get_data(as_text=True)
