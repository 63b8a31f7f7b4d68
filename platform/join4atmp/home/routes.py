import time

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.models import User
from ..core import pagecache
from ..core.policy import access
from ..core.roles import Role
from ..extensions import db
from ..matching.stats import platform_figures
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition
from ..questions.models import Question, QuestionStatus
from .dashboard import member_home

bp = Blueprint("home", __name__)
_FIGURES = "join4atmp.home_figures"


@bp.route("/")
@access("public")
@pagecache.cached
def index():
    """The landing page; a member's own home once they are logged in."""
    if current_user.is_authenticated:
        return render_template("home/dashboard.html", **member_home(current_user))
    counts, countries = _figures()
    return render_template("index.html", counts=counts, countries=countries)


@bp.route("/statistics")
@access("public")
def statistics():
    """Who is here, and how quickly experts take up and answer requests, from the platform's own records."""
    counts, countries = _figures()
    return render_template(
        "home/statistics.html",
        counts=counts,
        countries=countries,
        questions=_question_counts(),
        responses=platform_figures(),
    )


def _question_counts() -> dict:
    rows = dict(db.session.execute(select(Question.status, func.count()).group_by(Question.status)).all())
    return {"asked": sum(rows.values()), "answered": rows.get(QuestionStatus.ANSWERED, 0)}


def _figures():
    """The landing page's counts, read at most once per HOME_FIGURES_SECONDS in each process (two
    aggregate queries over every listed profile were the page's whole cost)."""
    cached = current_app.extensions.get(_FIGURES)
    if cached and time.monotonic() < cached[0]:
        return cached[1]
    counts = dict(
        db.session.execute(
            select(User.role, func.count())
            .select_from(ExpertProfile)
            .join(User)
            .where(listed_condition())
            .group_by(User.role)
        ).all()
    )
    countries = db.session.scalar(
        select(func.count(func.distinct(ExpertProfile.country))).join(User).where(listed_condition())
    )
    figures = ({r.value: counts.get(r, 0) for r in Role}, countries)
    current_app.extensions[_FIGURES] = (time.monotonic() + current_app.config["HOME_FIGURES_SECONDS"], figures)
    return figures
