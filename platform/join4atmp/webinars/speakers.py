"""Speakers linked to expert profiles.

Organisers choose them by name from the listed profiles (``listed_choices``); the services also take
a profile number (as in ``/experts/12``), the profile's address, or the member's email. Only profiles
listed in the directory can be linked, and one that is unlisted later keeps its name on the webinar
page but loses the link. Speakers without a profile stay free text.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import User
from ..core.errors import DomainError
from ..extensions import db
from ..profiles.models import ExpertProfile
from ..profiles.services import listed_condition

MAX_SPEAKERS = 20
_PROFILE_REFERENCE = re.compile(r"(?:\S*/experts/)?#?(\d+)/?")


def _listed():
    return select(ExpertProfile).join(User, User.id == ExpertProfile.user_id).where(listed_condition())


def listed_choices(first=()) -> list[tuple[str, str]]:
    """Every listed profile as ``(id, "Name, organisation")``, by name; the ids in ``first`` (the webinar's
    speakers, in their order) come first, so that saving keeps that order."""
    rows = db.session.execute(
        _listed()
        .with_only_columns(ExpertProfile.id, ExpertProfile.display_name, ExpertProfile.organisation)
        .order_by(func.lower(ExpertProfile.display_name), ExpertProfile.id)
    ).all()
    choices = {str(pid): ", ".join(part for part in (name, organisation) if part) for pid, name, organisation in rows}
    top = [ref for ref in dict.fromkeys(str(ref) for ref in first) if ref in choices]
    return [(ref, choices[ref]) for ref in top] + [item for item in choices.items() if item[0] not in top]


def _listed_profile(reference):
    query = _listed()
    number = _PROFILE_REFERENCE.fullmatch(reference)
    if number:
        return db.session.scalar(query.where(ExpertProfile.id == int(number.group(1))))
    if "@" in reference:
        return db.session.scalar(query.where(func.lower(User.email) == reference.lower()))
    return None


def resolve(references) -> list[ExpertProfile]:
    """The listed profiles the references name, in order and once each. Raises ``DomainError`` naming the
    references that match no listed profile (an unlisted one answers as if it did not exist)."""
    profiles, unknown = [], []
    for reference in references:
        profile = _listed_profile(reference)
        if profile is None:
            unknown.append(reference)
        elif profile not in profiles:
            profiles.append(profile)
    if unknown:
        raise DomainError(
            _l("No expert profile in the directory matches: %(value)s", value=", ".join(unknown)), "speaker_profiles"
        )
    if len(profiles) > MAX_SPEAKERS:
        raise DomainError(_l("Link %(n)d speakers at most.", n=MAX_SPEAKERS), "speaker_profiles")
    return profiles


def listed_ids(profiles) -> set[int]:
    """Which of these profiles are listed now (the page links only those)."""
    ids = [p.id for p in profiles]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ExpertProfile.id)
            .join(User, User.id == ExpertProfile.user_id)
            .where(listed_condition(), ExpertProfile.id.in_(ids))
        ).all()
    )
