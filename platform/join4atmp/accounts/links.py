"""Signed, expiring links for email confirmation and password reset."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"join4atmp.{purpose}")


def _fingerprint(user) -> str:
    # Part of the password hash: a reset link stops working once the password has changed.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_confirm_token(user) -> str:
    return _serializer("confirm").dumps({"uid": user.id, "email": user.email})


def read_confirm_token(token: str, max_age_seconds: int) -> dict | None:
    return _load("confirm", token, max_age_seconds)


def make_reset_token(user) -> str:
    return _serializer("reset").dumps({"uid": user.id, "fp": _fingerprint(user)})


def reset_token_matches(payload: dict, user) -> bool:
    return payload.get("fp") == _fingerprint(user)


def read_reset_token(token: str, max_age_seconds: int) -> dict | None:
    return _load("reset", token, max_age_seconds)


def _load(purpose, token, max_age_seconds):
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None
