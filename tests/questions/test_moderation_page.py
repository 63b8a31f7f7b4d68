"""The moderation queue shows posts as their pages do (Markdown rendered and cleaned), and every action
says what it did."""

from join4atmp.extensions import db
from join4atmp.questions import services
from join4atmp.questions.models import Flag

from helpers import login, make_user, plain


def flagged(body):
    """A confidential question (no sentence model needed), flagged by its asker."""
    asker = make_user("asker@sme.example")
    question = services.create_question(asker, "Which potency assay at phase I?", body, [], "confidential")
    services.flag(asker, "Looks like spam", question=question)
    return question


def moderator(app):
    user = make_user("mod@platform.example")
    user.is_moderator_flag = True
    db.session.commit()
    client = app.test_client()
    login(client, "mod@platform.example")
    return client


def test_the_queue_renders_markdown_and_keeps_html_out(app):
    flagged("We use **flow cytometry** and <script>alert(1)</script> [a link](javascript:alert(1)).")
    page = moderator(app).get("/moderation").get_data(as_text=True)
    assert "<strong>flow cytometry</strong>" in page and "**flow" not in page
    assert "<script>alert" not in page and 'href="javascript' not in page


def test_hiding_restoring_and_dismissing_say_what_was_done(app):
    question = flagged("Buy cheap pills here.")
    client = moderator(app)

    def moderate(action, reason):
        url = f"/moderation/questions/{question.id}/{action}"
        return plain(client.post(url, data={"reason": reason, "next": "queue"}, follow_redirects=True).get_data(True))

    assert "The question is hidden." in moderate("hide", "Spam")
    page = moderate("restore", "Appeal")
    assert "The question is visible again." in page and "Done." not in page
    services.flag(question.asker, "Still spam", question=question)
    flag = db.session.scalar(db.select(Flag).where(Flag.resolved_at.is_(None)))
    dismissed = client.post(f"/moderation/flags/{flag.id}/dismiss", follow_redirects=True)
    assert "The flag is dismissed" in dismissed.get_data(as_text=True)
