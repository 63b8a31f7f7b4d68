"""Signals sent by services after their commit. Listeners must not fail the sender's request.

Each is a blinker signal; send with the object as sender and keyword arguments as documented.
"""
from blinker import Namespace

_signals = Namespace()

#: A profile's searchable content (expertise, topics, publications) or availability changed.
#: sender: ExpertProfile. Matching re-embeds the profile.
profile_changed = _signals.signal("profile-changed")

#: A user was deactivated or reactivated by an admin. sender: User; kwarg ``active`` (bool).
#: Matching must stop (or resume) proposing them at once.
user_active_changed = _signals.signal("user-active-changed")

#: An admin verified or un-verified an expert. sender: User; kwarg ``verified`` (bool).
user_verified_changed = _signals.signal("user-verified-changed")
