"""Matching reacts to other areas' signals: a changed profile is re-embedded after its commit."""
from flask import current_app

from ..core.signals import profile_changed
from .indexing import reindex_profiles


def _reembed(profile, **_):
    if current_app.config.get("MATCHING_INDEX_ON_CHANGE"):
        reindex_profiles([profile.id])


def connect():
    # blinker keeps one connection per receiver, so calling this for every app is harmless.
    profile_changed.connect(_reembed, weak=False)
