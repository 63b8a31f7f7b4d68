"""Shared fixtures: a fresh app and SQLite database per test, a real SMTP server, a browser, PostgreSQL.
The helpers they use, and that tests import, are in helpers.py.

Every browser test is also an accessibility test: the ``page`` fixture runs axe-core (WCAG 2.1 A and AA) on each
state of each page the test sees and fails the test listing the violations (tests/a11y/axe.py)."""

import os
import threading

import freezegun
import pytest
from aiosmtpd.controller import Controller

from join4atmp import create_app
from join4atmp.extensions import db

from helpers import BROWSER_SECRETS, CHROMIUM, POSTGRES_URL, Inbox, IsolatedClient, free_port, make_config

# freezegun patches datetime in every loaded module at each start and stop; skipping the big libraries
# (torch and friends hold thousands of modules, none of them reading the clock for us) makes it fast.
freezegun.configure(
    extend_ignore_list=[
        "torch",
        "transformers",
        "sentence_transformers",
        "sklearn",
        "scipy",
        "numpy",
        "faiss",
        "huey",
        "redis",
        "sqlalchemy",
        "hypothesis",
        "playwright",
        "babel",
        "tqdm",
        "huggingface_hub",
        "safetensors",
        "tokenizers",
    ]
)


@pytest.fixture
def app_config(tmp_path, request):
    """The test app's settings; a test changes some with
    ``@pytest.mark.parametrize("app_config", [{"SETTING": value}], indirect=True)``."""
    return make_config(tmp_path, **getattr(request, "param", {}))


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


@pytest.fixture
def live_server(tmp_path):
    """The app served over real HTTP on loopback (for the browser), with its own database."""
    from werkzeug.serving import make_server

    BROWSER_SECRETS.clear()  # a new database: authenticators set up in earlier tests are gone
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
    encoder.model  # load now, once
    return encoder


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, worker_id):
    """The demo data migrated and embedded once per run, for the benches' smoke runs to copy
    (processes.load_demo); one copy for all the xdist workers, made by the first to ask. None while another
    worker is still making it: the test then embeds its own rather than sit idle on the lock."""
    from filelock import FileLock, Timeout

    from processes import app_env, load_demo

    root = tmp_path_factory.getbasetemp()
    root = root if worker_id == "master" else root.parent  # the run's folder, above each worker's
    template = root / "demo-template"
    try:
        with FileLock(f"{template}.lock").acquire(timeout=0):
            if not (template / "ready").exists():
                build = root / f"demo-build-{worker_id}"
                load_demo(app_env(build / "instance", f"sqlite:///{build / 'demo.db'}"), template)
    except Timeout:
        return None
    return template


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test that passed, its last page, and any it left unchecked, pass axe-core too."""
    from a11y.axe import AxePage

    result = yield
    page = item.funcargs.get("page")
    if isinstance(page, AxePage):
        page.assert_accessible()
    return result


@pytest.fixture
def browser_context_options():
    return {"locale": "en-GB"}


@pytest.fixture
def page(browser_context_options):
    """A page in real headless Chromium (Debian's), with this machine's closed network in mind, checked by axe-core."""
    from a11y.axe import AxePage, require_axe
    from playwright.sync_api import sync_playwright

    require_axe()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(**browser_context_options)
        yield AxePage(context)
        context.close()
        browser.close()
