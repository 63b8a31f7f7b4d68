"""Personal API tokens: made on the account page (or by `flask users token`), shown once, stored as SHA-256
digests; a token acts for its member under /api/ only, and never for a role or duty that demands a
second factor the member has not set up."""

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..core import audit, pagecache
from ..core.errors import DomainError, NotAllowed, NotFound
from ..core.time import utcnow
from ..extensions import db
from .models import ApiToken, User

TOKEN_PREFIX = "j4a_"


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user, name, via=None) -> tuple[ApiToken, str]:
    """Create a token (recorded in the audit log; ``via`` notes where, e.g. "command line"); the plain value
    is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name."), "name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:80], token_hash=_token_digest(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(None if via else user, "api_token.create", token, detail=_detail(token, via))
    db.session.commit()
    return token, plain


def revoke_api_token(user, token_id):
    """Revoke one of ``user``'s own tokens (recorded in the audit log); revoking a revoked one does nothing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "api_token.revoke", token, detail=_detail(token))
        db.session.commit()


def _detail(token, via=None) -> str:
    """What the audit log says of a token: its name and first characters (never enough to use it)."""
    return f"“{token.name}” ({token.prefix}…) of user {token.user_id}" + (f", {via}" if via else "")


def user_for_api_token(plain) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.user.needs_second_factor and not token.user.has_second_factor:
        # a role or duty that demands a second factor: the token waits until the person has one
        raise NotAllowed(_l("Set up two-step login in your browser before using an API token."))
    db.session.execute(  # bookkeeping every call does: pages may show it up to PAGE_CACHE_SECONDS late
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=utcnow()),
        execution_options={pagecache.NEUTRAL: True},
    )
    db.session.commit()
    return token.user
