"""Flask extensions, created unbound and attached in the app factory."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _SQLAlchemy(SQLAlchemy):
    MAX_PAGE = 100_000

    def paginate(self, select, *, page=None, **kwargs):
        """Pages capped at MAX_PAGE: ?page=10**30 would overflow the database's OFFSET (a 500, not a 404)."""
        if page is None and has_request_context():
            page = request.args.get("page", 1, type=int)
        if page is not None:
            page = min(max(page, 1), self.MAX_PAGE)
        return super().paginate(select, page=page, **kwargs)


db = _SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
