"""How quickly experts take up and answer requests, from the platform's own records: for one expert
(their profile page) and for everyone (the public statistics page).

Time to accept runs from the invitation to the acceptance; time to answer from the acceptance to the
answer. The share answered counts the requests whose outcome is known (answered, declined, expired);
requests still waiting for a reply or an answer count in neither part of the share.
"""

import time
from statistics import median

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..profiles.services import register_page_figures
from .models import MatchRequest, RequestStatus

_SETTLED = (RequestStatus.ANSWERED, RequestStatus.DECLINED, RequestStatus.EXPIRED)
_CACHE = "join4atmp.response_figures"


def _figures(rows) -> dict:
    accept, answer, settled, answered, total = [], [], 0, 0, 0
    for status, invited_at, responded_at, answered_at in rows:
        total += 1
        if status in (RequestStatus.ACCEPTED, RequestStatus.ANSWERED) and responded_at:
            accept.append((responded_at - invited_at).total_seconds() / 3600)
        if status == RequestStatus.ANSWERED and answered_at and responded_at:
            answer.append((answered_at - responded_at).total_seconds() / 3600)
        if status in _SETTLED:
            settled += 1
            answered += status == RequestStatus.ANSWERED
    return {
        "requests": total,
        "accept_hours": median(accept) if accept else None,
        "answer_hours": median(answer) if answer else None,
        "settled": settled,
        "answered": answered,
        "answered_share": answered / settled if settled else None,
    }


_COLUMNS = (MatchRequest.status, MatchRequest.invited_at, MatchRequest.responded_at, MatchRequest.answered_at)


@register_page_figures
def expert_figures(profile) -> dict:
    """One expert's figures (one statement), shown on their profile page as ``responses``."""
    rows = db.session.execute(select(*_COLUMNS).where(MatchRequest.profile_id == profile.id)).all()
    return {"responses": _figures(rows)}


def platform_figures() -> dict:
    """Everyone's figures, read at most once per HOME_FIGURES_SECONDS in each process."""
    cached = current_app.extensions.get(_CACHE)
    if cached and time.monotonic() < cached[0]:
        return cached[1]
    figures = _figures(db.session.execute(select(*_COLUMNS)).all())
    current_app.extensions[_CACHE] = (time.monotonic() + current_app.config["HOME_FIGURES_SECONDS"], figures)
    return figures
