"""Q&A threads: reading rules, confidential questions everywhere, answers, acceptance as evidence,
votes, revisions, flags and moderation, notifications and digests, browsing, the API, and Markdown."""

from html.parser import HTMLParser

import pytest

from join4atmp.core.audit import AuditEvent
from join4atmp.extensions import db
from join4atmp.matching import indexing
from join4atmp.matching.models import MatchRequest, RequestStatus
from join4atmp.matching.services import MatchQuery, find_experts
from join4atmp.notifications.models import Notification
from join4atmp.questions import services, watching
from join4atmp.questions.models import Question

from helpers import login, make_user, outbox

SECRET = "Our proprietary XQ-17 capsid shows liver tropism"


@pytest.fixture
def people(app, model):
    people = {
        "asker": make_user("asker@sme.example", organisation="SME Bio", expertise="Developer of AAV products."),
        "expert": make_user(
            "expert@pei.example",
            role="regulator",
            verified=True,
            organisation="PEI",
            expertise="Quality of viral vectors.",
        ),
        "outsider": make_user("outsider@far.example", organisation="Far", expertise="Patient advocacy."),
        "moderator": make_user("mod@platform.example", organisation="Platform", expertise="Moderation."),
    }
    people["moderator"].is_moderator_flag = True
    db.session.commit()
    indexing.reindex_all()
    return people


def _public(asker, title="Which potency assay for a CAR-T product at phase I?", body="We use flow cytometry."):
    return services.create_question(asker, title, body, ["potency-assays"], "public")


def _confidential(people):
    question = services.create_question(
        people["asker"], "Capsid tropism question for our vector", SECRET, ["gene-therapy"], "confidential"
    )
    db.session.add(
        MatchRequest(
            question=question,
            profile_id=people["expert"].profile.id,
            rank=1,
            score=1,
            status=RequestStatus.ACCEPTED,
            deadline=db.func.now(),
        )
    )
    db.session.commit()
    return question


def test_confidential_questions_stay_out_of_every_public_place(app, people, client):
    question = _confidential(people)
    services.post_answer(question, people["expert"], f"About {SECRET}: run a biodistribution study.")
    answer = question.answers[0]
    services.accept_answer(question, answer, people["asker"])
    outsider = app.test_client()
    login(outsider, "outsider@far.example")
    for who in (client, outsider):
        assert who.get(f"/questions/{question.id}").status_code == 404
        assert who.get(f"/api/v1/questions/{question.id}").status_code == 404
        for path in (
            "/questions",
            "/questions?q=XQ-17",
            "/questions?q=capsid+liver+tropism&mode=meaning",
            "/questions/similar?q=capsid+liver+tropism+of+our+vector",
            "/api/v1/questions",
            "/api/v1/questions?q=XQ-17",
        ):
            text = who.get(path).get_data(as_text=True)  # the search box echoes the query itself
            assert "proprietary" not in text and "Capsid tropism question" not in text, path
    # Its accepted answer never becomes evidence shown to other askers.
    evidence = find_experts(MatchQuery(text="capsid liver tropism biodistribution", k=5), people["outsider"])
    assert all("XQ-17" not in str(m.evidence) for m in evidence)
    # Nobody outside the thread was emailed about it.
    recipients = {m.recipient for m in outbox() if "Capsid" in m.subject + m.body_text or "XQ-17" in m.body_text}
    assert recipients <= {"asker@sme.example", "expert@pei.example"}
    # Those inside read it; so do moderators.
    for email in ("asker@sme.example", "expert@pei.example", "mod@platform.example"):
        reader = app.test_client()
        login(reader, email)
        assert SECRET in reader.get(f"/questions/{question.id}").get_data(as_text=True)


def test_an_accepted_answer_becomes_the_answerers_evidence(app, people):
    question = _public(
        people["asker"],
        "How long should long-term follow-up last after gene therapy?",
        "Integrating vector, rare disease.",
    )
    services.post_answer(
        question,
        people["outsider"],
        "Fifteen years of long-term follow-up for integrating vectors, with registry data.",
    )
    query = MatchQuery(text="duration of long-term follow-up after an integrating gene therapy", k=5)
    before = {m.profile.user.email: m for m in find_experts(query)}
    assert "fifteen years" not in str(before.get("outsider@far.example", "")).lower()
    services.accept_answer(question, question.answers[0], people["asker"])
    after = {m.profile.user.email: m for m in find_experts(query)}
    assert after["outsider@far.example"].score > before.get("outsider@far.example").score
    sources = [item["source"] for item in after["outsider@far.example"].evidence]
    assert sources == ["answer"]
    assert [m.recipient for m in outbox("notification") if "accepted" in m.subject] == ["outsider@far.example"]


