"""Routing a question to experts until it is answered: invitations, accept, decline, expiry, re-routing.

Each transition commits once and queues its emails in the outbox in the same transaction.
"""

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..core.errors import DomainError, NotAllowed
from ..core.mail import queue_email
from ..core.time import utcnow
from ..extensions import db
from ..questions.models import QuestionStatus
from ..questions.policy import is_asker
from . import links, results
from .models import MatchRequest, RequestStatus
from .policy import is_request_expert
from .results import query_for


def send_requests(question, profile_ids, asker) -> list[MatchRequest]:
    """Invite the chosen experts. Each must still be among the eligible experts for this question."""
    if not is_asker(question, asker):
        raise NotAllowed(_l("Only the asker can send this question to experts."))
    profile_ids = list(dict.fromkeys(int(pid) for pid in profile_ids))
    already = len(question.match_requests)
    limit = current_app.config["MAX_REQUESTS_PER_QUESTION"]
    if not profile_ids:
        raise DomainError(_l("Choose at least one expert."), "experts")
    if already + len(profile_ids) > limit:
        raise DomainError(_l("A question can go to at most %(n)d experts.", n=limit), "experts")
    # any expert the rules still leave, the asked ones aside (a balanced panel may reach far down the ranking)
    eligible = {m.profile.id: m for m in results.eligible(question, asker, query_for(question, balanced=False))}
    missing = [pid for pid in profile_ids if pid not in eligible]
    if missing:
        raise DomainError(
            _l("Some of the chosen experts can no longer take this question. Please choose again."), "experts"
        )
    chosen = [eligible[pid] for pid in profile_ids]
    results.attach_evidence(results.stored(question), chosen)  # the evidence the asker saw
    requests = [_invite(question, match, rank=already + n + 1) for n, match in enumerate(chosen)]
    db.session.commit()
    return requests


def _invite(question, match, rank, replaces=None) -> MatchRequest:
    now = utcnow()
    request = MatchRequest(
        question=question,
        profile_id=match.profile.id,
        rank=rank,
        score=match.score,
        explanation=match.evidence,
        invited_at=now,
        deadline=now + timedelta(days=current_app.config["MATCH_REQUEST_DAYS"]),
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(request)
    db.session.flush()
    expert = match.profile.user
    token = links.make_token(request)
    queue_email(
        expert.email,
        _l("An expert question for you on JOIN4ATMP"),
        "match_invitation",
        locale=expert.locale,
        request=request,
        question=question,
        expert=match.profile,
        accept_url=_url("matching.respond", request_id=request.id, token=token, action="accept"),
        decline_url=_url("matching.respond", request_id=request.id, token=token, action="decline"),
    )
    return request


def _url(endpoint, **values):
    return url_for(endpoint, _external=True, **values)


def _check_expert(request, user):
    if not is_request_expert(request, user):
        raise NotAllowed(_l("This request was sent to someone else."))
    if request.status != RequestStatus.INVITED:
        raise DomainError(_l("This request has already been answered or has expired."))
    if request.deadline < utcnow():
        raise DomainError(_l("The deadline for this request has passed."))


def accept(request, user):
    _check_expert(request, user)
    request.status, request.responded_at = RequestStatus.ACCEPTED, utcnow()
    asker = request.question.asker
    queue_email(
        asker.email,
        _l("An expert accepted your question"),
        "match_accepted",
        locale=asker.locale,
        request=request,
        question=request.question,
        expert=request.profile,
        question_url=_url("questions.show", question_id=request.question_id),
    )
    db.session.commit()


def decline(request, user, reason=None) -> bool:
    """Whether the question went to another expert (not when it is closed or nobody else is available)."""
    _check_expert(request, user)
    request.status, request.responded_at = RequestStatus.DECLINED, utcnow()
    request.decline_reason = (reason or "").strip()[:2000] or None
    replaced = _reroute(request, "declined") is not None
    db.session.commit()
    return replaced


def expire_overdue(now=None) -> int:
    """Expire invitations past their deadline and re-route each once, even if run concurrently."""
    now = now or utcnow()
    due = db.session.scalars(
        select(MatchRequest.id).where(MatchRequest.status == RequestStatus.INVITED, MatchRequest.deadline < now)
    ).all()
    expired = 0
    for request_id in due:
        claimed = db.session.execute(
            update(MatchRequest)
            .where(MatchRequest.id == request_id, MatchRequest.status == RequestStatus.INVITED)
            .values(status=RequestStatus.EXPIRED, responded_at=now)
        ).rowcount
        if claimed:
            _reroute(db.session.get(MatchRequest, request_id), "expired")
            expired += 1
        db.session.commit()
    return expired


def _reroute(request, reason):
    """Offer the question to the next best available expert, and tell the asker; the new request, if any."""
    question = request.question
    replacement = None
    if question.status == QuestionStatus.OPEN:
        matches = results.proposed(question, question.asker, query_for(question, k=1, balanced=False))
        if matches:
            replacement = _invite(
                question, matches[0], rank=max(r.rank for r in question.match_requests) + 1, replaces=request
            )
    asker = question.asker
    queue_email(
        asker.email,
        _l("Update on your question to experts"),
        "match_rerouted",
        locale=asker.locale,
        question=question,
        expert=request.profile,
        reason=reason,
        decline_reason=request.decline_reason if reason == "declined" else None,
        question_open=question.status == QuestionStatus.OPEN,
        replacement=replacement.profile if replacement else None,
        question_url=_url("questions.show", question_id=question.id),
    )
    return replacement


def mark_answered(question, user):
    """The expert's answer closes their accepted request."""
    for request in question.match_requests:
        if request.profile.user_id == user.id and request.status == RequestStatus.ACCEPTED:
            request.status, request.answered_at = RequestStatus.ANSWERED, utcnow()


def requests_for(profile):
    return db.session.scalars(
        select(MatchRequest).where(MatchRequest.profile_id == profile.id).order_by(MatchRequest.invited_at.desc())
    ).all()


def response_stats(requests) -> dict:
    """Median hours to respond to an invitation and to answer after accepting."""
    from statistics import median

    responded = (RequestStatus.ACCEPTED, RequestStatus.DECLINED, RequestStatus.ANSWERED)
    respond = [
        (r.responded_at - r.invited_at).total_seconds() / 3600
        for r in requests
        if r.responded_at and r.status in responded
    ]
    answer = [
        (r.answered_at - r.responded_at).total_seconds() / 3600 for r in requests if r.answered_at and r.responded_at
    ]
    return {
        "respond_hours": median(respond) if respond else None,
        "answer_hours": median(answer) if answer else None,
        "responded": len(respond),
        "answered": len(answer),
    }
