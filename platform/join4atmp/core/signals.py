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

#: An asker accepted an answer (or moved the acceptance). sender: Answer; kwarg ``previous``: the
#: Answer that was accepted before, or None. Matching re-embeds both authors' evidence.
answer_accepted = _signals.signal("answer-accepted")

#: A public question was created or edited, or became hidden or visible. sender: Question.
#: Similar-question search refreshes its vectors.
question_changed = _signals.signal("question-changed")
