"""What may be written into a text field, held for pages and API alike (issue 13, items 2, 9 and 11), and
Markdown rendered when saved, not on every view."""

import pytest

from join4atmp.core import markdown
from join4atmp.core.errors import DomainError
from join4atmp.extensions import db
from join4atmp.profiles import services as profiles
from join4atmp.questions import services as questions

from helpers import login, make_user


@pytest.fixture
def asked(app, client):
    make_user("dev@uni.example")
    login(client, "dev@uni.example")
    response = client.post("/api/v1/questions", json={"title": "Potency assay for CAR-T release", "body": "Which?"})
    assert response.status_code == 201
    return response.json["id"]


def test_an_answer_of_two_million_brackets_is_refused_and_the_page_lives(app, client, asked, monkeypatch):
    huge = client.post(f"/api/v1/questions/{asked}/answers", json={"body": "[" * 1_900_000})
    assert huge.status_code in (400, 413)
    longest = client.post(f"/api/v1/questions/{asked}/answers", json={"body": "[a](" * 5000})  # 20,000: the limit
    assert longest.status_code == 201
    over = client.post(f"/api/v1/questions/{asked}/answers", json={"body": "x" * 20_001})
    assert over.status_code == 400 and over.json["error"]["field"] == "body"

    def no_rendering(*args):
        raise AssertionError("Markdown rendered while viewing")

    monkeypatch.setattr(markdown, "render_markdown", no_rendering)
    assert client.get(f"/questions/{asked}").status_code == 200  # the stored HTML is shown


def test_markdown_is_rendered_when_saved_and_again_when_edited(app):
    user = make_user("md@uni.example")
    question = questions.create_question(user, "A question with a list in it", "- one\n- **two**")
    assert question.body_html == "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n"
    question.body = "<script>alert(1)</script> [x](javascript:alert(1))"
    db.session.commit()
    assert "<script" not in question.body_html and "href" not in question.body_html


def test_single_line_fields_refuse_newlines_and_control_characters(app, client):
    user = make_user("line@uni.example")
    with pytest.raises(DomainError) as refused:
        profiles.update_profile(
            user.profile, {"country": "DE", "display_name": "Ann\n\nNOTICE: your account is closed"}
        )
    assert refused.value.field == "display_name"
    db.session.rollback()
    for title in (
        "A title\nwith a line break",
        "A title with a bell \x07 in it",
        "A title with\u2028a separator",
        "A title that reads \u202eesrever ni",  # a right-to-left override turns the rest of the line round
    ):
        with pytest.raises(DomainError):
            questions.create_question(user, title, "Body.")
        db.session.rollback()
    login(client, "line@uni.example")
    response = client.post("/api/v1/questions", json={"title": "Two\nlines in a title", "body": "Body."})
    assert response.status_code == 400 and response.json["error"]["field"] == "title"
    # multi-line fields keep their newlines and tabs
    question = questions.create_question(user, "A fine title for this", "Line one\n\tLine two")
    assert question.body == "Line one\n\tLine two"


def test_every_length_limit_holds_outside_the_forms(app):
    user = make_user("long@uni.example")
    with pytest.raises(DomainError) as refused:
        profiles.update_profile(user.profile, {"country": "DE", "expertise": "gene therapy " * 2000})
    assert refused.value.field == "expertise"
    db.session.rollback()
    with pytest.raises(DomainError):
        profiles.add_publication(user.profile, "T" * 301)


def test_a_huge_form_post_is_413_and_a_lone_surrogate_is_400(app, client):
    big = client.post("/login", data={"email": "a@b.example", "password": "x" * 3_000_000})
    assert big.status_code == 413
    user = make_user("json@uni.example")
    questions.create_question(user, "A question to answer here", "Body.")
    login(client, "json@uni.example")
    raw = b'{"title": "A title with \\ud800 in it", "body": "Body."}'
    for path in ("/api/v1/questions", "/api/v1/questions/1/answers", "/api/v1/match"):
        response = client.post(path, data=raw, content_type="application/json")
        assert response.status_code == 400, path
