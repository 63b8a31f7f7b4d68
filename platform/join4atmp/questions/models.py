"""Questions and answers. A confidential question is readable by its asker, the experts who accepted
a match request for it, and moderators only."""

import enum

from ..core.fulltext import searchable
from ..core.markdown import render_on_save
from ..core.relations import synced_links
from ..core.text import guard_text
from ..core.time import utcnow
from ..extensions import db


class Visibility(str, enum.Enum):
    PUBLIC = "public"
    CONFIDENTIAL = "confidential"


class QuestionStatus(str, enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Question(db.Model):
    __tablename__ = "question"

    id = db.Column(db.Integer, primary_key=True)
    asker_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    body_html = db.Column(db.Text)  # rendered when body is set (core.markdown.render_on_save)
    visibility = db.Column(
        db.Enum(Visibility, native_enum=False, length=20, validate_strings=True),
        nullable=False,
        default=Visibility.PUBLIC,
    )
    status = db.Column(
        db.Enum(QuestionStatus, native_enum=False, length=20, validate_strings=True),
        nullable=False,
        default=QuestionStatus.OPEN,
    )
    # What the asker told matching: {"countries", "languages", "exclude_organisations", "role", "country",
    # "language", "verified_only", "balanced"}; kept so that re-routing ranks as the asker asked.
    match_preferences = db.Column(db.JSON, nullable=False, default=dict)
    # Moderation: a hidden post is shown to moderators and its author only.
    hidden_at = db.Column(db.DateTime)
    hidden_reason = db.Column(db.Text)
    # The sentence vector for "similar questions" (public questions only), and its model.
    vector = db.Column(db.LargeBinary)
    vector_model = db.Column(db.String(200))
    language = db.Column(db.String(8))  # detected when embedded (ISO 639-1)
    # The same in the multilingual encoder's space (added by the worker: questions/similar.embed_missing).
    multilingual_vector = db.Column(db.LargeBinary)
    multilingual_model = db.Column(db.String(200))
    # A public summary written by the asker of a confidential question points at nothing public.
    is_summary = db.Column(db.Boolean, nullable=False, default=False)
    # What the invited experts of a confidential question read before they accept (the asker writes it).
    invitee_summary = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    search_text = db.Column(db.Text, nullable=False, default="")  # core.fulltext: the words the list finds

    asker = db.relationship("User")
    topic_links = db.relationship("QuestionTopic", cascade="all, delete-orphan", order_by="QuestionTopic.slug")
    answers = db.relationship(
        "Answer", back_populates="question", cascade="all, delete-orphan", order_by="Answer.created_at"
    )
    revisions = db.relationship("QuestionRevision", cascade="all, delete-orphan", order_by="QuestionRevision.id")
    watchers = db.relationship("QuestionWatch", cascade="all, delete-orphan")
    match_requests = db.relationship(
        "MatchRequest", back_populates="question", cascade="all, delete-orphan", order_by="MatchRequest.id"
    )

    @property
    def topics(self) -> list[str]:
        return [link.slug for link in self.topic_links]

    @topics.setter
    def topics(self, slugs):
        self.topic_links = synced_links(self.topic_links, "slug", slugs, lambda s: QuestionTopic(slug=s))

    @property
    def is_confidential(self):
        return self.visibility == Visibility.CONFIDENTIAL

    @property
    def text(self) -> str:
        """What matching reads."""
        return f"{self.title}\n{self.body}".strip()


searchable(Question, "title", "body")


class QuestionTopic(db.Model):
    __tablename__ = "question_topic"

    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    slug = db.Column(db.String(40), primary_key=True, index=True)


class Answer(db.Model):
    __tablename__ = "answer"

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text)  # rendered when body is set (core.markdown.render_on_save)
    is_accepted = db.Column(db.Boolean, nullable=False, default=False)
    hidden_at = db.Column(db.DateTime)
    hidden_reason = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    question = db.relationship("Question", back_populates="answers")
    author = db.relationship("User")
    votes = db.relationship("AnswerVote", cascade="all, delete-orphan")
    revisions = db.relationship("AnswerRevision", cascade="all, delete-orphan", order_by="AnswerRevision.id")

    @property
    def helpful_count(self):
        return len(self.votes)


class AnswerVote(db.Model):
    """A reader found an answer helpful (once per reader)."""

    __tablename__ = "answer_vote"

    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class QuestionRevision(db.Model):
    """The text of a question before an edit."""

    __tablename__ = "question_revision"

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False, index=True)
    editor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class AnswerRevision(db.Model):
    """The text of an answer before an edit."""

    __tablename__ = "answer_revision"

    id = db.Column(db.Integer, primary_key=True)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id", ondelete="CASCADE"), nullable=False, index=True)
    editor_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class QuestionWatch(db.Model):
    __tablename__ = "question_watch"

    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


class Flag(db.Model):
    """Someone asked moderators to look at a question or an answer."""

    __tablename__ = "flag"

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id", ondelete="CASCADE"), index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(db.DateTime, index=True)
    resolution = db.Column(db.String(20))  # hidden, dismissed

    question = db.relationship("Question")
    answer = db.relationship("Answer")
    user = db.relationship("User")


# Length and control-character rules on every member-written field (core/text.py).
guard_text(Question, exclude=("search_text", "vector_model", "language", "multilingual_model"))
guard_text(Answer)
guard_text(QuestionRevision)
guard_text(AnswerRevision)
guard_text(Flag)
render_on_save(Question, "body")
render_on_save(Answer, "body")
