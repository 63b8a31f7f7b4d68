"""What of the webinars area is a member's data, and what an erasure does to their places, votes and
questions. ``privacy/`` composes every area's part: see privacy/erasure.py and privacy/export.py."""

from sqlalchemy import delete, select, update

from ..extensions import db
from .models import Registration, Webinar, WebinarQuestion, WebinarVote
from .registrations import cancel_registrations_of, forget_people

EXPORT_FOLLOW = {
    ("webinar_speaker", "profile_id"),  # webinars the member speaks at
    ("webinar_topic", "webinar_id"),
}
EXPORT_SKIP = {
    ("webinar", "qa_question_id"): "the webinar is the organiser's; its link to a question is not about you",
    ("registration", "webinar_id"): "registrants of webinars you organise are other people's data",
    ("webinar_question", "webinar_id"): "questions others sent to your webinars are their data",
    ("webinar_speaker", "webinar_id"): "other speakers of your webinars are their data",
    ("webinar_vote", "question_id"): "who voted for your questions ahead is other people's data",
}
# Registrations stay without their person, so that a webinar's figures still add up; webinars and
# questions sent ahead stay without their organiser or author.
KEPT_TABLES = {"registration", "webinar", "webinar_question"}


def before_forgetting(user) -> None:
    """Give up the member's places in webinars not started yet, each in its own transaction, so that the
    freed seats go to the waiting list at once."""
    cancel_registrations_of(user)


def forget_member(user, remove_contributions: bool) -> None:
    for vote in db.session.scalars(select(WebinarVote).where(WebinarVote.user_id == user.id)).all():
        db.session.execute(
            update(WebinarQuestion)
            .where(WebinarQuestion.id == vote.question_id, WebinarQuestion.vote_count > 0)
            .values(vote_count=WebinarQuestion.vote_count - 1)
            .execution_options(synchronize_session=False)
        )
    if remove_contributions:
        db.session.execute(
            delete(WebinarQuestion)
            .where(WebinarQuestion.author_id == user.id)
            .execution_options(synchronize_session=False)
        )
    forget_people(Registration.user_id == user.id, WebinarQuestion.author_id == user.id)
    db.session.execute(
        update(Webinar)
        .where(Webinar.organiser_id == user.id)
        .values(organiser_id=None)
        .execution_options(synchronize_session=False)
    )
