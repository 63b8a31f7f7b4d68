"""Question and answer rules: asking, reading, answering, accepting, voting, editing, flagging,
moderating, browsing and notifications. Confidential questions are readable by their asker, the
experts who accepted a request for them, and moderators; everyone else gets a 404."""

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core import audit, fulltext, taxonomy
from ..core.errors import DomainError, NotAllowed
from ..core.roles import Role
from ..core.signals import answer_accepted, answer_posted
from ..core.time import utcnow
from ..extensions import db
from ..notifications.services import notify
from . import policy
from .models import (
    Answer,
    AnswerRevision,
    AnswerVote,
    Flag,
    Question,
    QuestionRevision,
    QuestionStatus,
    QuestionWatch,
    Visibility,
)
from .similar import embed_question
from .watching import notice_text, unwatch, watchers

PREFERENCE_KEYS = {
    "k",
    "role",
    "country",
    "language",
    "verified_only",
    "preferred_countries",
    "preferred_languages",
    "exclude_organisations",
    "balanced",
}


def _check_text(title, body, topics):
    title, body = (title or "").strip(), (body or "").strip()
    if len(title) < 10:
        raise DomainError(_l("Write a title of at least 10 characters."), "title")
    if len(title) > 200:
        raise DomainError(_l("Keep the title under 200 characters."), "title")
    unknown = [t for t in topics if t not in taxonomy.TOPICS]
    if unknown:
        raise DomainError(_l("Unknown topic: %(value)s", value=", ".join(unknown)), "topics")
    return title, body


def create_question(
    asker, title, body, topics=(), visibility="public", preferences=None, is_summary=False, invitee_summary=None
) -> Question:
    title, body = _check_text(title, body, topics)
    question = Question(
        asker=asker,
        title=title,
        body=body,
        visibility=Visibility(visibility),
        is_summary=is_summary,
        invitee_summary=clean_invitee_summary(invitee_summary) if visibility == "confidential" else None,
        match_preferences={k: v for k, v in (preferences or {}).items() if k in PREFERENCE_KEYS},
    )
    question.topics = list(topics)
    question.watchers.append(QuestionWatch(user_id=asker.id))
    embed_question(question)
    db.session.add(question)
    db.session.commit()
    return question


def clean_invitee_summary(text) -> str | None:
    """One paragraph: the invitation shows it as a line of text."""
    text = " ".join((text or "").split())
    if len(text) > 500:
        raise DomainError(_l("Keep the summary for invited experts under 500 characters."), "invitee_summary")
    return text or None


def set_invitee_summary(question, text) -> None:
    """The summary invited experts read before accepting; a public question needs none."""
    if question.is_confidential:
        question.invitee_summary = clean_invitee_summary(text)


def publish_summary(question, user, title, body, topics=()) -> Question:
    """A confidential thread's asker writes an anonymised public summary; the original stays confidential."""
    if not policy.can_summarise(question, user):
        raise NotAllowed(_l("Only the asker of a confidential question can publish a summary of it."))
    return create_question(user, title, body, topics, "public", is_summary=True)


def page_loading() -> tuple:
    """Loader options for a question shown whole (its page, the API): answers with their authors and
    votes, topics, revisions, watchers and expert requests, each in one statement whatever their number."""
    answers = selectinload(Question.answers)
    request_class = Question.match_requests.property.mapper.class_  # matching's, which this floor cannot import
    return (
        selectinload(Question.topic_links),
        answers.selectinload(Answer.author).selectinload(User.profile),
        answers.selectinload(Answer.votes),
        selectinload(Question.revisions),
        selectinload(Question.watchers),
        selectinload(Question.match_requests).selectinload(request_class.profile),
    )


def ordered_answers(question, user):
    """Accepted first, then by helpful votes, then oldest first; hidden ones only for those who may see them."""
    visible = [a for a in question.answers if policy.can_see_answer(a, user)]
    return sorted(visible, key=lambda a: (not a.is_accepted, -a.helpful_count, a.created_at, a.id))


def _question_url(question, anchor=None):
    return url_for("questions.show", question_id=question.id, _external=True, _anchor=anchor)


def post_answer(question, user, body) -> Answer:
    if not policy.can_answer(question, user):
        raise NotAllowed(_l("You cannot answer this question."))
    body = (body or "").strip()
    if len(body) < 2:
        raise DomainError(_l("Write your answer first."), "body")
    answer = Answer(question=question, author=user, body=body)
    db.session.add(answer)
    answer_posted.send(answer)
    if question.status == QuestionStatus.OPEN:
        question.status = QuestionStatus.ANSWERED
    db.session.flush()
    for watcher in watchers(question):
        if not policy.can_read(question, watcher):  # access ended (a duty taken back): so does the watch
            unwatch(question, watcher)
            continue
        if watcher.id != user.id:
            with force_locale(watcher.locale or "en"):
                text = str(notice_text("new_answer", question.title))
            notify(watcher, "new_answer", text, _question_url(question, f"answer-{answer.id}"), question.id)
    if not any(w.user_id == user.id for w in question.watchers):
        question.watchers.append(QuestionWatch(user_id=user.id))
    db.session.commit()
    return answer