def test_an_answers_evidence_reads_as_the_page_shows_it_without_markdown_marks(app, people):
    question = _public(people["asker"], "How long should long-term follow-up last after gene therapy?", "AAV.")
    services.post_answer(question, people["outsider"], "Follow-up lasts **five years** for `AAV` vectors.")
    services.accept_answer(question, question.answers[0], people["asker"])
    [match] = [
        m
        for m in find_experts(MatchQuery(text="how long is follow-up after AAV gene therapy", k=5))
        if m.profile.user.email == "outsider@far.example"
    ]
    [item] = match.evidence
    assert [s["text"] for s in item["segments"]] == ["Follow-up lasts five years for AAV vectors."]


def test_an_answer_opening_with_markdown_marks_is_evidence_in_its_own_words(app, people, client):
    """A title without a question mark, then bold and a list: no sentence break for the splitter between the
    title and the answer. The evidence still shows the answer's words, never the title (and the page opens)."""
    title = "Potency assay requirements for an AAV gene therapy before first-in-human trial"
    question = _public(people["asker"], title, "Phase I next year.")
    services.post_answer(
        question,
        people["outsider"],
        "**Short answer:** a surrogate potency assay is acceptable in phase I if it is justified.\r\n\r\n"
        "- Measure transgene expression in a relevant cell line\r\n- Plan a functional assay before pivotal trials",
    )
    services.accept_answer(question, question.answers[0], people["asker"])
    text = "Is a surrogate potency assay acceptable for an AAV gene therapy in a first-in-human trial?"
    [match] = [m for m in find_experts(MatchQuery(text=text, k=5)) if m.profile.user.email == "outsider@far.example"]
    [item] = match.evidence
    shown = " ".join(segment["text"] for segment in item["segments"])
    assert shown.startswith("Short answer: a surrogate potency assay is acceptable in phase I"), shown
    assert title not in shown and any(segment["match"] for segment in item["segments"])
    login(client, "asker@sme.example")
    asked = services.create_question(people["asker"], "Surrogate potency assay in phase I", text, [], "public")
    page = client.get(f"/questions/{asked.id}/experts")
    assert page.status_code == 200 and "Short answer" in page.get_data(as_text=True)


def test_answers_are_ordered_accepted_then_helpful_then_oldest(app, people, client):
    question = _public(people["asker"])
    services.post_answer(question, people["expert"], "First answer, oldest.")
    services.post_answer(question, people["outsider"], "Second answer, helpful.")
    services.post_answer(question, people["moderator"], "Third answer, accepted.")
    first, second, third = question.answers
    services.vote_helpful(second, people["asker"])
    services.vote_helpful(second, people["asker"])  # once per reader
    with pytest.raises(Exception):
        services.vote_helpful(second, people["outsider"])  # not on your own answer
    services.accept_answer(question, third, people["asker"])
    assert [a.body for a in services.ordered_answers(question, None)] == [
        "Third answer, accepted.",
        "Second answer, helpful.",
        "First answer, oldest.",
    ]
    assert second.helpful_count == 1
    services.accept_answer(question, first, people["asker"])  # the asker may change their mind
    assert [a.is_accepted for a in (first, second, third)] == [True, False, False]
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert page.index("First answer") < page.index("Second answer") < page.index("Third answer")


def test_only_the_asker_accepts_and_only_members_vote(app, people):
    question = _public(people["asker"])
    services.post_answer(question, people["expert"], "An answer.")
    answer = question.answers[0]
    other = app.test_client()
    login(other, "outsider@far.example")
    assert other.post(f"/questions/{question.id}/answers/{answer.id}/accept").status_code == 403
    assert app.test_client().post(f"/questions/{question.id}/answers/{answer.id}/helpful").status_code == 302
    db.session.refresh(answer)
    assert not answer.is_accepted and answer.helpful_count == 0


def test_edits_keep_revisions_for_the_author_and_moderators(app, people):
    question = _public(people["asker"])
    asker = app.test_client()
    login(asker, "asker@sme.example")
    assert (
        asker.post(
            f"/questions/{question.id}/edit",
            data={
                "title": "Which potency assay for CAR-T, revised",
                "body": "Now with a cytotoxicity assay.",
                "topics": ["potency-assays"],
            },
        ).status_code
        == 302
    )
    history = asker.get(f"/questions/{question.id}/revisions").get_data(as_text=True)
    assert "We use flow cytometry." in history
    outsider = app.test_client()
    login(outsider, "outsider@far.example")
    assert outsider.get(f"/questions/{question.id}/revisions").status_code == 403
    assert outsider.post(f"/questions/{question.id}/edit", data={"title": "Vandalised title here"}).status_code == 403
    moderator = app.test_client()
    login(moderator, "mod@platform.example")
    assert "We use flow cytometry." in moderator.get(f"/questions/{question.id}/revisions").get_data(as_text=True)


