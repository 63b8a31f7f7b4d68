"""The steps of a login, as held in the Flask session between requests.

After the password, a user with a second factor is *pending*: the signed cookie names them and the time,
nothing more. Pending is not logged in (the user loader needs a server-side session, made only by
``complete_login``), and it lapses after TWO_FACTOR_PENDING_MAX_AGE.
"""

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from ..core.views import client_ip
from ..extensions import db
from . import sessions
from .models import User

PENDING = "2fa_pending"
AFTER_SET_UP = "after_two_factor"  # where a member who must first set up a second factor was going


def remember_destination(target) -> None:
    """Keep the page a member was going to while they set up a second factor (a local path only)."""
    if target and target.startswith("/") and not target.startswith("//"):
        session[AFTER_SET_UP] = target


def destination_after_set_up() -> str | None:
    return session.pop(AFTER_SET_UP, None)


def begin_second_step(user, target) -> None:
    session.clear()
    session[PENDING] = {"uid": user.id, "at": int(time.time()), "next": target}


def pending_login() -> tuple[User, str] | None:
    """The user who gave their password and the page they were going to; None when nothing is pending
    or it lapsed (then it is forgotten)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    max_age = current_app.config["TWO_FACTOR_PENDING_MAX_AGE"].total_seconds()
    user = db.session.get(User, pending.get("uid")) if isinstance(pending.get("uid"), int) else None
    if user is None or not user.is_active or time.time() - pending.get("at", 0) > max_age:
        session.pop(PENDING, None)
        return None
    return user, pending.get("next") or url_for("home.index")


def complete_login(user, target, notice=None):
    """Log ``user`` in on a new server-side session with a new cookie (no fixation), then go on: to the
    second factor's set-up first when their duties require one they do not have yet. ``notice`` is
    flashed after the old session's contents are gone."""
    session.clear()
    if notice:
        flash(notice, "info")
    session["sid"] = sessions.start_session(user, client_ip(), request.user_agent.string)
    login_user(user, remember=False)
    if user.locale:
        session["lang"] = user.locale
    if user.needs_second_factor and not user.has_second_factor:
        flash(_("Your role or duties require two-step login. Please set it up to go on."), "info")
        if target != url_for("home.index"):
            remember_destination(target)
        return redirect(url_for("accounts.two_factor"))
    return redirect(target)
