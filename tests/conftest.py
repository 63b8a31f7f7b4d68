"""Shared fixtures: a fresh app and SQLite database per test, users, login, a real SMTP server."""
import os
import shutil
import socket
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from join4atmp import create_app
from join4atmp.accounts.services import create_user
from join4atmp.extensions import db
from join4atmp.notifications.models import OutboxMessage

PASSWORD = "correct horse battery"


def make_config(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": None,
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(tmp_path):
    return make_config(tmp_path)


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as in production: the test's ``g`` and database
    session are not shared with the request (Flask reuses an already pushed context otherwise)."""

    def open(self, *args, **kwargs):
        db.session.commit()   # end the test's transaction so it sees what the request writes
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(email="dev@uni.example", role="developer", *, confirmed=True, verified=False, password=PASSWORD,
              **profile):
    """A user with a complete, listed profile unless told otherwise."""
    user = create_user(email, password, role, display_name=profile.pop("display_name", email.split("@")[0].title()),
                       confirmed=confirmed, verified=verified)
    defaults = {"country": "DE", "expertise": "Viral vector process development and GMP manufacturing.",
                "organisation": "Example University"}
    defaults.update(profile)
    topics, languages = defaults.pop("topics", ["gene-therapy"]), defaults.pop("languages", ["en"])
    for key, value in defaults.items():
        setattr(user.profile, key, value)
    user.profile.topics, user.profile.languages = topics, languages
    db.session.commit()
    return user


def login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def outbox(kind=None):
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def link_in(message, path_prefix):
    """The first URL in a message body whose path starts with ``path_prefix``."""
    for word in message.body_text.split():
        if f"localhost{path_prefix}" in word:
            return word.split("localhost", 1)[1]
    raise AssertionError(f"no {path_prefix} link in {message.body_text!r}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What a real SMTP server on loopback received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_server(smtp_port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    inbox.controller = controller
    yield inbox
    controller.stop()


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def live_server(tmp_path):
    """The app served over real HTTP on loopback (for the browser), with its own database."""
    from werkzeug.serving import make_server
    port = free_port()
    config = make_config(tmp_path, WTF_CSRF_ENABLED=True, SERVER_NAME=None, BASE_URL=f"http://127.0.0.1:{port}")
    app = create_app(config)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def model():
    """The bundled sentence model, loaded once for the whole session (every app shares it)."""
    from join4atmp.search.encoder import Encoder
    encoder = Encoder()
    encoder.model   # load now, once
    return encoder


POSTGRES_URL = os.environ.get("JOIN4ATMP_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_database(request):
    """A fresh database on the test PostgreSQL server (.ci/run starts one); skips without it."""
    if not POSTGRES_URL:
        pytest.skip("JOIN4ATMP_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL)")
    from sqlalchemy import create_engine, text
    name = f"j4a_test_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def browser_context_options():
    return {"locale": "en-GB"}


@pytest.fixture
def page(browser_context_options):
    """A page in real headless Chromium (Debian's), with this machine's closed network in mind."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(**browser_context_options)
        yield context.new_page()
        context.close()
        browser.close()


def browser_log_in(page, base, email, password=PASSWORD):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
