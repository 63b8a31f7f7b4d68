"""Questions sent ahead of a webinar: asking, voting, moderating, answering, and grouping by theme.

Registered people ask until the start and vote until the end. Everyone sees the questions (without
their authors); organisers see authors, hide questions, answer them, and see them grouped by theme.
"""

import re
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core import dates
from ..core.errors import DomainError, NotAllowed, NotFound
from ..core.time import utcnow
from ..embedding import encoder, multilingual_encoder
from ..extensions import db
from ..questions import services as qa
from ..questions.models import Question
from ..search.language import UNDETERMINED, language_of
from .models import WebinarQuestion, WebinarQuestionStatus, WebinarVote
from .policy import can_ask, can_publish_answers, can_vote, lock_webinar, require_manager

MAX_LENGTH = 1000


def ask_question(webinar, user, text) -> WebinarQuestion:
    """Send a question ahead (registered people, before the start; a few per person)."""
    if not can_ask(webinar, user):
        raise NotAllowed(_l("Questions can be sent by registered participants until the webinar starts."))
    text = " ".join((text or "").split())
    if len(text) < 10:
        raise DomainError(_l("Write a question of at least 10 characters."), "text")
    if len(text) > MAX_LENGTH:
        raise DomainError(_l("Keep the question under %(n)d characters.", n=MAX_LENGTH), "text")
    limit = int(current_app.config.get("WEBINAR_MAX_QUESTIONS_PER_PERSON", 5))
    asked = db.session.scalar(
        select(func.count())
        .select_from(WebinarQuestion)
        .where(WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.author_id == user.id)
    )
    if asked >= limit:
        raise DomainError(
            _l("You have sent %(n)d questions for this webinar, the most one person can.", n=limit), "text"
        )
    question = WebinarQuestion(webinar=webinar, author=user, text=text)
    db.session.add(question)
    db.session.commit()
    return question


def has_voted(question, user) -> bool:
    return user.is_authenticated and db.session.get(WebinarVote, (question.id, user.id)) is not None


