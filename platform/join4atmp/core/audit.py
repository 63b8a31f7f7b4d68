"""The audit log: an append-only record of security-relevant and moderation events."""
from ..core.time import utcnow
from ..extensions import db


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


def record(actor, action, obj=None, detail=None):
    """Add an event to the caller's transaction (it is committed with the change it records)."""
    db.session.add(AuditEvent(actor_id=getattr(actor, "id", None), action=action,
                              object_type=type(obj).__name__.lower() if obj is not None else None,
                              object_id=getattr(obj, "id", None), detail=detail))
