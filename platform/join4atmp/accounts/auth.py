"""How Flask-Login finds the current user: the server-side session named by the cookie, or a bearer
token under /api/."""

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import login_manager
from . import sessions
from .tokens import user_for_api_token

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id):
    """Accept the cookie only while its server-side session is live and belongs to this user.

    A Flask-Login "remember me" cookie restores ``_user_id`` but no session id, so it lets nobody in."""
    record = sessions.session_for_token(session.get("sid"))
    if record is None or str(record.user_id) != user_id or not record.user.is_active:
        return None
    g.user_session = record
    return record.user


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    user = user_for_api_token(header.removeprefix("Bearer ").strip())
    # Tokens are made in a session that passed the second factor; the enrolment gate lets them by.
    g.authenticated_by_token = user is not None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
