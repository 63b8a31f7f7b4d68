"""The app factory, configuration layers, layout, database settings and error pages."""

import os
import re
import stat
from pathlib import Path

from sqlalchemy import text

from join4atmp import ROOT, create_app
from join4atmp.extensions import db


def test_platform_is_a_source_root_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert hasattr(platform, "system")  # the standard library module, not ours


def test_paths_are_absolute_and_point_at_the_top_folders(app):
    assert Path(app.instance_path).is_absolute()
    assert Path(app.template_folder) == ROOT / "templates"
    assert Path(app.static_folder) == ROOT / "static"


def test_config_layers_defaults_instance_env_then_test_config(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text("DIRECTORY_PAGE_SIZE = 7\nAPI_PAGE_SIZE = 8\nMAIL_PORT = 1\n")
    monkeypatch.setenv("JOIN4ATMP_API_PAGE_SIZE", "9")
    monkeypatch.setenv("JOIN4ATMP_MAIL_PORT", "2")
    app = create_app({"INSTANCE_PATH": str(instance), "MAIL_PORT": 3})
    assert app.config["DIRECTORY_PAGE_SIZE"] == 7  # instance/config.py over defaults
    assert app.config["API_PAGE_SIZE"] == 9  # environment over instance
    assert app.config["MAIL_PORT"] == 3  # test_config over everything
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'join4atmp.db'}"


def test_secret_key_is_generated_once_into_instance(tmp_path):
    instance = tmp_path / "inst"
    first = create_app({"INSTANCE_PATH": str(instance)})
    second = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_database_url_selects_postgresql_with_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/j4a")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/j4a"


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_pages_load_nothing_from_other_hosts():
    external = re.compile(r"""(src|href)=["']?(https?:)?//""", re.I)
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static").rglob("*.css")):
        content = path.read_text()
        assert not external.search(content), path
        assert "@import url(http" not in content, path


def test_error_pages_are_html_or_json_under_api(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and b"Page not found" in page.data and page.mimetype == "text/html"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"]["code"] == 404
    assert client.get("/logout").status_code == 405
    assert client.get("/experts/not-a-number").status_code == 404


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/api/v1/experts", "/missing"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "object-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "base-uri 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored
    assert "max-age=" in client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_samesite(client, app):
    from helpers import login, make_user

    make_user("cookie@uni.example")
    response = login(client, "cookie@uni.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unexpected_errors_answer_a_500_page_not_a_traceback(app, client, monkeypatch):
    from join4atmp.core.policy import access

    @app.route("/boom")
    @access("public")
    def boom():
        raise RuntimeError("kaput")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"kaput" not in response.data and b"Something went wrong" in response.data


def test_security_txt_says_where_to_report_a_problem(app, client):
    app.config["SECURITY_CONTACT"] = "cert@agency.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Contact: mailto:cert@agency.example" in response.text and "Expires: " in response.text


def test_a_refusal_no_route_catches_is_answered_once_for_the_whole_app(app, client):
    """A service's DomainError reaches the app-wide handler: on the declared form page, as a flash and a
    redirect, as JSON, or as an error page; and nothing the refused call added is saved."""
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from join4atmp.accounts.models import User
    from join4atmp.core.errors import DomainError, NotAllowed, RateLimited
    from join4atmp.core.policy import access
    from join4atmp.core.views import back_on_refusal, form_page
    from join4atmp.extensions import db

    class NameForm(FlaskForm):
        name = StringField("Name")

    def refuse(kind):
        db.session.add(User(email="half-done@uni.example", password_hash="x"))
        raise {
            "rule": DomainError("Too short.", "name"),
            "denied": NotAllowed("Not yours."),
            "limited": RateLimited("Slow down."),
        }[kind]

    @app.route("/t/form/<kind>", methods=["POST"])
    @access("public")
    def refused_form(kind):
        form = NameForm()
        page = form_page(lambda status: (f"form:{list(form.name.errors)}:{form.form_errors}", status), form)
        refuse(kind)
        return page.render()

    @app.route("/t/back/<kind>", methods=["POST"])
    @access("public")
    def refused_back(kind):
        back_on_refusal("/questions")
        refuse(kind)

    @app.route("/t/page", methods=["POST"])
    @access("public")
    def refused_page():
        refuse("rule")

    on_field = client.post("/t/form/rule", data={"name": "x"})
    assert on_field.status_code == 400 and on_field.text == "form:['Too short.']:[]"
    assert client.post("/t/form/limited").status_code == 429
    assert client.post("/t/form/denied").text == "form:[]:['Not yours.']"
    flashed = client.post("/t/back/rule")
    assert flashed.status_code == 302 and flashed.location.endswith("/questions")
    assert "Too short." in client.get("/questions").text
    denied = client.post("/t/back/denied")
    assert denied.status_code == 403 and "Not yours." in denied.text
    as_json = client.post("/t/page", headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.json["error"] == {
        "code": 400,
        "title": "Bad request",
        "message": "Too short.",
        "field": "name",
    }
    page = client.post("/t/page")
    assert page.status_code == 400 and "Too short." in page.text and page.mimetype == "text/html"
    assert db.session.scalar(db.select(User).where(User.email == "half-done@uni.example")) is None
