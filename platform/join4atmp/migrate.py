"""Database migrations (Flask-Migrate, Alembic, in migrations/), set up when they are used: importing Alembic
takes a sixth of a second, which every other command, every web worker and every job worker would pay at
start. ``flask db …`` loads it through ``LazyMigrateGroup``; code that migrates a database itself (the
tests) calls ``configure(app)`` first."""

from pathlib import Path

import click
from flask.cli import ScriptInfo

from .extensions import db

DIRECTORY = Path(__file__).resolve().parents[2] / "migrations"


def configure(app):
    """Flask-Migrate on ``app`` (once): what ``flask_migrate.upgrade()`` and ``flask db`` read."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(DIRECTORY), render_as_batch=True)
    return app.extensions["migrate"]


class LazyMigrateGroup(click.Group):
    """``flask db``: stands in the command list, and hands the command line to Flask-Migrate's own group
    (options, subcommands, help), imported only when ``db`` is the command run."""

    def make_context(self, info_name, args, parent=None, **extra):
        configure(parent.ensure_object(ScriptInfo).load_app())
        from flask_migrate.cli import db as group

        return group.make_context(info_name, args, parent=parent, **extra)


db_cli = LazyMigrateGroup("db", help="Perform database migrations.")
