"""Small helpers shared by views: where refusals are shown, safe redirects, client IP, ids from URLs."""

from urllib.parse import urlsplit

from flask import abort, g, render_template, request
from werkzeug.routing import IntegerConverter

from ..extensions import db
from .errors import DomainError, status_for


def show_domain_error(form, error: DomainError):
    """Put a service's refusal on the field it names, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


class FormPage:
    """A page with a form, which shows a refused submission again with the reason on it."""

    def __init__(self, page, form, context):
        self.page, self.form, self.context = page, form, context

    def render(self, error=None, status=None):
        """The page; 400 after an invalid or refused POST (the refusal's own status when refused)."""
        if error is not None:
            show_domain_error(self.form, error)
            status = status_for(error)
        elif status is None:
            status = 400 if request.method == "POST" else 200
        if callable(self.page):
            return self.page(status)
        return render_template(self.page, form=self.form, **self.context), status


def form_page(page, form, **context) -> FormPage:
    """Declare this request's form page, so that a service's refusal (a ``DomainError`` the route does not
    catch) is shown on ``form``. ``page`` is a template (rendered with ``form`` and ``context``) or a
    function of the status that renders the page."""
    g.form_page = FormPage(page, form, context)
    return g.form_page


def back_on_refusal(url):
    """Declare where a refusal during this request is shown: a flashed message, then a redirect to ``url``."""
    g.refusal_back = url


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

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(url_map, fixed_digits, min, max, signed)


def get_or_404(model, ident, options=()):
    """The row of ``model`` with this id (loaded with the loader ``options``), or a 404."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < ident <= MAX_ID:
        abort(404)
    obj = db.session.get(model, ident, options=options)
    if obj is None:
        abort(404)
    return obj
