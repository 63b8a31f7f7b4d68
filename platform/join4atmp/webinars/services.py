"""Webinar rules: creating, editing, publishing and cancelling webinars, and what lists show.

Registration and the waiting list live in ``registrations.py``, questions in ``questions.py``,
reminders and the purge in ``housekeeping.py``. Services validate, change models, queue email and
commit; they raise ``DomainError`` (with the form field) or ``NotAllowed``.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import taxonomy
from ..core.errors import DomainError, NotAllowed
from ..core.time import utcnow
from ..extensions import db
from .housekeeping import announce_recording
from .mail import notify
from .models import RegistrationStatus, Webinar, WebinarStatus, WebinarTopic
from .policy import lock_webinar, require_manager
from .registrations import passed_reminder, promote_waitlisted
from .speakers import resolve as resolve_speakers
from .times import is_valid_zone

TEXT_FIELDS = ("title", "abstract", "audience", "speakers", "join_url", "recording_url", "materials")
FIELDS = TEXT_FIELDS + (
    "language",
    "timezone",
    "starts_at",
    "duration_minutes",
    "registration_deadline",
    "capacity",
    "topics",
)


def _check(values, now, start_changed=True):
    """Validate a webinar's values (times in naive UTC); raise on the first problem."""
    if len(values["title"]) < 5:
        raise DomainError(_l("Give a title of at least 5 characters."), "title")
    if not 1 <= (values["capacity"] or 0) <= 100_000:
        raise DomainError(_l("The capacity must be between 1 and 100,000."), "capacity")
    if not 5 <= (values["duration_minutes"] or 0) <= 24 * 60:
        raise DomainError(_l("The duration must be between 5 minutes and 24 hours."), "duration_minutes")
    if values["language"] not in taxonomy.LANGUAGE_CODES:
        raise DomainError(_l("Choose one of the languages offered."), "language")
    if not is_valid_zone(values["timezone"]):
        raise DomainError(_l("Choose a time zone from the list."), "timezone")
    unknown = [t for t in values["topics"] if t not in taxonomy.TOPICS]
    if unknown:
        raise DomainError(_l("Unknown topic: %(value)s", value=", ".join(unknown)), "topics")
    for field in ("join_url", "recording_url"):
        if values[field] and not values[field].startswith(("https://", "http://")):
            raise DomainError(_l("Give a web address starting with https://"), field)
    if start_changed and values["starts_at"] <= now:
        raise DomainError(_l("The start must be in the future."), "starts_at")
    deadline = values["registration_deadline"]
    if deadline is not None and deadline > values["starts_at"]:
        raise DomainError(_l("Registration must close before the webinar starts."), "registration_deadline")


def _clean(values) -> dict:
    """The known fields, trimmed. ``speaker_profiles`` (references to expert profiles, see ``speakers.py``)
    is optional: absent, the linked speakers stay as they are."""
    cleaned = {key: values.get(key) for key in FIELDS}
    cleaned["speaker_profiles"] = values.get("speaker_profiles")
    for key in TEXT_FIELDS:
        cleaned[key] = (cleaned[key] or "").strip()
    cleaned["title"] = cleaned["title"][:200]
    cleaned["topics"] = list(dict.fromkeys(cleaned["topics"] or []))
    cleaned["language"] = cleaned["language"] or "en"
    cleaned["timezone"] = cleaned["timezone"] or "UTC"
    return cleaned


def create_webinar(organiser, values) -> Webinar:
    """A new draft webinar owned by ``organiser``. ``values``: see ``FIELDS`` (times in naive UTC)."""
    if organiser is None or not organiser.is_authenticated or not organiser.is_organiser:
        raise NotAllowed("organisers only")
    values = _clean(values)
    _check(values, utcnow())
    speakers = resolve_speakers(values.get("speaker_profiles") or [])
    webinar = Webinar(organiser=organiser, status=WebinarStatus.DRAFT)
    _apply(webinar, values)
    webinar.link_speakers(speakers)
    db.session.add(webinar)
    db.session.commit()
    return webinar


def _apply(webinar, values):
    for key in FIELDS:
        if key != "topics":
            setattr(webinar, key, values[key])
    webinar.topics = values["topics"]


def update_webinar(webinar, user, values) -> Webinar:
    """Change a webinar. A new time or join link bumps the calendar SEQUENCE and sends registrants an
    update with a new calendar file; more capacity promotes people waiting; a recording added after the
    webinar is announced to those who registered."""
    require_manager(webinar, user)
    if webinar.is_cancelled:
        raise DomainError(_l("A cancelled webinar can no longer be changed."))
    values, now = _clean(values), utcnow()
    _check(values, now, start_changed=values["starts_at"] != webinar.starts_at)
    speakers = None if values["speaker_profiles"] is None else resolve_speakers(values["speaker_profiles"])
    lock_webinar(webinar)
    time_changed = (values["starts_at"], values["duration_minutes"]) != (webinar.starts_at, webinar.duration_minutes)
    link_changed = values["join_url"] != webinar.join_url
    if values["capacity"] < webinar.seats_taken:
        db.session.rollback()
        raise DomainError(
            _l("%(n)d places are already taken: the capacity cannot be lower.", n=webinar.seats_taken), "capacity"
        )
    _apply(webinar, values)
    if speakers is not None:
        webinar.link_speakers(speakers)
    if time_changed or link_changed:
        webinar.sequence += 1
        _tell_registrants(webinar, now, time_changed, link_changed)
    promote_waitlisted(webinar, now)
    announce_recording(webinar, now)
    db.session.commit()
    return webinar


