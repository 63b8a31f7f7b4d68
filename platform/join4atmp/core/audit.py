"""The audit log: an append-only record of security-relevant and moderation events.

Append-only is enforced in the ORM: a flush that would change or delete an ``AuditEvent`` fails, and so
does a bulk UPDATE or DELETE of the table, except the retention purge (``purge_older_than``), which
marks its statement with the ``audit_retention`` execution option. Raw SQL could still bypass this;
the application never issues any against this table.
"""

from datetime import datetime

from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from ..core.time import utcnow
from ..extensions import db


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit event outside the retention purge."""


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action = db.Column(db.String(60), nullable=False, index=True)
    object_type = db.Column(db.String(40))
    object_id = db.Column(db.Integer)
    detail = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    actor = db.relationship("User")


def _unwrapped(value):
    """The object behind a proxy such as Flask-Login's ``current_user``: its type names the event's object
    ("user", not "localproxy")."""
    get = getattr(value, "_get_current_object", None)
    return get() if callable(get) else value


def record(actor, action, obj=None, detail=None):
    """Add an event to the caller's transaction (it is committed with the change it records). ``actor`` and
    ``obj`` may be ``current_user``."""
    actor, obj = _unwrapped(actor), _unwrapped(obj)
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            object_type=type(obj).__name__.lower() if obj is not None else None,
            object_id=getattr(obj, "id", None),
            detail=detail,
        )
    )


def purge_older_than(cutoff: datetime) -> int:
    """Delete the events recorded before ``cutoff`` (retention); the caller commits. Returns the count."""
    result = db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.created_at < cutoff)
        .execution_options(audit_retention=True, synchronize_session=False)
    )
    return result.rowcount


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, _context, _instances):
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEvent.__tablename__ and not state.execution_options.get("audit_retention"):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
