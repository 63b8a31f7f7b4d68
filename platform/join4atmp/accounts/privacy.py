"""What an erasure does to the account itself: the ``user`` row stays as an anonymous tombstone
(``erased-<id>@invalid``, no password, inactive) so that contributions the member chose to leave keep
an author, shown as "Former member". ``privacy/`` composes every area's part."""

from ..core.mail import forget_recipient
from ..core.ratelimit import clear_hits
from .services import account_limit_key

ERASED_DOMAIN = "invalid"  # RFC 2606: never deliverable
UNUSABLE_PASSWORD = "!erased"  # not an Argon2 hash: no password verifies against it

EXPORT_FOLLOW: set = set()
EXPORT_SKIP: dict = {}
KEPT_TABLES = {"user"}


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def forget_member(user, remove_contributions: bool) -> None:
    """Forget the address (mail waiting for it, the limits counted against it), then anonymise the row.
    Runs last: the other areas' steps may still need the account as it was."""
    forget_recipient(user.email)
    for action in ("login", "reset"):
        clear_hits(account_limit_key(action, user.email))
    user.email = erased_email(user.id)
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active_account = False
    user.is_moderator_flag = user.is_organiser_flag = False
    user.verified_at = user.last_login_at = None
    user.locale = user.timezone = None
