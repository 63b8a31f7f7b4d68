"""Webinar times: entered in the organiser's zone, stored as naive UTC, shown in the viewer's zone."""

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_time
from flask import session
from flask_login import current_user

from ..core.dates import formatting_locale, zone_label
from ..core.i18n import TIMEZONE_SESSION_KEY as SESSION_KEY

# Zones offered in the pickers (the platform's countries); any valid IANA zone is accepted too.
COMMON_ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Atlantic/Reykjavik",
    "Europe/Brussels",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Luxembourg",
    "Europe/Berlin",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Malta",
    "Europe/Copenhagen",
    "Europe/Oslo",
    "Europe/Stockholm",
    "Europe/Prague",
    "Europe/Bratislava",
    "Europe/Warsaw",
    "Europe/Budapest",
    "Europe/Ljubljana",
    "Europe/Zagreb",
    "Europe/Helsinki",
    "Europe/Tallinn",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Bucharest",
    "Europe/Sofia",
    "Europe/Athens",
    "Asia/Nicosia",
]


class NonexistentTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 02:30 on the last Sunday of March)."""


@lru_cache(maxsize=1)
def _all_zones() -> frozenset:
    return frozenset(available_timezones())


def is_valid_zone(name: str | None) -> bool:
    return bool(name) and name in _all_zones()


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if is_valid_zone(name) else ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def zone_choices(extra: str | None = None) -> list[tuple[str, str]]:
    names = list(COMMON_ZONES)
    if extra and is_valid_zone(extra) and extra not in names:
        names.append(extra)
    return [(name, name.replace("_", " ")) for name in names]


def to_utc(local: datetime, zone_name: str) -> datetime:
    """A naive wall-clock time in ``zone_name`` as naive UTC. An ambiguous time (the hour repeated in
    autumn) is read as the first occurrence; a skipped one raises ``NonexistentTime``."""
    tz = zone(zone_name)
    aware = local.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentTime(local)
    return utc.replace(tzinfo=None)


def to_local(utc_naive: datetime, zone_name: str) -> datetime:
    """Naive UTC as an aware datetime in ``zone_name``."""
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(zone(zone_name))


def local_input_value(utc_naive: datetime | None, zone_name: str) -> datetime | None:
    """What a datetime-local field shows for a stored time: the naive wall clock in the zone."""
    return to_local(utc_naive, zone_name).replace(tzinfo=None) if utc_naive else None


def format_when(utc_naive: datetime, zone_name: str, locale=None, with_date=True) -> str:
    """'Thursday 12 March 2026, 14:00 CET' in the given zone and language."""
    local = to_local(utc_naive, zone_name)
    locale = formatting_locale(locale)  # English as en_GB: day before month, a 24-hour clock
    clock = f"{format_time(local, 'short', locale=locale)} {zone_label(local)}"
    return f"{format_date(local, 'full', locale=locale)}, {clock}" if with_date else clock


def viewer_zone(webinar=None) -> str:
    """The zone to show times in: the user's saved zone, then the one chosen in this session, then the
    webinar's own zone, then UTC."""
    if current_user.is_authenticated and is_valid_zone(current_user.timezone):
        return current_user.timezone
    if is_valid_zone(session.get(SESSION_KEY)):
        return session[SESSION_KEY]
    if webinar is not None and is_valid_zone(webinar.timezone):
        return webinar.timezone
    return "UTC"


def recipient_zone(user, webinar) -> str:
    """The zone an email to ``user`` shows times in."""
    if user is not None and is_valid_zone(user.timezone):
        return user.timezone
    return webinar.timezone if is_valid_zone(webinar.timezone) else "UTC"
