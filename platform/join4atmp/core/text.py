"""What members may write into a text field, checked wherever a value is set (a page, the API, a
command), not only in the forms: a length limit on every field, and in single-line fields no control
characters (a newline in a display name once forged a notice in an email; a title with one broke a
notification for good) and no direction override (it shows the rest of a title in every list turned round).
Multi-line fields may hold newlines and tabs, never other control characters, and nowhere a lone surrogate
(it cannot be stored or sent).

Each area declares its models' fields with ``guard_text(Model)``: a ``String(n)`` column is single-line and
at most n characters, a ``Text`` column multi-line and at most ``TEXT_LIMIT``; a value that breaks the rule
raises ``DomainError`` naming the field, so the form shows it there and the API answers 400.
"""

import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event

from .errors import DomainError

TEXT_LIMIT = 20_000  # the forms' cap on long fields, now held everywhere
_LINE_BREAKS = {"\u2028", "\u2029"}
_DIRECTION_OVERRIDES = {"\u202d", "\u202e"}  # shows what follows in a line turned round, as in "txet"
_MULTI_LINE_ALLOWED = {"\n", "\r", "\t"}


def check_text(value, field, limit, single_line):
    """Raise ``DomainError`` unless ``value`` may be stored in such a field; returns it unchanged."""
    if not isinstance(value, str):
        return value
    if len(value) > limit:
        raise DomainError(_l("Keep this under %(limit)d characters.", limit=limit), field)
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise DomainError(_l("This text holds a character that cannot be stored."), field)
        if single_line and (category == "Cc" or char in _LINE_BREAKS or char in _DIRECTION_OVERRIDES):
            raise DomainError(_l("Use a single line, without control characters."), field)
        if not single_line and category == "Cc" and char not in _MULTI_LINE_ALLOWED:
            raise DomainError(_l("Remove the control characters from this text."), field)
    return value


def guard_text(model, exclude=()):
    """Check every text column of ``model`` (but ``exclude``) whenever it is set."""
    for column in model.__table__.columns:
        if column.key in exclude or column.key.endswith("_html") or isinstance(column.type, sa.Enum):
            continue
        if isinstance(column.type, sa.Text):
            limit, single_line = TEXT_LIMIT, False
        elif isinstance(column.type, sa.String) and column.type.length:
            limit, single_line = column.type.length, True
        else:
            continue
        _listen(getattr(model, column.key), column.key, limit, single_line)


def _listen(attribute, field, limit, single_line):
    def check(_target, value, _old, _initiator):
        return check_text(value, field, limit, single_line)

    event.listen(attribute, "set", check, retval=True)


def has_lone_surrogate(value) -> bool:
    """Whether a parsed JSON value holds a lone surrogate anywhere (JSON can carry one, UTF-8 cannot)."""
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False
