"""The job queue: huey, on a SQLite file in instance/ by default, on Redis when QUEUE_URL says so.

Areas declare their jobs with ``@queue.task()`` / ``@queue.periodic(crontab(...))`` in their own
``tasks.py`` (thin functions that call the area's services) and ask for them with
``queue.after_commit(job, *args)``: the job is enqueued once the transaction that needs it has
committed, and never when it rolls back. Every job runs in a fresh app context with a request
context on BASE_URL, so services can build links.

The queue is a fast path, not the record: what must happen is written to the database in the same
transaction (an outbox row, a "needs reindex" mark), and periodic jobs sweep up whatever a lost job
left behind (a killed worker, a queue that was down). So jobs are idempotent and may run twice.

``QUEUE_IMMEDIATE`` runs jobs synchronously in the caller, for unit tests only.
"""

import functools
import logging
import sys
import time
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .cli import request_context_for_links

log = logging.getLogger(__name__)
_AFTER_COMMIT = "join4atmp.jobs_after_commit"
# huey.storage imports the Redis and PostgreSQL clients at its top, whether a queue uses them or not: a fifth
# of a second of every start (web, worker, each command). They are hidden while huey loads (huey takes them
# for absent), and given back to huey.storage by _redis_storage when QUEUE_URL names Redis; huey's own
# PostgreSQL storage is not one this platform uses. Anything that imports them later gets them as usual.
_CLIENTS = ("redis", "psycopg")


def _import_huey():
    hidden = [name for name in _CLIENTS if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # None there: `import redis` raises ImportError
    try:
        import huey.storage  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


_import_huey()
from huey import Huey, crontab  # noqa: E402, F401 - crontab is re-exported for the areas' periodic jobs
from huey import storage as huey_storage  # noqa: E402


class Queue(Huey):
    """huey configured from the app: storage chosen by QUEUE_URL, and each job stamped with the time it
    was first enqueued (``/healthz`` reports the age of the oldest waiting job)."""

    def __init__(self):
        super().__init__("join4atmp", results=False, immediate=True, utc=True)
        self.app = None

    def configure(self, app):
        self.app = app
        self._immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
        self.storage = huey_storage.MemoryStorage(self.name) if self._immediate else _storage(app)

    def enqueue(self, task):
        task.kwargs.setdefault("queued_at", time.time())  # kept across retries and re-scheduling
        return super().enqueue(task)


def _storage(app):
    url = app.config.get("QUEUE_URL")
    if not url:
        return huey_storage.SqliteStorage("join4atmp", filename=str(Path(app.instance_path) / "queue.db"), timeout=15)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_storage(url)
    if url.startswith("sqlite:///"):
        return huey_storage.SqliteStorage("join4atmp", filename=url[len("sqlite:///") :], timeout=15)
    raise ValueError(f"QUEUE_URL must be redis://… or sqlite:///…, not {url!r}")


def _redis_storage(url):
    """huey's Redis storage, with the client bound where huey.storage binds it at its import (_import_huey)."""
    import redis

    if huey_storage.Redis is None:
        huey_storage.ConnectionPool, huey_storage.Redis = redis.ConnectionPool, redis.Redis
        huey_storage.ConnectionError = redis.exceptions.ConnectionError
        huey_storage.TimeoutError = redis.exceptions.TimeoutError
        huey_storage.RedisStorage.redis_client = redis.Redis
    pool = redis.ConnectionPool.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    return huey_storage.RedisStorage("join4atmp", connection_pool=pool)


huey = Queue()


def init_app(app):
    huey.configure(app)


def task(**options):
    """Declare a job: ``fn`` runs in its own app context, in the worker (or at once in immediate mode)."""

    def decorator(fn):
        return huey.task(name=fn.__name__, **options)(_in_app(fn))

    return decorator


def periodic(schedule, **options):
    """Declare a periodic job (``schedule`` is a huey crontab, in UTC); the worker's scheduler runs it."""

    def decorator(fn):
        return huey.periodic_task(schedule, name=fn.__name__, **options)(_in_app(fn))

    return decorator


def _in_app(fn):
    def run(*args, queued_at=None, **kwargs):
        app = current_app._get_current_object() if has_app_context() else huey.app
        with app.app_context(), request_context_for_links():
            return fn(*args, **kwargs)

    return functools.wraps(fn)(run)


def after_commit(job, *args):
    """Enqueue ``job(*args)`` after the current transaction commits (once, however often it is asked)."""
    pending = db.session.info.setdefault(_AFTER_COMMIT, [])
    if not any(queued is job and queued_args == args for queued, queued_args in pending):
        pending.append((job, args))


def enqueue(job, *args):
    """Enqueue now. A queue that is down loses nothing: the periodic sweeps redo the work from the
    database, so a failure is logged and the caller (whose change is committed) carries on."""
    try:
        job(*args)
    except Exception:  # noqa: BLE001 - the change is committed; the sweep will catch up
        log.exception("Could not enqueue %s; the periodic sweep will do it", getattr(job, "name", job))


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session):
    for job, args in session.info.pop(_AFTER_COMMIT, ()):
        enqueue(job, *args)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, _previous_transaction):
    session.info.pop(_AFTER_COMMIT, None)


def figures() -> dict:
    """The queue's state for ``/healthz``: jobs waiting, the age of the oldest, jobs scheduled later."""
    waiting = huey.pending_count()
    # The messages, not huey.pending()'s tasks: a web process has not imported every area's tasks.py, and
    # huey logs a traceback for, and skips, each job it does not know.
    messages = [huey.serializer.deserialize(raw) for raw in huey.storage.enqueued_items(500)] if waiting else []
    stamps = [m.kwargs.get("queued_at") for m in messages if m.kwargs and m.kwargs.get("queued_at")]
    return {
        "backend": "immediate" if huey.immediate else type(huey.storage).__name__.replace("Storage", "").lower(),
        "waiting": waiting,
        "scheduled": huey.scheduled_count(),
        "oldest_waiting_seconds": round(time.time() - min(stamps), 1) if stamps else 0.0,
    }
