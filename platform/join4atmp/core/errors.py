"""Domain errors raised by services, and the one place that turns them, and HTTP errors, into answers.

A service refuses by raising a ``DomainError``; routes do not catch it. The app-wide handler answers:

- JSON (under /api/, or when the client asks for JSON): ``{"error": {"code", "title", "message", "field"}}``;
- a form page the view declared with ``core.views.form_page``: the message on the field it names (or on
  the form), the page rendered again with the status;
- a page the view declared with ``core.views.back_on_refusal``: the message flashed, a redirect there;
- otherwise the error page with the message.

The status is 400, 403 for ``NotAllowed``, 404 for ``NotFound``, 429 for ``RateLimited``; a link that
is invalid or expired (``LinkInvalid``) answers 400 with a page that says so.
"""

from flask import flash, g, jsonify, make_response, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ..extensions import db


class DomainError(Exception):
    """A rule a service refused. ``field`` names the form field it belongs to, if any."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user may not do this (views answer 403, or 404 where existence is secret)."""


class RateLimited(DomainError):
    """Too many attempts; try again later (views answer 429)."""


class NotFound(DomainError):
    """No such item among the member's own (answers 404, as if it did not exist)."""


class LinkInvalid(DomainError):
    """A signed link that is invalid, expired or used (answers 400 with a page offering a new one)."""


def status_for(error: DomainError) -> int:
    for kind, code in ((RateLimited, 429), (NotAllowed, 403), (NotFound, 404)):
        if isinstance(error, kind):
            return code
    return 400


TITLES = {
    401: _l("Please log in"),
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Busy for a moment"),
}

# PostgreSQL's "try again" conditions: serialization failure, deadlock, lock not available, statement timeout.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "57014"}
RETRY_AFTER_SECONDS = 2


def database_busy(error) -> bool:
    """A lock that did not come free in time (SQLite's "database is locked", PostgreSQL's lock and
    serialization failures): the transaction was rolled back and may simply be tried again."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    text = str(original or error).lower()
    return "database is locked" in text or "database table is locked" in text


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None, field: str | None = None, template="errors/error.html"):
    title = str(TITLES.get(code, _l("Error")))
    if wants_json():
        error = {"code": code, "title": title, "message": message or title}
        if field:
            error["field"] = field
        body = jsonify(error=error)
    else:
        body = render_template(template, code=code, title=title, message=message)
    return make_response(body, code)


def refusal_response(error: DomainError):
    """The answer to a refusal that reached the app: see the module's docstring."""
    db.session.rollback()  # nothing the refused call left half-done is saved (or flushed by the page)
    code, message = status_for(error), str(error.message)
    if wants_json():
        return error_response(code, message, error.field)
    page = g.pop("form_page", None)
    if page is not None:
        return page.render(error)
    back = g.pop("refusal_back", None)
    if back is not None and code in (400, 429):  # a refusal of permission stays a 403 or 404 page
        flash(message, "error")
        return redirect(back)
    return error_response(
        code, message, template="errors/link_invalid.html" if isinstance(error, LinkInvalid) else "errors/error.html"
    )


def register_error_handlers(app):
    app.register_error_handler(DomainError, refusal_response)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400, str(_l("The form expired or was sent from elsewhere. Please reload the page and try again."))
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        # Show a message given to abort(); werkzeug's stock descriptions are replaced by our pages.
        custom = error.description if error.description != type(error).description else None
        response = error_response(error.code, custom)
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def database_error(error):
        db.session.rollback()
        if not database_busy(error):
            return unexpected_error(error)
        app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
        response = error_response(
            503, str(_l("The site is busy for a moment and nothing was saved. Please try again in a few seconds."))
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
