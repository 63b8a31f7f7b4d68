"""Read pages rendered once and served again while nothing they could show has changed.

A page is a function of the database, the viewer and the clock. The database side is one number, the
*generation* (table ``page_generation``): every transaction that writes a row of any table not listed in
``UNSHOWN`` moves it on, in the same transaction, just before its commit, whichever process writes (web
worker, job worker, command). A view decorated with ``@cached`` (under its ``@access``, so that the rule is
checked first) keeps its 200 response in this process's memory under a key made of the URL, the viewer (user,
session contents, locale, time zone) and the generation; a request reads the generation (one statement) and
serves the stored body when the key matches. The clock side is ``PAGE_CACHE_SECONDS``: an entry is served at
most that long, so "starts in 2 hours" and "last seen" are never older than that. A page with a flash message
waiting is neither served from nor stored in the cache; the CSRF token a stored page holds is the one of
the request that rendered it, so it is replaced by the current session's on every serve.

Each process has its own store (``PAGE_CACHE_BYTES`` of bodies, least recently used out first); nothing is
shared between processes but the generation, so several gunicorn workers never serve each other's stale copy.
"""

import functools
import hashlib
import threading
from dataclasses import dataclass

from cachetools import TTLCache
from flask import current_app, g, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from sqlalchemy import DDL, BigInteger, Integer, event, update

from ..extensions import db
from .time import utcnow

EXTENSION = "join4atmp.pagecache"
# Tables no cached page shows, written by requests that only read pages (a login attempt, the audit trail,
# mail waiting to go): writing them leaves the generation where it is.
UNSHOWN = frozenset({"page_generation", "rate_limit_hit", "audit_event", "outbox_message"})
# A statement run with this execution option leaves the generation too (``last_seen_at`` touched once a minute).
NEUTRAL = "pages_unchanged"
_CHANGED = "join4atmp.pages_changed"
_CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
_SESSION_ONLY = ("csrf_token", "_flashes")


class PageGeneration(db.Model):
    """One row: moved on by every committed transaction that writes something a page may show."""

    __tablename__ = "page_generation"
    id = db.Column(Integer, primary_key=True)
    value = db.Column(BigInteger, nullable=False, default=0)


# The row exists from the table's creation on (here for create_all, in the migration for upgrades).
event.listen(PageGeneration.__table__, "after_create", DDL("INSERT INTO page_generation (id, value) VALUES (1, 0)"))


@dataclass(frozen=True)
class _Entry:
    body: bytes
    status: int
    headers: tuple


class _Store:
    def __init__(self, seconds: float, max_bytes: int):
        self._lock = threading.Lock()
        self._entries = TTLCache(
            maxsize=max_bytes, ttl=seconds, timer=lambda: utcnow().timestamp(), getsizeof=lambda e: len(e.body) + 1
        )
        self.max_bytes = max_bytes
        self.enabled = seconds > 0 and max_bytes > 0
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
            return entry

    def put(self, key, entry: _Entry) -> None:
        if len(entry.body) < self.max_bytes:
            with self._lock:
                self._entries[key] = entry


def init_app(app) -> None:
    app.extensions[EXTENSION] = _Store(app.config["PAGE_CACHE_SECONDS"], app.config["PAGE_CACHE_BYTES"])


def connect() -> None:
    """Make every session's commits move the generation (once, however many apps a process builds)."""
    if event.contains(db.session, "before_commit", _move_generation):
        return
    event.listen(db.session, "before_flush", _note_flush)
    event.listen(db.session, "do_orm_execute", _note_statement)
    event.listen(db.session, "before_commit", _move_generation)
    event.listen(db.session, "after_rollback", _forget)


def _forget(session) -> None:
    session.info.pop(_CHANGED, None)


def _note_flush(session, _context, _instances) -> None:
    if session.info.get(_CHANGED):
        return
    shown = (obj for obj in (*session.new, *session.deleted) if getattr(obj, "__tablename__", None) not in UNSHOWN)
    changed = (
        obj for obj in session.dirty if getattr(obj, "__tablename__", None) not in UNSHOWN and session.is_modified(obj)
    )
    if next(shown, None) is not None or next(changed, None) is not None:
        session.info[_CHANGED] = True


def _note_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get(NEUTRAL):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in UNSHOWN:
        state.session.info[_CHANGED] = True


def _move_generation(session) -> None:
    session.flush()  # the commit's own last flush comes after this event
    if session.info.pop(_CHANGED, False):
        session.execute(update(PageGeneration).values(value=PageGeneration.value + 1))


def generation() -> int:
    """The generation as committed now, read on a pooled connection of its own with the driver's cursor: every
    request that may be served from the store pays this one round trip (a tenth of an ORM query's cost). Read
    before the page's own data, so a page stored under it is never older than it."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT value FROM page_generation WHERE id = 1")
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return row[0] if row else 0


def _key():
    viewer = tuple(sorted((k, repr(v)) for k, v in session.items() if k not in _SESSION_ONLY))
    digest = hashlib.blake2b(repr(viewer).encode(), digest_size=16).digest()
    return (
        request.host_url,  # links the page writes in full name its host
        request.path,
        request.query_string,
        str(get_locale()),
        str(get_timezone()),
        current_user.get_id() if current_user.is_authenticated else None,
        digest,
        generation(),
    )


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def cached(view):
    """Serve the view's 200 response from this process's store while the key holds (see the module)."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        store = current_app.extensions[EXTENSION]
        if not store.enabled or request.method not in ("GET", "HEAD") or session.get("_flashes"):
            return view(*args, **kwargs)
        key = _key()
        entry = store.get(key)
        if entry is None:
            response = current_app.make_response(view(*args, **kwargs))
            if _storable(response):
                store.put(key, _entry_of(response))
            return response
        body = entry.body
        if _CSRF_PLACEHOLDER in body:
            from flask_wtf.csrf import generate_csrf

            body = body.replace(_CSRF_PLACEHOLDER, generate_csrf().encode())
        return current_app.response_class(body, entry.status, list(entry.headers))

    return serve


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.get("_flashes")
    )


def _entry_of(response) -> _Entry:
    body = response.get_data()
    token = g.get(_csrf_field())
    if token:
        body = body.replace(token.encode(), _CSRF_PLACEHOLDER)
    headers = tuple((k, v) for k, v in response.headers.items() if k not in ("Content-Length", "Set-Cookie"))
    return _Entry(body, response.status_code, headers)
