"""Webinar jobs: the organiser's message to registrants, reminders, recordings announced, and the purge of
personal data."""

from ..accounts.models import User
from ..core import queue
from ..core.queue import crontab
from ..extensions import db
from . import housekeeping, messages
from .models import Webinar


@queue.task()
def send_message(webinar_id, user_id, subject, body, include_waitlisted):
    """The organiser's message, queued to every registrant in one transaction."""
    webinar, user = db.session.get(Webinar, webinar_id), db.session.get(User, user_id)
    if webinar is not None and user is not None:
        messages.queue_messages(webinar, user, subject, body, include_waitlisted)


@queue.periodic(crontab(minute="*/5"))
def send_reminders():
    """Every 5 minutes: reminders WEBINAR_REMINDERS_HOURS before each webinar, each once."""
    housekeeping.send_reminders()


@queue.periodic(crontab(minute="*/5"))
def announce_recordings():
    """Every 5 minutes: a recording added before a webinar ended is announced once it has."""
    housekeeping.announce_recordings()


@queue.periodic(crontab(minute="30", hour="3"))
def purge_personal_data():
    """Daily: registrants' personal data removed WEBINAR_PURGE_AFTER_DAYS after each webinar."""
    housekeeping.purge_personal_data()