def test_flags_reach_the_queue_and_moderators_hide_and_restore_with_a_reason(app, people, client):
    question = _public(people["asker"])
    services.post_answer(question, people["outsider"], "Buy cheap pills here.")
    answer = question.answers[0]
    reporter = app.test_client()
    login(reporter, "expert@pei.example")
    reporter.post(f"/questions/{question.id}/answers/{answer.id}/flag", data={"reason": "Spam"})
    assert reporter.get("/moderation").status_code == 403
    moderator = app.test_client()
    login(moderator, "mod@platform.example")
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Spam" in queue and "Buy cheap pills" in queue
    assert moderator.post(f"/moderation/answers/{answer.id}/hide", data={"reason": ""}).status_code == 302
    assert db.session.get(type(answer), answer.id).hidden_at is None  # a reason is required
    moderator.post(f"/moderation/answers/{answer.id}/hide", data={"reason": "Advertising"})
    assert "Buy cheap pills" not in client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert "No open flags" in moderator.get("/moderation").get_data(as_text=True)
    author = app.test_client()
    login(author, "outsider@far.example")
    assert "Hidden by a moderator: Advertising" in author.get(f"/questions/{question.id}").get_data(as_text=True)
    moderator.post(f"/moderation/answers/{answer.id}/restore", data={"reason": "Appeal accepted"})
    assert "Buy cheap pills" in client.get(f"/questions/{question.id}").get_data(as_text=True)
    actions = [
        e.action
        for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        if e.action.startswith("answer.")
    ]
    assert actions == ["answer.hide", "answer.restore"]
    moderator.post(f"/moderation/questions/{question.id}/hide", data={"reason": "Off topic"})
    assert client.get(f"/questions/{question.id}").status_code == 404
    assert client.get("/api/v1/questions").json["total"] == 0


def test_reporting_a_post_again_adds_to_the_open_flag_instead_of_a_second_one(app, people):
    from join4atmp.questions.models import Flag

    question = _public(people["asker"])
    services.post_answer(question, people["outsider"], "Buy cheap pills here.")
    answer = question.answers[0]
    reporter = app.test_client()
    login(reporter, "expert@pei.example")
    for reason in ("Spam", "Spam", "Links to a pharmacy"):
        reporter.post(f"/questions/{question.id}/answers/{answer.id}/flag", data={"reason": reason})
    reporter.post(f"/questions/{question.id}/flag", data={"reason": "Off topic"})  # the question is another post
    flags = db.session.scalars(db.select(Flag).order_by(Flag.id)).all()
    assert [(f.answer_id, f.question_id, f.reason) for f in flags] == [
        (answer.id, None, "Spam\n\nLinks to a pharmacy"),
        (None, question.id, "Off topic"),
    ]
    services.set_hidden(people["moderator"], answer, False, "Nothing wrong")  # resolves the open flag
    reporter.post(f"/questions/{question.id}/answers/{answer.id}/flag", data={"reason": "Spam again"})
    assert db.session.scalar(db.select(db.func.count(Flag.id)).where(Flag.answer_id == answer.id)) == 2


def test_new_answers_notify_the_asker_and_watchers_but_not_the_author(app, people):
    question = _public(people["asker"])
    watching.watch(question, people["moderator"], True)
    services.post_answer(question, people["expert"], "An answer.")
    assert sorted(m.recipient for m in outbox("notification")) == ["asker@sme.example", "mod@platform.example"]


def test_digests_gather_notifications_and_are_never_sent_twice(app, people, runner):
    people["asker"].notification_mode = "digest"
    db.session.commit()
    question = _public(people["asker"])
    services.post_answer(question, people["expert"], "One.")
    services.post_answer(question, people["outsider"], "Two.")
    assert [m.recipient for m in outbox("notification")] == ["expert@pei.example"]  # a watcher, emailed at once
    assert "1 digests sent" in runner.invoke(args=["notifications", "digest"]).output
    assert "0 digests sent" in runner.invoke(args=["notifications", "digest"]).output
    [digest] = outbox("digest")
    assert digest.recipient == "asker@sme.example" and digest.body_text.count("New answer to") == 2
    services.post_answer(question, people["moderator"], "Three.")
    runner.invoke(args=["notifications", "digest"])
    assert len(outbox("digest")) == 2 and outbox("digest")[1].body_text.count("New answer to") == 1


