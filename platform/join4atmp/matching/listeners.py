"""Matching reacts to other areas' signals: changed evidence is marked for re-embedding in the same
transaction (the worker re-embeds it after the commit, matching/tasks.py), an expert's answer closes their
request, and experts who accepted a request may read the question."""

from flask import current_app

from ..core.signals import answer_accepted, answer_posted, profile_changed, question_readers
from . import stats  # noqa: F401 - registers the response figures shown on profile pages
from .indexing import mark_stale
from .models import RequestStatus
from .routing import mark_answered


def _profile_evidence(profile, **_):
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        mark_stale([profile.id])


def _answer_evidence(answer, previous=None, **_):
    """Accepted answers are their authors' evidence: mark the authors concerned."""
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        mark_stale(a.author.profile.id for a in (answer, previous) if a is not None and a.author.profile)


def _accepted_experts(question, **_) -> set:
    """Experts who accepted a request for the question may read it, confidential or not."""
    return {
        r.profile.user_id
        for r in question.match_requests
        if r.status in (RequestStatus.ACCEPTED, RequestStatus.ANSWERED)
    }


def _close_request(answer, **_):
    mark_answered(answer.question, answer.author)


def connect():
    # blinker keeps one connection per receiver, so calling this for every app is harmless.
    profile_changed.connect(_profile_evidence, weak=False)
    answer_accepted.connect(_answer_evidence, weak=False)
    answer_posted.connect(_close_request, weak=False)
    question_readers.connect(_accepted_experts, weak=False)