def _tell_registrants(webinar, now, time_changed, link_changed):
    """Confirmed registrants get the new time or link with an updated calendar entry; people waiting
    hear of a new time. Reminders follow the new time."""
    active = [r for r in webinar.registrations if r.is_active]
    if time_changed:
        for registration in active:
            registration.reminded_hours = passed_reminder(webinar, now)
    if webinar.is_draft or webinar.has_ended(now):
        return
    for registration in active:
        if registration.holds_seats or time_changed:
            notify(
                registration,
                "webinar_updated",
                calendar_file=registration.holds_seats,
                time_changed=time_changed,
                link_changed=link_changed,
            )


def publish_webinar(webinar, user) -> Webinar:
    """Make a draft public; registration opens."""
    require_manager(webinar, user)
    if not webinar.is_draft:
        raise DomainError(_l("This webinar is already published."))
    if webinar.starts_at <= utcnow():
        raise DomainError(_l("The start is in the past: change it before publishing."))
    webinar.status, webinar.published_at = WebinarStatus.PUBLISHED, utcnow()
    db.session.commit()
    return webinar


def cancel_webinar(webinar, user, message="") -> int:
    """Cancel a published webinar: everyone registered or waiting is told, and confirmed registrants get
    a calendar cancellation. Returns the number of people notified."""
    require_manager(webinar, user)
    if webinar.status != WebinarStatus.PUBLISHED:
        raise DomainError(_l("Only a published webinar can be cancelled."))
    if webinar.has_ended(utcnow()):
        raise DomainError(_l("This webinar is over: it can no longer be cancelled."))
    lock_webinar(webinar)
    webinar.status, webinar.cancelled_at = WebinarStatus.CANCELLED, utcnow()
    webinar.sequence += 1
    notified = 0
    for registration in webinar.registrations:
        if registration.is_active:
            notify(
                registration,
                "webinar_cancelled",
                calendar_file=registration.holds_seats,
                message=(message or "").strip(),
            )
            notified += 1
    db.session.commit()
    return notified


def remember_timezone(user, zone_name):
    """Save the zone a logged-in user chose for showing times (emails use it too)."""
    if not is_valid_zone(zone_name):
        raise DomainError(_l("Choose a time zone from the list."), "tz")
    if user.is_authenticated and user.timezone != zone_name:
        user.timezone = zone_name
        db.session.commit()


def delete_draft(webinar, user):
    require_manager(webinar, user)
    if not webinar.is_draft:
        raise DomainError(_l("Only a draft can be deleted; cancel a published webinar instead."))
    db.session.delete(webinar)
    db.session.commit()


# --- What lists show ----------------------------------------------------------------------


def _filtered(query, language=None, topic=None):
    """The listing filters, and the topics every listed webinar shows loaded in one statement."""
    query = query.options(selectinload(Webinar.topic_links))
    if language:
        query = query.where(Webinar.language == language)
    if topic:
        query = query.where(Webinar.topic_links.any(WebinarTopic.slug == topic))
    return query


def upcoming_webinars(now=None, language=None, topic=None) -> list[Webinar]:
    """Published webinars not over yet, soonest first (cancelled ones stay listed until their date)."""
    now = now or utcnow()
    query = (
        select(Webinar)
        .where(Webinar.status.in_([WebinarStatus.PUBLISHED, WebinarStatus.CANCELLED]), Webinar.ends_at > now)
        .order_by(Webinar.starts_at)
    )
    return db.session.scalars(_filtered(query, language, topic)).all()


def past_webinars(page=1, per_page=10, language=None, topic=None):
    """Published webinars that are over, newest first, as a pagination object."""
    query = (
        select(Webinar)
        .where(Webinar.status == WebinarStatus.PUBLISHED, Webinar.ends_at <= utcnow())
        .order_by(Webinar.starts_at.desc())
    )
    return db.paginate(_filtered(query, language, topic), page=page, per_page=per_page, error_out=False)


def feed_webinars(now=None, past_days=365, language=None, topic=None) -> list[Webinar]:
    """What the public calendar feed holds: published and cancelled webinars (never drafts), upcoming
    ones and those of the last ``past_days`` days, in order of their start."""
    now = now or utcnow()
    query = (
        select(Webinar)
        .where(
            Webinar.status.in_([WebinarStatus.PUBLISHED, WebinarStatus.CANCELLED]),
            Webinar.ends_at > now - timedelta(days=past_days),
        )
        .order_by(Webinar.starts_at)
    )
    return db.session.scalars(_filtered(query, language, topic)).all()


def managed_drafts(user) -> list[Webinar]:
    """Drafts the user manages (admins: every draft)."""
    if not (user.is_authenticated and user.is_organiser):
        return []
    query = select(Webinar).where(Webinar.status == WebinarStatus.DRAFT).order_by(Webinar.starts_at)
    if not user.is_admin:
        query = query.where(Webinar.organiser_id == user.id)
    return db.session.scalars(query).all()


def counts(webinar) -> dict:
    """Registration figures for organisers (still right after the purge)."""
    figures = {status.value: 0 for status in RegistrationStatus}
    for registration in webinar.registrations:
        figures[registration.status.value] += registration.seats
    return figures