def test_a_digest_reads_in_the_language_its_member_chose_after_the_news(app, people, runner):
    asker = people["asker"]
    asker.notification_mode = "digest"
    db.session.commit()
    question = _public(asker)
    services.post_answer(question, people["expert"], "One.")  # made while the asker reads English
    asker.locale = "fr"
    db.session.commit()
    runner.invoke(args=["notifications", "digest"])
    [digest] = outbox("digest")
    assert f"Nouvelle réponse à « {question.title} »" in digest.body_text and "New answer" not in digest.body_text


def test_a_member_who_lost_access_is_sent_no_title_and_stops_watching(app, people, runner):
    """Issue 13, item 3: a moderator watched a confidential question, lost the duty, and still got
    "New answer to “…title…”" (immediately, and in the digest)."""
    question = _confidential(people)
    moderator = people["moderator"]
    watching.watch(question, moderator, True)
    moderator.notification_mode = "digest"
    db.session.commit()
    services.post_answer(question, people["expert"], "First answer.")  # while a moderator: kept for the digest
    assert db.session.scalars(db.select(Notification).where(Notification.user_id == moderator.id)).all()
    moderator.is_moderator_flag = False  # the duty is taken back before the digest goes
    db.session.commit()
    runner.invoke(args=["notifications", "digest"])
    assert not [m for m in outbox("digest") if m.recipient == moderator.email]
    assert not db.session.scalars(db.select(Notification).where(Notification.user_id == moderator.id)).all()
    moderator.notification_mode = "immediate"
    db.session.commit()
    services.post_answer(question, people["expert"], "Second answer.")
    assert moderator.email not in [m.recipient for m in outbox()]
    assert all(w.user_id != moderator.id for w in question.watchers)  # the watch ended with the access


def test_a_busy_thread_emails_each_watcher_once_then_gathers_the_rest(app, people):
    """Issue 13, item 10: forty answers in a row each emailed the asker, and every answerer watched."""
    from datetime import timedelta

    from freezegun import freeze_time

    from join4atmp.core.time import utcnow
    from join4atmp.notifications import services as notifications

    question = _public(people["asker"])
    start = utcnow()
    with freeze_time(start) as clock:
        for number in range(6):
            author = people["expert"] if number % 2 else people["outsider"]
            services.post_answer(question, author, f"Answer number {number}.")
            clock.tick(60)
        to_asker = [m for m in outbox() if m.recipient == "asker@sme.example"]
        assert len(to_asker) == 1  # the first answer, at once
        assert notifications.send_held() == 0  # within the hour: still gathering
        clock.tick(timedelta(hours=1))
        notifications.send_held()
    gathered = [m for m in outbox("digest") if m.recipient == "asker@sme.example"]
    assert len(gathered) == 1 and gathered[0].body_text.count("New answer to") == 5
    assert len([m for m in outbox() if m.recipient == "expert@pei.example"]) <= 2


