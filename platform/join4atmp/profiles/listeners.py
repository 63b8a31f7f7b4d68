"""Profiles react to accounts: every new account gets its (empty) profile in the same transaction."""

from ..core.signals import user_created
from .models import ExpertProfile


def _give_profile(user, display_name="", **_):
    user.profile = ExpertProfile(display_name=display_name)


def connect():
    # blinker keeps one connection per receiver, so calling this for every app is harmless.
    user_created.connect(_give_profile, weak=False)
