"""What of the questions area is a member's data, and what an erasure does to their questions and answers.

Confidential questions always go. Public questions and answers stay under "Former member" (templates
show that name when the author has no profile) unless the member asks for their contributions to be
removed: then answers go, and a public question keeps its thread (others' answers are theirs) but not
its text. ``privacy/`` composes every area's part.
"""

from sqlalchemy import delete, select

from ..extensions import db
from .models import Answer, Question, QuestionRevision

REMOVED_TITLE = "[removed at the author's request]"

EXPORT_FOLLOW = {
    ("question_topic", "question_id"),
    ("question_revision", "question_id"),
    ("answer_revision", "answer_id"),
}
EXPORT_SKIP = {
    ("answer", "question_id"): "other members' answers to your questions are their data; read them on the "
    "question page (your own answers are exported under 'answer')",
    ("question_watch", "question_id"): "who else follows your questions is other people's data",
    ("flag", "question_id"): "reports by other members about your posts are their data",
    ("flag", "answer_id"): "reports by other members about your posts are their data",
    ("answer_vote", "answer_id"): "who found your answers helpful is other people's data (the count is public)",
    ("notification", "question_id"): "notifications others received about your questions are theirs (yours are "
    "exported under 'notification')",
}
KEPT_TABLES = {"question", "answer", "question_revision", "answer_revision"}


def forget_member(user, remove_contributions: bool) -> None:
    for question in db.session.scalars(select(Question).where(Question.asker_id == user.id)).all():
        if question.is_confidential:
            db.session.delete(question)
        elif remove_contributions:
            _blank_question(question)
    if remove_contributions:
        for answer in db.session.scalars(select(Answer).where(Answer.author_id == user.id)).all():
            db.session.delete(answer)


def _blank_question(question):
    if not question.answers:
        db.session.delete(question)
        return
    question.title, question.body, question.match_preferences = REMOVED_TITLE, "", {}
    question.vector = question.vector_model = None  # and out of the similar-questions index
    question.multilingual_vector = question.multilingual_model = question.language = None
    question.topics = []
    db.session.execute(
        delete(QuestionRevision)
        .where(QuestionRevision.question_id == question.id)
        .execution_options(synchronize_session=False)
    )