def test_answers_are_limited_per_member(app, people, client):
    app.config["ABUSE_LIMITS"] = {**app.config["ABUSE_LIMITS"], "answer": {"user": (3, 3600), "ip": (100, 3600)}}
    question = _public(people["asker"])
    login(client, "outsider@far.example")
    answers = [
        client.post(f"/api/v1/questions/{question.id}/answers", json={"body": f"Answer {n}."}).status_code
        for n in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    # a deployment that sets limits for some actions only keeps the defaults of the others
    app.config["ABUSE_LIMITS"] = {"question": {"user": (5, 3600), "ip": (50, 3600)}}
    assert client.post(f"/api/v1/questions/{question.id}/answers", json={"body": "One more."}).status_code == 201


def test_the_preference_is_set_on_the_account_page(app, people, client):
    login(client, "asker@sme.example")
    assert client.post("/account/notifications", data={"notification_mode": "digest"}).status_code == 302
    db.session.refresh(people["asker"])
    assert people["asker"].notification_mode == "digest"
    assert client.post("/account/notifications", data={"notification_mode": "hourly"}).status_code == 400


def test_a_confidential_asker_publishes_an_anonymised_summary(app, people):
    question = _confidential(people)
    asker = app.test_client()
    login(asker, "asker@sme.example")
    response = asker.post(
        f"/questions/{question.id}/summary",
        data={
            "title": "Capsid tropism: what non-clinical data do regulators expect?",
            "body": "A general version of our question.",
            "topics": ["non-clinical"],
        },
    )
    assert response.status_code == 302
    summary = db.session.scalars(db.select(Question).where(Question.is_summary.is_(True))).one()
    assert not summary.is_confidential and db.session.get(Question, question.id).is_confidential
    assert SECRET not in app.test_client().get(response.headers["Location"]).get_data(as_text=True)
    expert = app.test_client()
    login(expert, "expert@pei.example")
    assert expert.get(f"/questions/{question.id}/summary").status_code == 403


def test_browse_filters_and_anonymous_reading(app, people, client):
    answered = _public(people["asker"])
    services.post_answer(answered, people["expert"], "Regulator's view.")
    open_one = services.create_question(
        people["asker"], "Hospital exemption for a cartilage product in Spain?", "", ["hospital-exemption"], "public"
    )
    assert client.get("/api/v1/questions?answered=yes").json["total"] == 1
    assert client.get("/api/v1/questions?answered=no").json["items"][0]["id"] == open_one.id
    assert client.get("/api/v1/questions?answered_by=regulator").json["items"][0]["id"] == answered.id
    assert client.get("/api/v1/questions?answered_by=clinician").json["total"] == 0
    assert client.get("/api/v1/questions?topic=hospital-exemption").json["total"] == 1
    page = client.get("/questions?q=cartilage").get_data(as_text=True)
    assert "Hospital exemption for a cartilage" in page and "potency assay" not in page
    meaning = client.get("/questions?q=measuring+the+strength+of+CAR-T+cells&mode=meaning").get_data(as_text=True)
    assert "potency assay" in meaning
    assert client.get("/questions?answered=maybe").status_code == 400
    assert client.get("/api/v1/questions?answered=maybe").status_code == 400
    assert "Personal expert view" in client.get(f"/questions/{answered.id}").get_data(as_text=True)


def test_similar_questions_are_public_and_answered(app, people, client):
    answered = _public(people["asker"])
    services.post_answer(answered, people["expert"], "Use a cytotoxicity assay.")
    _public(people["asker"], "Which potency assay for our CAR-T product at phase I, again?")  # unanswered
    items = client.get("/questions/similar?q=potency+assay+for+CAR-T+cells").json["items"]
    assert [i["id"] for i in items] == [answered.id]
    assert client.get("/questions/similar?q=").json["items"] == []


def test_the_api_creates_questions_and_answers(app, people):
    from join4atmp.accounts.tokens import create_api_token

    _, token = create_api_token(people["asker"], "t")
    _, expert_token = create_api_token(people["outsider"], "t")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/questions",
        json={"title": "How to plan a PRIME application?", "body": "x", "topics": ["prime"]},
        headers=auth,
    )
    assert created.status_code == 201
    qid = created.json["id"]
    assert client.post("/api/v1/questions", json={"title": "short"}, headers=auth).status_code == 400
    assert (
        client.post(
            "/api/v1/questions", json={"title": "How to plan a PRIME application?", "topics": ["nope"]}, headers=auth
        ).status_code
        == 400
    )
    assert client.post("/api/v1/questions", json={"title": "x" * 20}).status_code == 401
    answer = client.post(
        f"/api/v1/questions/{qid}/answers",
        json={"body": "Talk to EMA early."},
        headers={"Authorization": f"Bearer {expert_token}"},
    )
    assert answer.status_code == 201 and answer.json["author"]["role"] == "developer"
    assert client.get(f"/api/v1/questions/{qid}").json["answers"][0]["body"] == "Talk to EMA early."
    secret = client.post(
        "/api/v1/questions", json={"title": "A confidential one here", "visibility": "confidential"}, headers=auth
    ).json["id"]
    assert client.get(f"/api/v1/questions/{secret}").status_code == 404
    assert (
        client.post(
            f"/api/v1/questions/{secret}/answers",
            json={"body": "hi"},
            headers={"Authorization": f"Bearer {expert_token}"},
        ).status_code
        == 404
    )


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
    '"><script>alert(1)</script>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
]


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from the page."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("payload", XSS)
def test_markdown_neutralises_hostile_input(app, people, client, payload):
    question = _public(people["asker"], body=payload)
    services.post_answer(question, people["expert"], payload)
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    parser = _Tags()
    parser.feed(page.split('<main id="main"', 1)[1])
    for tag, attrs in parser.tags:
        assert (
            tag not in {"script", "iframe", "svg", "style", "object", "embed", "details"}
            or (tag == "details" and not any(k.startswith("on") for k in attrs))
            or (tag == "script" and attrs.get("src", "").startswith("/static/"))
        ), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_links_in_posts_get_nofollow_noopener(app, people, client):
    question = _public(people["asker"], body="See [the guideline](https://www.ema.europa.eu/x).")
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert 'href="https://www.ema.europa.eu/x"' in page and 'rel="nofollow noopener noreferrer"' in page
