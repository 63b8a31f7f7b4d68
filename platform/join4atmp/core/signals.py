"""Signals sent by services. Each is a blinker signal; send with the object as sender and keyword
arguments as documented.

Two kinds: signals sent *inside* the change's transaction, just before its commit, whose receivers
add their own rows to that transaction (so their effect is committed with the change or not at all)
and never commit; and signals sent after the commit, whose receivers must not fail the sender's request.
Slow work never runs in a receiver: it records what must happen and queues a job (core/queue.py).
"""
from blinker import Namespace

_signals = Namespace()

#: A profile's searchable content (expertise, topics, publications) or availability changed.
#: sender: ExpertProfile. Sent inside the transaction: matching marks the evidence stale and the
#: worker re-embeds it after the commit.
profile_changed = _signals.signal("profile-changed")

#: A user was deactivated or reactivated by an admin. sender: User; kwarg ``active`` (bool).
#: Matching must stop (or resume) proposing them at once.
user_active_changed = _signals.signal("user-active-changed")

#: An admin verified or un-verified an expert. sender: User; kwarg ``verified`` (bool).
user_verified_changed = _signals.signal("user-verified-changed")

#: An accepted answer's evidence changed: the asker accepted it (``previous``: the Answer accepted
#: before, or None), or it was edited, hidden, restored, or its question retitled. sender: Answer.
#: Sent inside the transaction: matching marks the authors' evidence stale.
answer_accepted = _signals.signal("answer-accepted")

#: A public question was created or edited, or became hidden or visible. sender: Question.
#: Similar-question search refreshes its vectors.
question_changed = _signals.signal("question-changed")
