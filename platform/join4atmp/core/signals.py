"""Signals sent by services. Each is a blinker signal; send with the object as sender and keyword
arguments as documented.

Two kinds: signals sent *inside* the change's transaction, just before its commit, whose receivers
add their own rows to that transaction (so their effect is committed with the change or not at all)
and never commit; and signals sent after the commit, whose receivers must not fail the sender's request.
Slow work never runs in a receiver: it records what must happen and queues a job (core/queue.py).
"""

from blinker import Namespace

_signals = Namespace()

#: A user account was created (sign-up, an admin's command, the demo). sender: User; kwarg ``display_name``.
#: Sent inside the transaction, after the flush: profiles gives the user an empty profile, which the
#: caller may fill at once.
user_created = _signals.signal("user-created")

#: A profile's searchable content (expertise, topics, publications) or availability changed.
#: sender: ExpertProfile. Sent inside the transaction: matching marks the evidence stale and the
#: worker re-embeds it after the commit.
profile_changed = _signals.signal("profile-changed")

#: An accepted answer's evidence changed: the asker accepted it (``previous``: the Answer accepted
#: before, or None), or it was edited, hidden, restored, or its question retitled. sender: Answer.
#: Sent inside the transaction: matching marks the authors' evidence stale.
answer_accepted = _signals.signal("answer-accepted")

#: An answer was posted. sender: Answer. Sent inside the transaction: matching closes the author's accepted
#: request for the question.
answer_posted = _signals.signal("answer-posted")

#: Asked, not told: who besides its asker and the moderators may read a confidential question. sender:
#: Question; each receiver returns a set of user ids (matching: the experts who accepted a request for it).
question_readers = _signals.signal("question-readers")
