"""Erasing an account (GDPR right to erasure), composed of each area's part.

Each area says what an erasure does to its own tables, in its ``privacy.py``: ``forget_member(user,
remove_contributions)``, and the tables it keeps (``KEPT_TABLES``) because it anonymises their rows
itself. This module orders the areas, then deletes the member's rows from every other table with a
foreign key to ``user.id`` (tokens, votes, watches, flags raised, notifications, sessions, second-factor
secrets... including tables added later), all in one transaction.

Consent rows and the audit log are kept: they prove that what was published was published with consent
(GDPR art. 7(1)), and once the account is anonymised they point at nobody.
"""

from ..accounts import privacy as accounts
from ..accounts.attempts import check_current_password
from ..core import audit
from ..extensions import db
from ..matching import privacy as matching
from ..profiles import privacy as profiles
from ..questions import privacy as questions
from ..webinars import privacy as webinars

# In this order: matching needs the profile's id, which the profiles step removes. Accounts comes last,
# after the sweep: it anonymises the row that the others still read.
AREAS = (webinars, matching, profiles, questions)
KEPT_TABLES = {"audit_event", "consent"}.union(accounts.KEPT_TABLES, *(area.KEPT_TABLES for area in AREAS))


def erase_account(user, password, remove_contributions=False):
    """Erase ``user``'s account after checking their password. Public answers and questions stay under
    "Former member" unless ``remove_contributions``; confidential questions always go."""
    check_current_password(user, password)
    webinars.before_forgetting(user)  # commits each freed place on its own
    for area in AREAS:
        area.forget_member(user, remove_contributions)
    _delete_linked_rows(user)
    accounts.forget_member(user, remove_contributions)
    audit.record(
        user,
        "privacy.erase",
        user,
        "public contributions removed" if remove_contributions else "public contributions kept",
    )
    db.session.commit()


def _delete_linked_rows(user):
    db.session.flush()
    for table in db.metadata.sorted_tables:
        if table.name in KEPT_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "user":
                db.session.execute(db.delete(table).where(table.c[fk.parent.name] == user.id))
    db.session.expire_all()  # the session's copies of deleted rows are stale
