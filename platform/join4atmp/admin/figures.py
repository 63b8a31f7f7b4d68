"""Figures the platform team looks at, computed from the database."""

from datetime import timedelta

from sqlalchemy import func, select

from ..accounts.models import User
from ..core.roles import Role
from ..core.taxonomy import country_name
from ..core.templating import role_label
from ..core.time import utcnow
from ..extensions import db
from ..matching.models import MatchRequest
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition
from ..questions.models import Question
from ..webinars.models import Registration


def _pairs(query, label=lambda key: str(getattr(key, "value", key))):
    return [(str(label(key)), count) for key, count in db.session.execute(query).all()]


def figures() -> dict:
    """Bars for the admin dashboard: [(label, count)] per chart."""
    weeks_ago = utcnow() - timedelta(weeks=12)
    week = (
        func.strftime("%Y-%W", Question.created_at)
        if db.engine.dialect.name == "sqlite"
        else func.to_char(Question.created_at, "IYYY-IW")
    )
    return {
        "members_by_role": _pairs(
            select(User.role, func.count())
            .where(User.role != Role.ADMIN)
            .group_by(User.role)
            .order_by(func.count().desc()),
            role_label,
        ),
        "listed_by_country": _pairs(
            select(ExpertProfile.country, func.count())
            .join(User)
            .where(listed_condition())
            .group_by(ExpertProfile.country)
            .order_by(func.count().desc())
            .limit(15),
            country_name,
        ),
        "questions_per_week": _pairs(
            select(week, func.count()).where(Question.created_at >= weeks_ago).group_by(week).order_by(week)
        ),
        "requests_by_status": _pairs(
            select(MatchRequest.status, func.count()).group_by(MatchRequest.status).order_by(func.count().desc())
        ),
        "registrations_by_status": _pairs(
            select(Registration.status, func.count()).group_by(Registration.status).order_by(func.count().desc())
        ),
    }
