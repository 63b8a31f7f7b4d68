from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..core.policy import access
from ..extensions import db
from .time import utcnow
from .views import safe_next

bp = Blueprint("main", __name__)


@bp.post("/language")
@access("public")
def set_language():
    """Switch the interface language (kept in the session, and on the account when logged in)."""
    lang = request.form.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.route("/.well-known/security.txt")
@access("public")
def security_txt():
    """Where to report a vulnerability (RFC 9116); the contact comes from SECURITY_CONTACT."""
    expires = (utcnow() + timedelta(days=180)).strftime("%Y-%m-%dT00:00:00Z")
    lines = [
        f"Contact: mailto:{current_app.config['SECURITY_CONTACT']}",
        f"Expires: {expires}",
        "Preferred-Languages: en, fr",
        f"Canonical: {url_for('main.security_txt', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
