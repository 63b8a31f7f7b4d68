"""Signed links in invitation emails: they name one request and one action."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="join4atmp.match-request")


def make_token(request_id: int) -> str:
    return _serializer().dumps({"r": request_id})


def token_matches(token: str | None, request_id: int) -> bool:
    try:
        return bool(token) and _serializer().loads(token).get("r") == request_id
    except (BadSignature, AttributeError):
        return False
