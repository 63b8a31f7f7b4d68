from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.forms import PostForm
from ..accounts.models import Role, User
from ..extensions import db
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition
from .time import utcnow
from .views import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    counts = dict(db.session.execute(
        select(User.role, func.count()).select_from(ExpertProfile).join(User).where(listed_condition())
        .group_by(User.role)).all())
    countries = db.session.scalar(
        select(func.count(func.distinct(ExpertProfile.country))).join(User).where(listed_condition()))
    return render_template("index.html", counts={r.value: counts.get(r, 0) for r in Role}, countries=countries)


@bp.post("/language")
def set_language():
    """Switch the interface language (kept in the session, and on the account when logged in)."""
    lang = request.form.get("lang")
    if not PostForm().validate_on_submit() or lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


@bp.route("/.well-known/security.txt")
def security_txt():
    """Where to report a vulnerability (RFC 9116); the contact comes from SECURITY_CONTACT."""
    expires = (utcnow() + timedelta(days=180)).strftime("%Y-%m-%dT00:00:00Z")
    lines = [f"Contact: mailto:{current_app.config['SECURITY_CONTACT']}", f"Expires: {expires}",
             "Preferred-Languages: en, fr", f"Canonical: {url_for('main.security_txt', _external=True)}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