def accept_answer(question, answer, user):
    """The asker marks the answer that solved it (and may move the mark later)."""
    if not policy.is_asker(question, user):
        raise NotAllowed(_l("Only the asker can accept an answer."))
    if answer.question_id != question.id or answer.hidden_at is not None:
        raise DomainError(_l("No such answer."))
    previous = next((a for a in question.answers if a.is_accepted and a.id != answer.id), None)
    if previous is not None:
        previous.is_accepted = False
    answer.is_accepted = True
    question.status = QuestionStatus.ANSWERED
    if answer.author_id != user.id:
        author = answer.author
        with force_locale(author.locale or "en"):
            text = str(notice_text("answer_accepted", question.title))
        notify(author, "answer_accepted", text, _question_url(question, f"answer-{answer.id}"), question.id)
    answer_accepted.send(answer, previous=previous)
    db.session.commit()


def vote_helpful(answer, user):
    if not policy.can_vote_helpful(answer, user):
        raise DomainError(_l("You cannot mark your own answer as helpful."))
    if db.session.get(AnswerVote, (answer.id, user.id)) is None:
        db.session.add(AnswerVote(answer_id=answer.id, user_id=user.id))
        db.session.commit()


def edit_question(question, user, title, body, topics):
    if not policy.can_edit(question, user):
        raise NotAllowed(_l("Only the asker can edit this question."))
    title, body = _check_text(title, body, topics)
    question.revisions.append(QuestionRevision(editor_id=user.id, title=question.title, body=question.body))
    question.title, question.body, question.topics = title, body, list(topics)
    embed_question(question)
    if user.id != question.asker_id:
        audit.record(user, "question.edit", question)
    for answer in question.answers:
        if answer.is_accepted:
            answer_accepted.send(answer, previous=None)  # the title is part of the answer's evidence
    db.session.commit()


def edit_answer(answer, user, body):
    if not policy.can_edit_answer(answer, user):
        raise NotAllowed(_l("Only the author can edit this answer."))
    body = (body or "").strip()
    if len(body) < 2:
        raise DomainError(_l("Write your answer first."), "body")
    answer.revisions.append(AnswerRevision(editor_id=user.id, body=answer.body))
    answer.body = body
    if user.id != answer.author_id:
        audit.record(user, "answer.edit", answer)
    if answer.is_accepted:
        answer_accepted.send(answer, previous=None)  # its text is evidence: embed it again
    db.session.commit()


def flag(user, reason, question=None, answer=None) -> Flag:
    """One open flag per member and post: reporting it again adds the new reason to the open one."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError(_l("Tell the moderators what is wrong."), "reason")
    key = {"user_id": user.id, "question_id": question and question.id, "answer_id": answer and answer.id}
    item = db.session.scalars(select(Flag).filter_by(resolved_at=None, **key)).first()
    if item is None:
        item = Flag(reason=reason[:2000], **key)
        db.session.add(item)
    elif reason not in item.reason:
        item.reason = f"{item.reason}\n\n{reason}"[:2000]
    db.session.commit()
    return item


def open_flags():
    return db.session.scalars(select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.created_at)).all()


def set_hidden(moderator, post, hidden: bool, reason):
    """Hide or restore a question or an answer, with a reason, in the audit log; resolves its flags."""
    if not policy.is_moderator(moderator):
        raise NotAllowed(_l("Only moderators can do this."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason."), "reason")
    post.hidden_at, post.hidden_reason = (utcnow(), reason[:2000]) if hidden else (None, None)
    kind = "question" if isinstance(post, Question) else "answer"
    flags = db.session.scalars(
        select(Flag).where(Flag.resolved_at.is_(None), getattr(Flag, f"{kind}_id") == post.id)
    ).all()
    for item in flags:
        item.resolved_at, item.resolution = utcnow(), "hidden" if hidden else "dismissed"
    audit.record(moderator, f"{kind}.{'hide' if hidden else 'restore'}", post, reason)
    accepted = [post] if isinstance(post, Answer) else [a for a in post.answers if a.is_accepted]
    for answer in accepted:
        if answer.is_accepted:
            answer_accepted.send(answer, previous=None)  # evidence follows what is visible
    db.session.commit()


def dismiss_flag(moderator, item):
    if not policy.is_moderator(moderator):
        raise NotAllowed(_l("Only moderators can do this."))
    item.resolved_at, item.resolution = utcnow(), "dismissed"
    audit.record(moderator, "flag.dismiss", item)
    db.session.commit()


def browse_query(topic=None, answered=None, answered_by=None, q=None, count_answers=False):
    """Public, visible questions with the filters, newest first, their topics loaded with them (and, with
    ``count_answers``, what counting their visible answers needs): a constant number of statements a page."""
    related = [selectinload(Question.topic_links)]
    if count_answers:
        related.append(selectinload(Question.answers).load_only(Answer.hidden_at))
    query = (
        select(Question).where(Question.visibility == Visibility.PUBLIC, Question.hidden_at.is_(None)).options(*related)
    )
    if topic:
        query = query.where(Question.topic_links.any(slug=topic))
    if answered == "yes":
        query = query.where(Question.status == QuestionStatus.ANSWERED)
    elif answered == "no":
        query = query.where(Question.status == QuestionStatus.OPEN)
    if answered_by:
        query = query.where(
            exists().where(
                Answer.question_id == Question.id,
                Answer.hidden_at.is_(None),
                Answer.author_id == User.id,
                User.role == Role(answered_by),
            )
        )
    words = fulltext.matches(Question, q)
    if words is not None:
        query = query.where(words)
    return query.order_by(Question.created_at.desc(), Question.id.desc())


def questions_asked_by(user):
    return db.session.scalars(
        select(Question).where(Question.asker_id == user.id).order_by(Question.created_at.desc())
    ).all()
