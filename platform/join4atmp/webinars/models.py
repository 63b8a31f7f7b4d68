"""Webinars, registrations (confirmed or on the waiting list), and the questions people send ahead.

Times are naive UTC. ``Webinar.seats_taken`` counts the seats of confirmed registrations; it only
changes through a conditional UPDATE (see ``registrations.py``), and a check constraint keeps it within
the capacity even if a future change forgets that rule.
"""

import enum
from datetime import timedelta

from sqlalchemy.orm import validates

from ..core.markdown import render_on_save
from ..core.relations import synced_links
from ..core.text import guard_text
from ..core.time import utcnow
from ..extensions import db


def _enum(cls):
    return db.Enum(cls, native_enum=False, length=20, validate_strings=True)


class WebinarStatus(str, enum.Enum):
    DRAFT = "draft"  # seen by its organisers only
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Webinar(db.Model):
    __tablename__ = "webinar"
    __table_args__ = (
        db.CheckConstraint("capacity > 0", name="capacity_positive"),
        db.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    id = db.Column(db.Integer, primary_key=True)
    organiser_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title = db.Column(db.String(200), nullable=False)
    abstract = db.Column(db.Text, nullable=False, default="")
    abstract_html = db.Column(db.Text)  # rendered when abstract is set (core.markdown.render_on_save)
    audience = db.Column(db.String(300), nullable=False, default="")
    speakers = db.Column(db.Text, nullable=False, default="")  # one per line
    language = db.Column(db.String(8), nullable=False, default="en")
    # The zone the organiser thinks in: the start time is entered in it and shown in it by default.
    timezone = db.Column(db.String(64), nullable=False, default="UTC")
    starts_at = db.Column(db.DateTime, nullable=False, index=True)
    duration_minutes = db.Column(db.Integer, nullable=False, default=60)
    ends_at = db.Column(db.DateTime, nullable=False, index=True)  # kept by _keep_end, for queries
    registration_deadline = db.Column(db.DateTime)  # None: until the start
    capacity = db.Column(db.Integer, nullable=False)
    seats_taken = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    join_url = db.Column(db.String(500), nullable=False, default="")  # confirmed registrants only
    recording_url = db.Column(db.String(500), nullable=False, default="")
    materials = db.Column(db.Text, nullable=False, default="")  # Markdown: slides, links
    materials_html = db.Column(db.Text)  # rendered when materials is set
    status = db.Column(_enum(WebinarStatus), nullable=False, default=WebinarStatus.DRAFT, index=True)
    # iCalendar SEQUENCE: bumped whenever the time or the join link changes, and on cancellation.
    sequence = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    published_at = db.Column(db.DateTime)
    cancelled_at = db.Column(db.DateTime)
    recording_announced_at = db.Column(db.DateTime)
    purged_at = db.Column(db.DateTime)  # registrants' personal data removed
    # The public Q&A thread the answered questions were published as (once; later runs update it).
    qa_question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="SET NULL"))
    qa_published_at = db.Column(db.DateTime)

    organiser = db.relationship("User")
    qa_question = db.relationship("Question")
    speaker_links = db.relationship(
        "WebinarSpeaker", cascade="all, delete-orphan", passive_deletes=True, order_by="WebinarSpeaker.position"
    )
    topic_links = db.relationship("WebinarTopic", cascade="all, delete-orphan", order_by="WebinarTopic.slug")
    registrations = db.relationship(
        "Registration",
        back_populates="webinar",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Registration.id",
    )
    questions = db.relationship(
        "WebinarQuestion",
        back_populates="webinar",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebinarQuestion.id",
    )

    @property
    def topics(self) -> list[str]:
        return [link.slug for link in self.topic_links]

    @topics.setter
    def topics(self, slugs):
        self.topic_links = synced_links(self.topic_links, "slug", slugs, lambda s: WebinarTopic(slug=s))

    @property
    def speaker_experts(self) -> list:
        """Speakers linked to expert profiles, in the order the organiser gave (free-text ones: ``speakers``)."""
        return [link.profile for link in self.speaker_links]

    def link_speakers(self, profiles):
        # Links kept rather than replaced: a delete and an insert of the same key in one flush would clash.
        existing = {link.profile_id: link for link in self.speaker_links}
        links = []
        for position, profile in enumerate(profiles):
            link = existing.get(profile.id) or WebinarSpeaker(profile=profile)
            link.position = position
            links.append(link)
        self.speaker_links = links

    def __init__(self, **kwargs):
        kwargs.setdefault("duration_minutes", 60)
        super().__init__(**kwargs)

    @validates("starts_at", "duration_minutes")
    def _keep_end(self, key, value):
        start = value if key == "starts_at" else self.starts_at
        minutes = value if key == "duration_minutes" else self.duration_minutes
        if start is not None and minutes is not None:
            self.ends_at = start + timedelta(minutes=minutes)
        return value

    @property
    def registration_closes_at(self):
        return self.registration_deadline or self.starts_at

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_draft(self):
        return self.status == WebinarStatus.DRAFT

    @property
    def is_cancelled(self):
        return self.status == WebinarStatus.CANCELLED

    def has_started(self, now) -> bool:
        return now >= self.starts_at

    def has_ended(self, now) -> bool:
        return now >= self.ends_at

    def is_open_for_registration(self, now) -> bool:
        return self.status == WebinarStatus.PUBLISHED and now < self.registration_closes_at

    @property
    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]

    def __repr__(self):
        return f"<Webinar {self.id} {self.status.value}>"


