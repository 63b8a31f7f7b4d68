"""Signed links in invitation emails: they name one request by its id and by a random secret of its own.

The secret matters once ids are reused: SQLite may give an erased request's id to a new one, and a link
that named the id alone would then point at someone else's request (the owner check still held, so it
was a 404, but the link should simply be dead).
"""

import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="join4atmp.match-request")


def make_token(match_request) -> str:
    return _serializer().dumps({"r": match_request.id, "s": match_request.link_secret})


def token_matches(token: str | None, match_request) -> bool:
    try:
        payload = _serializer().loads(token) if token else None
    except BadSignature:
        return False
    return (
        isinstance(payload, dict)
        and payload.get("r") == match_request.id
        and isinstance(payload.get("s"), str)
        and hmac.compare_digest(payload["s"], match_request.link_secret or "")
    )