def toggle_vote(question, user) -> bool:
    """Vote for a question, or take the vote back. Returns whether the user now votes for it."""
    if question.status == WebinarQuestionStatus.HIDDEN:
        raise NotFound(_l("No such question."))
    if not can_vote(question.webinar, user):
        raise DomainError(_l("Registered participants can vote until the webinar ends."))
    if question.author_id == user.id:
        raise DomainError(_l("You cannot vote for your own question."))
    step = (
        -1
        if db.session.execute(
            delete(WebinarVote).where(WebinarVote.question_id == question.id, WebinarVote.user_id == user.id)
        ).rowcount
        else 1
    )
    if step == 1:
        db.session.add(WebinarVote(question_id=question.id, user_id=user.id))
        try:
            db.session.flush()
        except IntegrityError:  # the same vote sent twice at once: it counts once
            db.session.rollback()
            return True
    db.session.execute(
        update(WebinarQuestion)
        .where(WebinarQuestion.id == question.id)
        .values(vote_count=WebinarQuestion.vote_count + step)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return step == 1


def set_hidden(question, user, hidden: bool):
    """Organisers hide a question from everyone (or show it again)."""
    require_manager(question.webinar, user)
    if hidden:
        question.status = WebinarQuestionStatus.HIDDEN
    else:
        question.status = WebinarQuestionStatus.ANSWERED if question.answer else WebinarQuestionStatus.OPEN
    db.session.commit()


def answer_question(question, user, answer):
    """Organisers publish the answer given in the webinar; answered questions stay on its page."""
    require_manager(question.webinar, user)
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise DomainError(_l("Write the answer first."), "answer")
    question.answer, question.answered_at = answer[:20000], utcnow()
    if question.status != WebinarQuestionStatus.HIDDEN:
        question.status = WebinarQuestionStatus.ANSWERED
    db.session.commit()


def visible_questions(webinar) -> list[WebinarQuestion]:
    """Questions everyone sees, most votes first."""
    return db.session.scalars(
        select(WebinarQuestion)
        .where(WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.status != WebinarQuestionStatus.HIDDEN)
        .order_by(WebinarQuestion.vote_count.desc(), WebinarQuestion.id)
    ).all()


def votes_of(user, questions) -> set[int]:
    if not user.is_authenticated or not questions:
        return set()
    return set(
        db.session.scalars(
            select(WebinarVote.question_id).where(
                WebinarVote.user_id == user.id, WebinarVote.question_id.in_([q.id for q in questions])
            )
        ).all()
    )


@dataclass
class Theme:
    label: str
    questions: list = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(q.vote_count for q in self.questions)


def question_themes(webinar, user) -> list[Theme]:
    """The visible questions grouped by theme, the most voted theme first (for organisers)."""
    require_manager(webinar, user)
    questions = visible_questions(webinar)
    if not questions:
        return []
    from ..search import cluster  # numpy and scikit-learn: loaded by the first theme page, not at every start

    vectors, max_distance = _theme_vectors([q.text for q in questions])
    themes = []
    for members in cluster.group_by_theme(vectors, max_distance):
        label = questions[cluster.representative(vectors, members)].text
        themes.append(
            Theme(label=label, questions=sorted((questions[i] for i in members), key=lambda q: (-q.vote_count, q.id)))
        )
    return sorted(themes, key=lambda theme: (-theme.votes, -len(theme.questions)))


def _theme_vectors(texts):
    """The questions' vectors, and the distance under which they share a theme on those vectors' scale. When
    some question is not in English, the multilingual encoder's, so that "exemption hospitalière" and
    "hospital exemption" meet; the threshold, set for the primary encoder, is carried over to its scale."""
    max_distance = float(current_app.config["WEBINAR_THEME_DISTANCE"])
    multilingual = multilingual_encoder()
    if multilingual is None or not any(language_of(text) not in ("en", UNDETERMINED) for text in texts):
        return encoder().encode(texts), max_distance
    shift, factor = current_app.config["EMBEDDING_MULTILINGUAL_CALIBRATION"]
    return multilingual.encode(texts, query=True), 1 - ((1 - max_distance) - shift) / factor


# --- Publishing the answers as a Q&A thread ----------------------------------------------------------


def answered_questions(webinar) -> list[WebinarQuestion]:
    return [q for q in visible_questions(webinar) if q.status == WebinarQuestionStatus.ANSWERED and q.answer]


def _thread_text(webinar, answered):
    page = url_for("webinars.show", webinar_id=webinar.id, _external=True)
    # Written in the webinar's language when the platform speaks it.
    with force_locale(webinar.language if webinar.language in current_app.config.get("LANGUAGES", ()) else "en"):
        title = str(_l("Questions and answers: %(title)s", title=webinar.title))
        intro = str(
            _l(
                "Questions sent ahead of the webinar [%(title)s](%(url)s) (%(date)s), as the speakers answered them.",
                title=_markdown_text(webinar.title),
                url=page,
                date=dates.day(webinar.starts_at, webinar.timezone),
            )
        )
    parts = [intro] + [f"### {_markdown_text(q.text)}\n\n{q.answer.strip()}" for q in answered]
    return title[:200], "\n\n".join(parts)


def _markdown_text(text) -> str:
    """A participant's plain text kept literal inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~])", r"\\\1", " ".join(text.split()))


def publish_answers(webinar, user) -> tuple[Question, bool]:
    """After the webinar, publish the answered questions as one public Q&A thread asked by ``user`` (an
    organiser), linked from the webinar page. Once only: a later call updates that thread with the answers
    added since. Returns (thread, created)."""
    require_manager(webinar, user)
    if not can_publish_answers(webinar):
        raise DomainError(_l("The answers can be published once the webinar is over."))
    answered = answered_questions(webinar)
    if not answered:
        raise DomainError(_l("Answer at least one question first."))
    title, body = _thread_text(webinar, answered)
    lock_webinar(webinar)  # two clicks at once make one thread
    thread = webinar.qa_question
    if thread is not None:
        # Q&A lets the asker or a moderator edit; a co-organiser updates it in the asker's name.
        editor = user if user.id == thread.asker_id or user.is_moderator else thread.asker
        if thread.body != body and editor is not None:
            qa.edit_question(thread, editor, thread.title, body, thread.topics)
        else:
            db.session.commit()
        return thread, False
    if webinar.qa_published_at is not None:  # another request is creating it right now
        db.session.rollback()
        raise DomainError(_l("The answers are already published."))
    # Marked in the transaction that creates the thread (create_question commits it), so that a second
    # request, waiting on the lock, sees the mark even before the thread is linked.
    webinar.qa_published_at = utcnow()
    thread = qa.create_question(user, title, body, webinar.topics, "public")
    webinar.qa_question = thread
    db.session.commit()
    return thread, True
