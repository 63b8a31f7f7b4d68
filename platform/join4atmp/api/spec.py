"""The one SpecTree of /api/v1: it validates what the routes take (and give) against api/schemas.py and
writes the OpenAPI description served at /api/v1/openapi.json; the readable page is static/api.html."""

from spectree import Response, SpecTree

from ..core.errors import DomainError
from .schemas import Error


def _refuse_invalid(request, response, error, instance, *_):
    """A request the schemas refuse is answered as every refusal is: 400 with the first problem named."""
    if error is None:
        return
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem.get("loc", ()))
    message = f"'{where}': {problem.get('msg')}" if where else str(problem.get("msg"))
    raise DomainError(message, str(problem["loc"][0]) if problem.get("loc") else None)


spec = SpecTree(
    "flask",
    title="JOIN4ATMP API",
    version="1",
    description=(
        "The JSON API of the JOIN4ATMP expert platform. Authenticate with the header Authorization: Bearer "
        "<token> (a token made on your account page), or with a session cookie and the X-CSRFToken header. "
        "Confidential questions are visible only to their asker, moderators and the experts who accepted."
    ),
    path="api/v1/openapi",  # spectree skips routes under its own path; the spec is served by api/routes.py
    mode="strict",
    page_templates={},
    validation_error_status=400,
    validation_error_model=Error,
    before=_refuse_invalid,
    security_schemes=[
        {"name": "bearer", "data": {"type": "http", "scheme": "bearer"}},
        {"name": "cookie", "data": {"type": "apiKey", "field_in": "cookie", "name": "session"}},
    ],
    security=[{"bearer": []}, {"cookie": []}],  # either; public routes declare security=PUBLIC
)


PUBLIC: list = []  # the security of a route anyone may call


def responses(ok=None, status="HTTP_200", refusals=(400, 401, 403, 404, 429)) -> Response:
    """The documented answers of a route: ``ok`` under ``status``, and the refusals it can give."""
    documented = {f"HTTP_{code}": Error for code in (*refusals, 503)}
    if ok is not None:
        documented[status] = ok
    return Response(**documented)
