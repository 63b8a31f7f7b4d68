"""What of the matching area is a member's data, and what an erasure removes from it.

``privacy/`` composes every area's part: see privacy/erasure.py and privacy/export.py.
"""

from sqlalchemy import select

from ..extensions import db
from ..profiles.models import ExpertProfile
from ..questions.models import Answer, Question
from .indexing import mark_stale, remove_profile_evidence
from .spaces import live_index

EXPORT_FOLLOW = {
    ("evidence_passage", "profile_id"),
    ("match_request", "profile_id"),  # questions offered to the member as an expert
    ("match_request", "question_id"),  # experts proposed for the member's question, as shown to them
    ("match_result", "question_id"),  # the ranking of experts run for the member's question, and its vectors
}
EXPORT_SKIP = {
    ("match_request", "replaces_id"): "a link between requests already exported",
    ("stale_evidence", "profile_id"): "a passing note that your evidence awaits re-embedding; it holds no data",
}
KEPT_TABLES: set = set()


def forget_member(user, remove_contributions: bool) -> None:
    """Drop the member's evidence passages from the database and, before their next search, from every
    process's index, and the index cache on disk (it holds their vectors; the next start rebuilds it).
    Other experts' evidence drawn from the member's questions (an accepted answer carries its question's
    title) is re-embedded once the erasure has committed, from what is left of those questions. Runs
    before the profile goes (it needs the profile's id)."""
    if user.profile is not None:
        remove_profile_evidence(user.profile.id)
    answerers = db.session.scalars(
        select(ExpertProfile.id)
        .join(Answer, Answer.author_id == ExpertProfile.user_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.asker_id == user.id, Answer.is_accepted.is_(True))
    ).all()
    mark_stale(answerers)
    cache = live_index().cache_path  # every passage index's copy, of any model, kept now or before
    for path in cache.parent.glob("passages*") if cache else ():
        path.unlink(missing_ok=True)
