"""Small helpers shared by views: form errors from domain errors, safe redirects, client IP."""
from urllib.parse import urlsplit

from flask import abort, render_template, request
from werkzeug.routing import IntegerConverter

from ..extensions import db
from .errors import DomainError, RateLimited


def show_domain_error(form, error: DomainError):
    """Put a service's refusal on the field it names, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def render_form(template, form, error=None, **context):
    """Render a form page; a refused or invalid submission answers 400 (429 when rate limited)."""
    status = 200
    if error is not None:
        show_domain_error(form, error)
        status = 429 if isinstance(error, RateLimited) else 400
    elif request.method == "POST":
        status = 400
    return render_template(template, form=form, **context), status


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths may be redirected to after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def client_ip() -> str:
    return request.remote_addr or "unknown"


# Database integer keys are signed 64-bit: a larger id from a URL would overflow the driver (a 500), not miss.
MAX_ID = 2**63 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in URLs, at most MAX_ID: a larger number does not match the route, so it answers 404.
    The app factory installs it as the "int" converter before any route is registered."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):   # noqa: A002 (werkzeug's names)
        super().__init__(url_map, fixed_digits, min, max, signed)


def get_or_404(model, ident):
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident <= MAX_ID:
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
