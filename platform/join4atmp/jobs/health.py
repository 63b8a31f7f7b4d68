"""The health report behind `/healthz` and `flask jobs status`: can the process reach the database and the
queue, how long the oldest job and email have waited, and how far the vector index lags behind."""

from flask import current_app
from sqlalchemy import select

from ..core import queue
from ..extensions import db


def _check(name, figures, into) -> bool:
    try:
        into[name] = {"ok": True, **figures()}
        return True
    except Exception as error:  # noqa: BLE001 - a health check reports failures, it does not raise them
        db.session.rollback()
        current_app.logger.warning("Health check %s failed: %s", name, error)
        into[name] = {"ok": False, "error": type(error).__name__}
        return False


def _database():
    db.session.execute(select(1))
    return {"backend": db.engine.dialect.name}


def _mail():
    from ..core.mail import delivery_figures

    return delivery_figures()


def _index():
    from ..matching.indexing import index_lag
    from ..matching.spaces import space_encoder, spaces

    return {**index_lag(), "model_loaded": all(space_encoder(space).loaded for space in spaces())}


def report():
    """(JSON body, HTTP status): 200 when the database and the queue answer, 503 otherwise."""
    checks = {}
    healthy = _check("database", _database, checks)
    healthy &= _check("queue", queue.figures, checks)
    if checks["database"]["ok"]:
        _check("mail", _mail, checks)
        _check("index", _index, checks)
    return {"status": "ok" if healthy else "unavailable", **checks}, 200 if healthy else 503
