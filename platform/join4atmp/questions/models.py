"""Questions and answers. A confidential question is readable by its asker, the experts who accepted
a match request for it, and moderators only."""
import enum

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
    visibility = db.Column(db.Enum(Visibility, native_enum=False, length=20, validate_strings=True),
                           nullable=False, default=Visibility.PUBLIC)
    status = db.Column(db.Enum(QuestionStatus, native_enum=False, length=20, validate_strings=True),
                       nullable=False, default=QuestionStatus.OPEN)
    # What the asker told matching: {"countries", "languages", "exclude_organisations", "role", "country",
    # "language", "verified_only", "balanced"}; kept so that re-routing ranks as the asker asked.
    match_preferences = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    asker = db.relationship("User")
    topic_links = db.relationship("QuestionTopic", cascade="all, delete-orphan", order_by="QuestionTopic.slug")
    answers = db.relationship("Answer", back_populates="question", cascade="all, delete-orphan",
                              order_by="Answer.created_at")
    match_requests = db.relationship("MatchRequest", back_populates="question", cascade="all, delete-orphan",
                                     order_by="MatchRequest.id")

    @property
    def topics(self) -> list[str]:
        return [link.slug for link in self.topic_links]

    @topics.setter
    def topics(self, slugs):
        self.topic_links = [QuestionTopic(slug=s) for s in dict.fromkeys(slugs)]

    @property
    def is_confidential(self):
        return self.visibility == Visibility.CONFIDENTIAL

    @property
    def text(self) -> str:
        """What matching reads."""
        return f"{self.title}\n{self.body}".strip()


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
    is_accepted = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    question = db.relationship("Question", back_populates="answers")
    author = db.relationship("User")
