"""Who may read, answer, edit and judge questions and answers: the object rules of the questions area.

Routes name these rules in ``@access(...)``; routes, services and templates all ask these predicates, so
each rule is written once. Confidential questions are readable by their asker, the experts who accepted
a request for them (other areas say who, through the ``question_readers`` signal) and moderators.
"""

from ..core.signals import question_readers
from .models import QuestionStatus, Visibility


def _member(user) -> bool:
    return user is not None and user.is_authenticated


def is_asker(question, user) -> bool:
    return _member(user) and user.id == question.asker_id


def is_moderator(user) -> bool:
    return _member(user) and user.is_moderator


def invited_readers(question) -> set:
    """User ids that other areas let read a confidential question (matching: experts who accepted it)."""
    return set().union(*(ids or set() for _, ids in question_readers.send(question)))


def can_read(question, user) -> bool:
    """question.read: public questions for everyone unless hidden; confidential ones for the asker, the
    experts who accepted and moderators."""
    if is_moderator(user) or is_asker(question, user):
        return True
    if question.hidden_at is not None:
        return False
    if question.visibility == Visibility.PUBLIC:
        return True
    return _member(user) and user.id in invited_readers(question)


def can_answer(question, user) -> bool:
    """question.answer: public questions for any member; confidential ones for the experts who accepted."""
    if not _member(user) or question.status == QuestionStatus.CLOSED or question.hidden_at is not None:
        return False
    if question.visibility == Visibility.PUBLIC:
        return True
    return user.id in invited_readers(question)


def can_edit(question, user) -> bool:
    """question.edit: the asker and moderators."""
    return is_asker(question, user) or is_moderator(user)


def can_summarise(question, user) -> bool:
    """Only the asker of a confidential question may publish an anonymised public summary of it."""
    return is_asker(question, user) and question.is_confidential


def can_see_answer(answer, user) -> bool:
    """A hidden answer stays visible to its author and to moderators."""
    return answer.hidden_at is None or is_moderator(user) or (_member(user) and user.id == answer.author_id)


def can_edit_answer(answer, user) -> bool:
    """answer.edit: the answer's author and moderators."""
    return is_moderator(user) or (_member(user) and user.id == answer.author_id)


def can_vote_helpful(answer, user) -> bool:
    return _member(user) and user.id != answer.author_id


def revisions_visible(question, user) -> list | None:
    """post.author: whose edit history ``user`` may see: the question and every answer (asker, moderators),
    their own answers (answer authors), or nothing (None)."""
    if can_edit(question, user):
        return list(question.answers)
    own = [a for a in question.answers if _member(user) and a.author_id == user.id]
    return own or None


def predicates() -> dict:
    """The rules templates ask, under the names they use."""
    return {
        "can_read_question": can_read,
        "can_answer_question": can_answer,
        "can_edit_question": can_edit,
        "can_summarise_question": can_summarise,
        "can_edit_answer": can_edit_answer,
        "can_vote_helpful": can_vote_helpful,
    }
