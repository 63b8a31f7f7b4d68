from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import User
from ..core.audit import AuditEvent
from ..core.forms import PostForm
from ..core.mail import OutboxMessage
from ..core.policy import access
from ..core.roles import Role
from ..core.views import back_on_refusal, get_or_404
from ..extensions import db
from .figures import figures

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@access("admin")
def index():
    return render_template("admin/dashboard.html", figures=figures(), placeholders=_placeholder_settings())


def _placeholder_settings() -> list[str]:
    """Settings a deployment must set that still hold the shipped placeholder (the privacy notice names them)."""
    from .. import config as defaults

    names = ("PRIVACY_CONTROLLER_NAME", "PRIVACY_CONTROLLER_ADDRESS", "PRIVACY_CONTACT_EMAIL")
    return [name for name in names if current_app.config.get(name) == getattr(defaults, name)]


@bp.route("/users")
@access("admin")
def users():
    query = select(User).options(selectinload(User.profile)).order_by(User.created_at.desc(), User.id.desc())
    role, q, pending = request.args.get("role", ""), request.args.get("q", "").strip(), request.args.get("pending")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if q:
        query = query.where(func.lower(User.email).contains(q.lower(), autoescape=True))
    if pending:
        query = query.where(User.verified_at.is_(None), User.role != Role.ADMIN)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "admin/users.html",
        page=page,
        roles=list(Role),
        role=role,
        q=q,
        pending=pending,
        post_form=PostForm(),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _user_action(user_id, action, message):
    user = get_or_404(User, user_id)
    back = (
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("admin.users")
    )
    back_on_refusal(back)
    action(user)
    flash(message, "success")
    return redirect(back)


@bp.post("/users/<int:user_id>/verify")
@access("admin")
def verify(user_id):
    return _user_action(
        user_id, lambda u: accounts.set_verified(u, True, current_user), _("The expert is now verified.")
    )


@bp.post("/users/<int:user_id>/unverify")
@access("admin")
def unverify(user_id):
    return _user_action(user_id, lambda u: accounts.set_verified(u, False, current_user), _("Verification removed."))


@bp.post("/users/<int:user_id>/deactivate")
@access("admin")
def deactivate(user_id):
    return _user_action(
        user_id, lambda u: accounts.set_active(u, False, current_user), _("The account is deactivated.")
    )


@bp.post("/users/<int:user_id>/activate")
@access("admin")
def activate(user_id):
    return _user_action(
        user_id, lambda u: accounts.set_active(u, True, current_user), _("The account is active again.")
    )


@bp.post("/users/<int:user_id>/duty/<any(moderator, organiser):duty>/<any(grant, revoke):change>")
@access("admin")
def duty(user_id, duty, change):
    return _user_action(
        user_id, lambda u: accounts.set_duty(u, duty, change == "grant", current_user), _("Duties updated.")
    )


@bp.route("/audit")
@access("admin")
def audit_log():
    """The audit log, newest first; filtered by the start of the action (``login``, ``user.verify``) and
    by the actor's email."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action, actor = request.args.get("action", "").strip(), request.args.get("actor", "").strip()
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            func.lower(User.email).contains(actor.lower(), autoescape=True)
        )
    kinds = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    page = db.paginate(query, per_page=100, error_out=False)
    return render_template(
        "admin/audit.html",
        page=page,
        action=action,
        actor=actor,
        kinds=sorted({kind.split(".")[0] for kind in kinds} | set(kinds)),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/outbox")
@access("admin")
def outbox():
    page = db.paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=50, error_out=False)
    return render_template("admin/outbox.html", page=page, smtp=bool(current_app.config.get("MAIL_SERVER")))


@bp.route("/outbox/<int:message_id>")
@access("admin")
def outbox_message(message_id):
    return render_template("admin/outbox_message.html", message=get_or_404(OutboxMessage, message_id))
