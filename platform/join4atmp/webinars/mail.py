"""The webinar emails, queued in the outbox inside the caller's transaction.

Each message shows the time in the recipient's zone (and in UTC), in the recipient's language, and
carries a calendar file where a calendar should change.
"""

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core import dates
from ..core.mail import queue_email
from . import calendar
from .times import format_when, recipient_zone

SUBJECTS = {
    "webinar_confirmed": _l("Your place at the webinar “%(title)s”"),
    "webinar_waitlisted": _l("You are on the waiting list for “%(title)s”"),
    "webinar_promoted": _l("A place came free: you are registered for “%(title)s”"),
    "webinar_registration_cancelled": _l("Your registration for “%(title)s” is cancelled"),
    "webinar_updated": _l("Changed: the webinar “%(title)s”"),
    "webinar_cancelled": _l("Cancelled: the webinar “%(title)s”"),
    "webinar_reminder": _l("Reminder: “%(title)s” starts soon"),
    "webinar_recording": _l("The recording of “%(title)s” is available"),
    "webinar_message": _l("%(subject)s (webinar “%(title)s”)"),
}

# Which calendar method each message attaches (None: no calendar file).
CALENDAR_METHODS = {
    "webinar_confirmed": calendar.REQUEST,
    "webinar_promoted": calendar.REQUEST,
    "webinar_updated": calendar.REQUEST,
    "webinar_registration_cancelled": calendar.CANCEL,
    "webinar_cancelled": calendar.CANCEL,
}


class _Subject:
    """A subject rendered lazily, in the locale ``queue_email`` forces for the recipient."""

    def __init__(self, template, title, params=None):
        self.template, self.title, self.params = template, title, params or {}

    def __str__(self):
        return str(SUBJECTS[self.template]) % {**self.params, "title": self.title}


def notify(registration, template, *, calendar_file=True, subject_params=None, **context):
    """Queue ``templates/email/<template>.txt`` to the registrant (the caller commits). ``subject_params``
    fill the subject beside the title."""
    user, webinar = registration.user, registration.webinar
    if user is None:  # personal data already purged
        return None
    confirmed = registration.holds_seats
    tz = recipient_zone(user, webinar)
    with force_locale(user.locale or "en"):
        when = format_when(webinar.starts_at, tz)
        ends = format_when(webinar.ends_at, tz, with_date=False)
        when_utc = dates.when(webinar.starts_at, "UTC")
    attachments = []
    method = CALENDAR_METHODS.get(template) if calendar_file else None
    if method:
        attachments.append(
            calendar.attachment(
                webinar, method, attendee=user, include_join_link=confirmed and method == calendar.REQUEST
            )
        )
    return queue_email(
        user.email,
        _Subject(template, webinar.title, subject_params),
        template,
        locale=user.locale,
        attachments=attachments,
        user=user,
        name=user.name,
        webinar=webinar,
        registration=registration,
        when=when,
        ends=ends,
        when_utc=when_utc,
        zone=tz,
        page_url=url_for("webinars.show", webinar_id=webinar.id, _external=True),
        join_url=webinar.join_url if confirmed else "",
        has_calendar=bool(method),
        **context,
    )
