"""Matching reacts to other areas' signals: a changed profile is re-embedded after its commit."""
from flask import current_app

from ..core.signals import answer_accepted, profile_changed
from .indexing import reindex_profiles


def _reembed(profile, **_):
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        reindex_profiles([profile.id])


def connect():
    # blinker keeps one connection per receiver, so calling this for every app is harmless.
    profile_changed.connect(_reembed, weak=False)
    answer_accepted.connect(_answer_evidence, weak=False)


def _answer_evidence(answer, previous=None, **_):
    """Accepted answers are their authors' evidence: re-embed the authors concerned."""
    if not current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        return
    authors = {a.author.profile.id for a in (answer, previous) if a is not None and a.author.profile}
    reindex_profiles(authors)

