from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..accounts.models import User
from ..core.policy import access
from ..core.roles import Role
from ..extensions import db
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition

bp = Blueprint("home", __name__)


@bp.route("/")
@access("public")
def index():
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
    return render_template("index.html", counts={r.value: counts.get(r, 0) for r in Role}, countries=countries)
