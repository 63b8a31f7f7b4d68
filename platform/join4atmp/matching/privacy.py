"""What of the matching area is a member's data, and what an erasure removes from it.

``privacy/`` composes every area's part: see privacy/erasure.py and privacy/export.py.
"""

from .indexing import remove_profile_evidence

EXPORT_FOLLOW = {
    ("evidence_passage", "profile_id"),
    ("match_request", "profile_id"),  # questions offered to the member as an expert
    ("match_request", "question_id"),  # experts proposed for the member's question, as shown to them
}
EXPORT_SKIP = {
    ("match_request", "replaces_id"): "a link between requests already exported",
    ("stale_evidence", "profile_id"): "a passing note that your evidence awaits re-embedding; it holds no data",
}
KEPT_TABLES: set = set()


def forget_member(user, remove_contributions: bool) -> None:
    """Drop the member's evidence passages from the database and, before their next search, from every
    process's index. Runs before the profile goes (it needs the profile's id)."""
    if user.profile is not None:
        remove_profile_evidence(user.profile.id)
