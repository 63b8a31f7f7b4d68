"""Who follows a question: askers and answerers watch it, others may; a watch lasts while its member may
read the question, and notifications about a question go out only while they still may."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..notifications.services import register_read_check, register_wording
from . import policy
from .models import Question, QuestionWatch


def watchers(question) -> list[User]:
    """The active members watching ``question``."""
    ids = [w.user_id for w in question.watchers]
    return db.session.scalars(select(User).where(User.id.in_(ids), User.is_active_account.is_(True))).all()


def watch(question, user, on: bool):
    """Start or stop ``user``'s watch of ``question``; commits."""
    existing = db.session.get(QuestionWatch, (question.id, user.id))
    if on and existing is None:
        db.session.add(QuestionWatch(question_id=question.id, user_id=user.id))
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.commit()


def unwatch(question, user):
    """End ``user``'s watch of ``question``, if any; the caller commits."""
    existing = db.session.get(QuestionWatch, (question.id, user.id))
    if existing is not None:
        question.watchers.remove(existing)  # delete-orphan: the row goes at the flush


@register_read_check
def _notification_readable(note, user) -> bool:
    """A notification about a question goes out only while its member may still read the question."""
    if note.question_id is None:
        return True
    question = db.session.get(Question, note.question_id)
    return question is not None and policy.can_read(question, user)


def notice_text(kind: str, title: str):
    """How a notification about a question reads, in the language of the moment: when it is sent (the
    recipient's) and again when it is shown (the reader's, who may have changed it since). None for other kinds."""
    if kind == "new_answer":
        return _l("New answer to “%(title)s”", title=title)
    if kind == "answer_accepted":
        return _l("Your answer to “%(title)s” was accepted", title=title)
    return None


@register_wording
def _notification_worded(note):
    """A notification about a question, worded in the language of the moment with the question's title."""
    question = db.session.get(Question, note.question_id) if note.question_id is not None else None
    return None if question is None else notice_text(note.kind, question.title)