class WebinarTopic(db.Model):
    __tablename__ = "webinar_topic"

    webinar_id = db.Column(db.Integer, db.ForeignKey("webinar.id", ondelete="CASCADE"), primary_key=True)
    slug = db.Column(db.String(40), primary_key=True, index=True)


class WebinarSpeaker(db.Model):
    """A speaker who has an expert profile here; the webinar page links to it while it is listed."""

    __tablename__ = "webinar_speaker"

    webinar_id = db.Column(db.Integer, db.ForeignKey("webinar.id", ondelete="CASCADE"), primary_key=True)
    profile_id = db.Column(
        db.Integer, db.ForeignKey("expert_profile.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position = db.Column(db.Integer, nullable=False, default=0)

    profile = db.relationship("ExpertProfile")


class RegistrationStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"

    @classmethod
    def active(cls):
        """States in which a person is still registered (holding a seat or a place in the queue)."""
        return (cls.CONFIRMED, cls.WAITLISTED, cls.ATTENDED)


class Registration(db.Model):
    """One person's registration. An organisation contact may take several seats for its members.
    After the purge the row stays, without the person, so that the figures still add up."""

    __tablename__ = "registration"
    __table_args__ = (
        db.UniqueConstraint("webinar_id", "user_id"),
        db.CheckConstraint("seats > 0", name="seats_positive"),
        db.Index("ix_registration_webinar_status", "webinar_id", "status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    webinar_id = db.Column(db.Integer, db.ForeignKey("webinar.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    status = db.Column(_enum(RegistrationStatus), nullable=False)
    seats = db.Column(db.Integer, nullable=False, default=1)
    needs = db.Column(db.Text)  # accessibility or interpretation needs, for the organisers
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(db.DateTime)
    waitlisted_at = db.Column(db.DateTime)  # the waiting list is served in this order
    cancelled_at = db.Column(db.DateTime)
    # The smallest reminder offset (hours before the start) already handled; None: none yet.
    reminded_hours = db.Column(db.Integer)

    webinar = db.relationship("Webinar", back_populates="registrations")
    user = db.relationship("User")

    @property
    def holds_seats(self) -> bool:
        return self.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED)

    @property
    def is_active(self) -> bool:
        return self.status in RegistrationStatus.active()


class WebinarQuestionStatus(str, enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"  # removed by an organiser


class WebinarQuestion(db.Model):
    """A question sent ahead of a webinar. Authors are shown to the organisers only."""

    __tablename__ = "webinar_question"

    id = db.Column(db.Integer, primary_key=True)
    webinar_id = db.Column(db.Integer, db.ForeignKey("webinar.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    text = db.Column(db.Text, nullable=False)
    status = db.Column(_enum(WebinarQuestionStatus), nullable=False, default=WebinarQuestionStatus.OPEN)
    # Kept beside the votes so that the count survives the purge of who voted.
    vote_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    answer = db.Column(db.Text, nullable=False, default="")
    answer_html = db.Column(db.Text)  # rendered when answer is set
    answered_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    webinar = db.relationship("Webinar", back_populates="questions")
    author = db.relationship("User")
    votes = db.relationship("WebinarVote", cascade="all, delete-orphan", passive_deletes=True)


class WebinarVote(db.Model):
    __tablename__ = "webinar_vote"

    question_id = db.Column(db.Integer, db.ForeignKey("webinar_question.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


# Length and control-character rules on every member-written field (core/text.py).
guard_text(Webinar)
guard_text(Registration)
guard_text(WebinarQuestion)
render_on_save(Webinar, "abstract")
render_on_save(Webinar, "materials")
render_on_save(WebinarQuestion, "answer")
