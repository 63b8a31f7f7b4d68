"""Calendar files (.ics) for webinars, built with the icalendar library.

One webinar is one calendar event with a stable UID, so that calendar programs update or remove the
entry they already hold: METHOD:REQUEST adds or updates it (a higher SEQUENCE wins), METHOD:CANCEL
removes it, METHOD:PUBLISH is a plain download.

icalendar is imported where a file is built, not with the module: it costs 0.14 s, and every ``flask``
command and worker start imports this module through the webinars' mail.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from email.utils import parseaddr
from typing import TYPE_CHECKING

from flask import current_app, url_for

from ..core.time import utcnow

if TYPE_CHECKING:
    from icalendar import Calendar, Event

REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def event_uid(webinar) -> str:
    return f"webinar-{webinar.id}@join4atmp"


def filename(webinar) -> str:
    return f"webinar-{webinar.id}.ics"


def _utc(naive):
    return naive.replace(tzinfo=timezone.utc)


def _address(email, name=None, **params):
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def _calendar(method, **properties) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//JOIN4ATMP//Webinars//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for name, value in properties.items():
        calendar.add(name.replace("_", "-"), value)
    return calendar


def _event(webinar, method, attendee=None, include_join_link=False) -> Event:
    from icalendar import Event

    page = url_for("webinars.show", webinar_id=webinar.id, _external=True)
    event = Event()
    event.add("uid", event_uid(webinar))
    event.add("sequence", webinar.sequence)
    event.add("dtstamp", _utc(utcnow()))
    event.add("dtstart", _utc(webinar.starts_at))
    event.add("dtend", _utc(webinar.ends_at))
    event.add("summary", webinar.title)
    join = webinar.join_url if include_join_link and webinar.join_url else ""
    description = "\n\n".join(part for part in (webinar.abstract.strip(), join and f"Join: {join}", f"{page}") if part)
    event.add("description", description)
    event.add("location", join or page)
    event.add("url", page)
    sender_name, sender_email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    event.add("organizer", _address(sender_email or "no-reply@join4atmp.example", sender_name or "JOIN4ATMP"))
    if attendee is not None and method != PUBLISH:
        name = attendee.profile.display_name if attendee.profile else None
        # They registered on the platform: nothing to answer in the calendar (RSVP=FALSE).
        extra = {"partstat": "ACCEPTED"} if method == REQUEST else {}
        event.add("attendee", _address(attendee.email, name, role="REQ-PARTICIPANT", rsvp="FALSE", **extra))
    cancelled = method == CANCEL or webinar.is_cancelled
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def build_ics(webinar, method=REQUEST, attendee=None, include_join_link=False) -> bytes:
    """The webinar as an iCalendar file. ``attendee`` (a User) is named for REQUEST and CANCEL; the join
    link goes in only for a confirmed registrant (``include_join_link``)."""
    calendar = _calendar(method)
    calendar.add_component(_event(webinar, method, attendee, include_join_link))
    return calendar.to_ical()


def build_feed(webinars, name) -> bytes:
    """The public feed: one event per webinar, with the UID its invitations carry, never a join link.
    Cancelled webinars stay in it with STATUS:CANCELLED, so that subscribed calendars mark them."""
    from icalendar import vDuration

    calendar = _calendar(
        PUBLISH, x_wr_calname=name, x_wr_timezone="UTC", refresh_interval=vDuration(timedelta(hours=6))
    )
    calendar["refresh-interval"].params["value"] = "DURATION"
    for webinar in webinars:
        calendar.add_component(_event(webinar, PUBLISH))
    return calendar.to_ical()


def attachment(webinar, method, attendee=None, include_join_link=False):
    """An (filename, content type, bytes) triple for ``queue_email``."""
    data = build_ics(webinar, method, attendee, include_join_link)
    return filename(webinar), f"text/calendar; method={method}; charset=utf-8", data
