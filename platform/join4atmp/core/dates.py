"""Dates and times as the site shows them, on pages and in emails: European formats, a 24-hour clock
without seconds, and the zone named wherever a time of day is shown.

The interface language picks the formatting locale: English is formatted as British English (``en_GB``:
"2 Dec 2026, 18:00 CET"), any other language as itself ("2 déc. 2026, 18:00 CET"), so a language added to
LANGUAGES later formats its own way with no change here. Times are stored as naive UTC (core/time.py) and
shown in the member's zone (``User.timezone``, through ``i18n.select_timezone``), else in
BABEL_DEFAULT_TIMEZONE. An email is rendered in its recipient's zone (``forced_zone``), never in that of the
person whose action sent it. Templates use the filters ``when`` (date, time, zone) and ``day`` (a date).
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask import current_app, has_app_context
from flask_babel import get_locale

from .i18n import select_timezone

# The formatting locale of an interface language, where it is not the language itself.
FORMAT_LOCALES = {"en": "en_GB"}

_forced: ContextVar[str | None] = ContextVar("forced_zone", default=None)


@lru_cache(maxsize=32)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(FORMAT_LOCALES.get(name, name))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FORMAT_LOCALES["en"])


def formatting_locale(language=None) -> Locale:
    """The locale dates are formatted in for ``language`` (default: the page's or email's language)."""
    return _locale(str(language or get_locale() or "en"))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def current_zone_name() -> str:
    """The zone times are shown in now: an email's recipient's, else the member's, else the default."""
    forced = _forced.get()
    if forced:
        return forced
    chosen = select_timezone()
    if chosen:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"


@contextmanager
def forced_zone(name):
    """Show times in ``name`` (UTC when empty) inside the block: an email in its recipient's zone."""
    token = _forced.set(name or "UTC")
    try:
        yield
    finally:
        _forced.reset(token)


def _local(value: datetime, zone) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(_zone(zone or current_zone_name()))


def zone_label(local: datetime) -> str:
    """The zone's abbreviation ("CET", "BST", "UTC"); "UTC+03" where the zone has no letters."""
    name = local.tzname() or "UTC"
    return f"UTC{name}" if name[0] in "+-" else name


def clock(value, zone=None, language=None) -> str:
    """'18:00 CET': the time of day with its zone."""
    if value is None:
        return ""
    local = _local(value, zone)
    return f"{format_time(local, 'short', locale=formatting_locale(language))} {zone_label(local)}"


def when(value, zone=None, language=None) -> str:
    """'2 Dec 2026, 18:00 CET': a stored (naive UTC) time as date, time of day and zone."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return day(value, language=language)
    locale = formatting_locale(language)
    local = _local(value, zone)
    pattern = str(locale.datetime_formats["medium"]).replace("'", "")
    return pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", clock(local, zone, language)
    )


def day(value, zone=None, language=None) -> str:
    """'2 Dec 2026': the date (of a stored time, in the zone the time of day would be shown in)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, zone)
    elif not isinstance(value, date):
        return str(value)
    return format_date(value, "medium", locale=formatting_locale(language))


def register(app) -> None:
    """The filters ``when`` and ``day``; Flask-Babel's ``datetimeformat``, ``dateformat`` and ``timeformat``
    are replaced by the same formats, so that no page falls back to another one."""
    app.jinja_env.filters.update(
        when=when,
        day=day,
        clock=clock,
        datetimeformat=lambda value, _format=None: when(value),
        dateformat=lambda value, _format=None: day(value),
        timeformat=lambda value, _format=None: clock(value),
    )
