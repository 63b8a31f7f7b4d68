"""What of the profiles area is a member's data, and how an erased member's profile goes.

``privacy/`` composes every area's part: see privacy/erasure.py and privacy/export.py.
"""

from ..extensions import db

# Rows reached through the member's profile that are theirs, exported with it.
EXPORT_FOLLOW = {
    ("profile_topic", "profile_id"),
    ("profile_language", "profile_id"),
    ("publication", "profile_id"),
    ("declared_interest", "profile_id"),
}
EXPORT_SKIP: dict = {}
# Tables this area clears itself, which the generic sweep over user foreign keys leaves alone.
KEPT_TABLES = {"expert_profile"}


def forget_member(user, remove_contributions: bool) -> None:
    """Delete the profile with its topics, languages, publications and declared interests."""
    if user.profile is not None:
        user.profile = None  # delete-orphan cascades to everything the profile holds
        db.session.flush()
