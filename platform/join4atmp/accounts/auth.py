"""How Flask-Login finds the current user: the session cookie, or a bearer token under /api/."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from .models import User
from .services import user_for_api_token

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id):
    """The cookie holds "<user id>:<session version>"; a bumped version ends old sessions."""
    user_id, _, version = session_id.partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    return user_for_api_token(header.removeprefix("Bearer ").strip())


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
