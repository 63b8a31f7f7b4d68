"""JOIN4ATMP expert platform: the app factory."""

import contextlib
import gc
import os
import secrets
from pathlib import Path

from flask import Flask

from . import config as default_config

ROOT = Path(__file__).resolve().parents[2]  # the repository: platform/join4atmp/__init__.py


def create_app(test_config=None):
    """Build the app: defaults, then instance/config.py, then JOIN4ATMP_* variables, then test_config."""
    with _collector_paused():
        app = _build(test_config)
        if app.config["GC_FREEZE_AT_START"]:
            gc.freeze()
    return app


@contextlib.contextmanager
def _collector_paused():
    """Building the app imports every area and maps every model: a great many new objects and next to no
    garbage, which the cyclic collector would walk again and again (a fifth of every command's start)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _build(test_config):
    from .core.db import resolve_database_url  # SQLAlchemy and the extensions load with the collector paused

    instance_path = Path(
        (test_config or {}).get("INSTANCE_PATH") or os.environ.get("JOIN4ATMP_INSTANCE_PATH") or ROOT / "instance"
    ).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("JOIN4ATMP")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = resolve_database_url(app.config["SQLALCHEMY_DATABASE_URI"], instance_path)
    app.config.setdefault("MAIL_SUPPRESS_SEND", False)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance_path)

    _init_extensions(app)
    from .core.views import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route: a 2**70 id is a 404, not an overflow
    _register_blueprints(app)
    _register_cli(app)
    from .core.errors import register_error_handlers
    from .core.policy import register_access_policy
    from .core.security import register_security_headers
    from .core.templating import register_template_helpers

    register_error_handlers(app)
    register_security_headers(app)
    register_access_policy(app)
    register_template_helpers(app)
    from .core import pagecache
    from .matching import listeners as matching_listeners
    from .profiles import listeners as profile_listeners

    profile_listeners.connect()
    matching_listeners.connect()
    pagecache.connect()
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app


def _instance_secret(instance_path: Path) -> str:
    """A random secret kept in instance/secret_key (0600), created on first start."""
    path = instance_path / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _init_extensions(app):
    from . import models  # noqa: F401 - every model registered before migrations compare
    from .core import i18n
    from .core.db import configure_sqlite
    from .extensions import babel, csrf, db, login_manager, mail

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    from .accounts import auth  # noqa: F401 - user and request loaders
    from .core import pagecache, queue

    queue.init_app(app)
    pagecache.init_app(app)


def _register_blueprints(app):
    from .accounts.routes import bp as accounts_bp
    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .core.routes import bp as main_bp
    from .home.routes import bp as home_bp
    from .jobs.routes import bp as jobs_bp
    from .matching.routes import bp as matching_bp
    from .privacy.routes import bp as privacy_bp
    from .profiles.routes import bp as profiles_bp
    from .questions.routes import bp as questions_bp
    from .webinars.routes import bp as webinars_bp

    for blueprint in (
        main_bp,
        home_bp,
        accounts_bp,
        profiles_bp,
        matching_bp,
        questions_bp,
        webinars_bp,
        admin_bp,
        api_bp,
        privacy_bp,
        jobs_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app):
    from .accounts.cli import users_cli
    from .demo.cli import demo_cli
    from .jobs.cli import jobs_cli
    from .matching.cli import matching_cli
    from .migrate import db_cli
    from .notifications.cli import mail_cli, notifications_cli
    from .privacy.cli import privacy_cli
    from .webinars.cli import webinars_cli

    for group in (
        db_cli,
        users_cli,
        demo_cli,
        mail_cli,
        notifications_cli,
        matching_cli,
        webinars_cli,
        privacy_cli,
        jobs_cli,
    ):
        app.cli.add_command(group)
