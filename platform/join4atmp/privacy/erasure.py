"""Erasing an account (GDPR right to erasure).

The ``user`` row stays as an anonymous tombstone (``erased-<id>@invalid``, no password, inactive) so that
public answers and questions the member chose to leave keep their author, shown as "Former member"
(templates show that name when the author has no profile). Everything else that identifies the member
is deleted or cut loose. Webinar places are given up first (each in its own transaction, so the freed
seats go to the waiting list at once); the rest happens in one transaction.

Consent rows are kept: they prove that what was published was published with consent (GDPR art. 7(1))
and, once the account is anonymised, they point at nobody.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from ..accounts.passwords import verify_password
from ..core import audit
from ..core.errors import DomainError
from ..core.mail import OutboxMessage
from ..core.ratelimit import clear_hits
from ..extensions import db
from ..matching.indexing import remove_profile_evidence
from ..questions.models import Answer, Question, QuestionRevision
from ..webinars.models import Webinar, WebinarQuestion, WebinarVote
from ..webinars.registrations import cancel_registrations_of, forget_registrant

ERASED_DOMAIN = "invalid"     # RFC 2606: never deliverable
UNUSABLE_PASSWORD = "!erased"  # not an Argon2 hash: no password verifies against it
REMOVED_TITLE = "[removed at the author's request]"

# Tables whose rows pointing at the member are kept (anonymised by the steps below, or evidence);
# every other table with a foreign key to user.id loses the member's rows (tokens, votes, watches,
# flags raised, notifications, sessions, second-factor secrets... including tables added later).
KEPT_TABLES = {"user", "question", "answer", "question_revision", "answer_revision", "audit_event", "consent",
               "registration", "webinar", "webinar_question", "expert_profile"}


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user) -> bool:
    return user is not None and user.email == erased_email(user.id)


def erase_account(user, password, remove_contributions=False):
    """Erase ``user``'s account after checking their password. Public answers and questions stay under
    "Former member" unless ``remove_contributions``; confidential questions always go."""
    if not verify_password(user.password_hash, password or ""):
        raise DomainError(_l("Your password is not correct."), "password")
    cancel_registrations_of(user)
    old_email = user.email
    _remove_profile(user)
    _remove_questions(user, remove_contributions)
    _remove_answers(user, remove_contributions)
    _cut_webinar_links(user, remove_contributions)
    _delete_linked_rows(user)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == old_email)
                       .execution_options(synchronize_session=False))
    for prefix in ("login:acct:", "reset:acct:"):
        clear_hits(prefix + old_email)       # hashed keys derived from the address
    _anonymise(user)
    audit.record(user, "privacy.erase", user,
                 "public contributions removed" if remove_contributions else "public contributions kept")
    db.session.commit()


def _remove_profile(user):
    profile = user.profile
    if profile is None:
        return
    remove_profile_evidence(profile.id)     # every process drops the passages before its next search
    user.profile = None                     # delete-orphan: topics, languages, publications, interests
    db.session.flush()


def _remove_questions(user, remove_contributions):
    for question in db.session.scalars(select(Question).where(Question.asker_id == user.id)).all():
        if question.is_confidential:
            db.session.delete(question)
        elif remove_contributions:
            _blank_question(question)


def _blank_question(question):
    """A removed public question keeps its thread (others' answers are theirs) but not its text."""
    if not question.answers:
        db.session.delete(question)
        return
    question.title, question.body, question.match_preferences = REMOVED_TITLE, "", {}
    question.vector = question.vector_model = None
    question.topics = []
    db.session.execute(delete(QuestionRevision).where(QuestionRevision.question_id == question.id)
                       .execution_options(synchronize_session=False))


def _remove_answers(user, remove_contributions):
    if not remove_contributions:
        return
    for answer in db.session.scalars(select(Answer).where(Answer.author_id == user.id)).all():
        db.session.delete(answer)


def _cut_webinar_links(user, remove_contributions):
    forget_registrant(user)
    for vote in db.session.scalars(select(WebinarVote).where(WebinarVote.user_id == user.id)).all():
        db.session.execute(update(WebinarQuestion).where(WebinarQuestion.id == vote.question_id,
                                                         WebinarQuestion.vote_count > 0)
                           .values(vote_count=WebinarQuestion.vote_count - 1)
                           .execution_options(synchronize_session=False))
    if remove_contributions:
        db.session.execute(delete(WebinarQuestion).where(WebinarQuestion.author_id == user.id)
                           .execution_options(synchronize_session=False))
    db.session.execute(update(WebinarQuestion).where(WebinarQuestion.author_id == user.id)
                       .values(author_id=None).execution_options(synchronize_session=False))
    db.session.execute(update(Webinar).where(Webinar.organiser_id == user.id)
                       .values(organiser_id=None).execution_options(synchronize_session=False))


def _delete_linked_rows(user):
    db.session.flush()
    for table in db.metadata.sorted_tables:
        if table.name in KEPT_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "user":
                db.session.execute(delete(table).where(table.c[fk.parent.name] == user.id))
    db.session.expire_all()   # the session's copies of deleted rows are stale


def _anonymise(user):
    user.email = erased_email(user.id)
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active_account = False
    user.is_moderator_flag = user.is_organiser_flag = False
    user.verified_at = user.last_login_at = None
    user.locale = user.timezone = None
