"""Matching reacts to other areas' signals: changed evidence is marked for re-embedding in the same
transaction, and the worker re-embeds it after the commit (matching/tasks.py)."""
from flask import current_app

from ..core.signals import answer_accepted, profile_changed
from .indexing import mark_stale


def _profile_evidence(profile, **_):
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        mark_stale([profile.id])


def _answer_evidence(answer, previous=None, **_):
    """Accepted answers are their authors' evidence: mark the authors concerned."""
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        mark_stale(a.author.profile.id for a in (answer, previous) if a is not None and a.author.profile)


def connect():
    # blinker keeps one connection per receiver, so calling this for every app is harmless.
    profile_changed.connect(_profile_evidence, weak=False)
    answer_accepted.connect(_answer_evidence, weak=False)
