"""The one SpecTree of /api/v1: it validates what the routes take (and give) against api/schemas.py and
writes the OpenAPI description served at /api/v1/openapi.json; the readable page is static/api.html.

Built on first use: spectree and pydantic, with the schemas, take a fifth of a second to import, which every
command and every job worker would pay at start for routes they never serve. A route declares its validation
with ``@validate(...)``, naming its models (classes of api/schemas.py) by name; ``tree()`` imports spectree,
decorates every declared route with spectree's own ``validate`` and serves from then on. The web master
builds it before it forks (gunicorn.conf.py); elsewhere the first API call, or the OpenAPI description, does.
"""

import functools
import threading

from ..core.errors import DomainError

PUBLIC: list = []  # the security of a route anyone may call
REFUSALS = (400, 401, 403, 404, 429)
_declared: list = []  # (the route's function, its stand-in, what it declared)
_lock = threading.Lock()
_tree = None


def _refuse_invalid(request, response, error, instance, *_):
    """A request the schemas refuse is answered as every refusal is: 400 with the first problem named."""
    if error is None:
        return
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem.get("loc", ()))
    message = f"'{where}': {problem.get('msg')}" if where else str(problem.get("msg"))
    raise DomainError(message, str(problem["loc"][0]) if problem.get("loc") else None)


def validate(*, ok=None, status="HTTP_200", refusals=REFUSALS, query=None, json=None, tags=(), security=None):
    """spectree's ``validate`` for this route, applied by ``tree()``: ``ok`` (the answer's model, documented
    under ``status``), ``query`` and ``json`` name classes of api/schemas.py; ``refusals`` are the error
    statuses the route documents (503 always)."""
    declaration = dict(ok=ok, status=status, refusals=refusals, query=query, json=json, tags=tags, security=security)

    def decorate(view):
        @functools.wraps(view)
        def stand_in(*args, **kwargs):
            tree()
            return stand_in.__wrapped__(*args, **kwargs)

        _declared.append((view, stand_in, declaration))
        return stand_in

    return decorate


def tree():
    """The SpecTree, built (once per process) with every declared route decorated by it."""
    global _tree
    if _tree is not None:
        return _tree
    with _lock:
        if _tree is None:
            _tree = _build()
    return _tree


def _build():
    from spectree import Response, SpecTree

    from . import schemas

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
        annotations=False,  # the routes read what was validated from request.context
        page_templates={},
        validation_error_status=400,
        validation_error_model=schemas.Error,
        before=_refuse_invalid,
        security_schemes=[
            {"name": "bearer", "data": {"type": "http", "scheme": "bearer"}},
            {"name": "cookie", "data": {"type": "apiKey", "field_in": "cookie", "name": "session"}},
        ],
        security=[{"bearer": []}, {"cookie": []}],  # either; public routes declare security=PUBLIC
    )
    for view, stand_in, d in _declared:
        documented = {f"HTTP_{code}": schemas.Error for code in (*d["refusals"], 503)}
        if d["ok"] is not None:
            documented[d["status"]] = getattr(schemas, d["ok"])
        validated = spec.validate(
            query=getattr(schemas, d["query"]) if d["query"] else None,
            json=getattr(schemas, d["json"]) if d["json"] else None,
            resp=Response(**documented),
            tags=d["tags"],
            security=d["security"],
        )(view)
        # The route's chain of wrappers now leads through spectree's, where spectree finds its routes.
        stand_in.__wrapped__ = validated
    return spec
