"""A member's home page, the public statistics, and the figures on a profile page."""

from datetime import timedelta

from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching.models import MatchRequest, RequestStatus
from join4atmp.questions import services as questions
from join4atmp.webinars import registrations

from helpers import login, make_user, make_webinar


def _request(question, expert, status=RequestStatus.INVITED, **times):
    now = utcnow()
    request = MatchRequest(
        question=question,
        profile_id=expert.profile.id,
        rank=1,
        score=0.7,
        status=status,
        invited_at=times.get("invited_at", now),
        deadline=times.get("deadline", now + timedelta(days=7)),
        responded_at=times.get("responded_at"),
        answered_at=times.get("answered_at"),
        explanation=[],
    )
    db.session.add(request)
    db.session.commit()
    return request


def test_a_member_home_shows_their_own_work_and_nobody_elses(app, client):
    asker = make_user("asker@sme.example", display_name="Sara Asker")
    expert = make_user("expert@pei.example", display_name="Dr Expert", role="clinician")
    other = make_user("other@uni.example", display_name="Otto Other")
    mine = questions.create_question(asker, "Potency assay for our CAR-T product", "Details.", ["car-t"])
    questions.post_answer(mine, expert, "Start with a cytotoxicity assay and justify it.")
    secret = questions.create_question(
        asker, "Supplier change for our lentiviral vector", "Trade secrets.", visibility="confidential"
    )
    _request(secret, expert, deadline=utcnow() + timedelta(days=3))
    webinar = make_webinar(title="Hospital exemption in practice")
    registrations.register_for_webinar(asker, webinar, 1, None)
    login(client, "asker@sme.example")

    page = client.get("/").data.decode()
    assert "Welcome, Sara Asker" in page and 'href="/ask"' in page
    assert "Potency assay for our CAR-T product" in page and "1 answer waiting for you" in page
    assert "Supplier change for our lentiviral vector" in page and "1 expert asked" in page
    assert "Hospital exemption in practice" in page
    assert "Advanced therapies reach patients faster" not in page  # the anonymous landing page

    client.post("/logout")
    login(client, "expert@pei.example")
    page = client.get("/").data.decode()
    assert "Accept or decline: a confidential question" in page and "respond by" in page
    assert "Supplier change" not in page  # the title stays hidden until the expert accepts

    client.post("/logout")
    login(client, other.email)
    page = client.get("/").data.decode()
    for theirs in ("Potency assay", "Supplier change", "Hospital exemption in practice", "Accept or decline"):
        assert theirs not in page
    assert "You have not asked a question yet." in page

    client.post("/logout")
    assert "Advanced therapies reach patients faster" in client.get("/").data.decode()


def test_news_about_a_question_reads_in_the_language_the_reader_uses_now(app, client):
    asker = make_user("asker@sme.example", display_name="Sara Asker")  # no language chosen: news is sent in English
    expert = make_user("expert@pei.example", display_name="Dr Expert", role="clinician")
    mine = questions.create_question(asker, "Potency assay for our CAR-T product", "Details.", ["car-t"])
    questions.post_answer(mine, expert, "Start with a cytotoxicity assay and justify it.")
    login(client, "asker@sme.example")
    assert "New answer to “Potency assay for our CAR-T product”" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "fr"})
    assert "Nouvelle réponse à « Potency assay for our CAR-T product »" in client.get("/").get_data(as_text=True)


def test_a_new_member_is_led_to_complete_their_profile_and_told_why(app, client):
    make_user("new@hosp.example", role="clinician", expertise="", topics=[], languages=[], organisation="")
    login(client, "new@hosp.example")
    page = client.get("/").data.decode()
    assert "Complete your profile" in page
    for step in ("expertise", "topics", "languages", "organisation"):
        assert f'data-step="{step}"' in page
    assert "matching reads it first" in page
    assert 'data-step="country"' not in page  # make_user gave a country

    client.post(
        "/profile",
        data={
            "display_name": "Dr New",
            "organisation": "St James's Hospital",
            "country": "IE",
            "expertise": "Autologous chondrocyte implantation.",
            "topics": ["tissue-engineering"],
            "languages": ["en"],
            "accepting_requests": "y",
            "max_open_requests": 3,
            "is_listed": "y",
        },
    )
    page = client.get("/").data.decode()
    assert "Complete your profile" not in page and 'data-step="expertise"' not in page


def test_response_times_on_the_profile_and_the_public_statistics_page(app, client):
    asker = make_user("asker@sme.example")
    expert = make_user("expert@pei.example", display_name="Dr Fast", role="clinician")
    start = utcnow() - timedelta(days=20)
    for n, status in enumerate([RequestStatus.ANSWERED, RequestStatus.ANSWERED, RequestStatus.DECLINED]):
        question = questions.create_question(asker, f"Question number {n} for an expert", "Details.")
        answered = status == RequestStatus.ANSWERED
        _request(
            question,
            expert,
            status,
            invited_at=start,
            responded_at=start + timedelta(hours=2 + 2 * n),  # accepted after 2 and 4 hours: median 3
            answered_at=start + timedelta(days=3 + n) if answered else None,  # answered 3 and 4 days after
        )
    page = client.get(f"/experts/{expert.profile.id}").data.decode()
    assert "Median time to accept a request</dt><dd>3 hours" in page
    assert "Median time from accepting to answering</dt><dd>3 days" in page  # 70 h and 92 h: median 81 h
    assert "67% (2 of 3 settled requests)" in page

    page = client.get("/statistics").data.decode()
    assert "From 3 requests sent to experts." in page and "67% (2 of 3 settled requests)" in page
    assert "Questions asked</dt><dd>3" in page
    assert "Dr Fast" not in page and "Question number" not in page  # figures only

    quiet = make_user("quiet@uni.example", display_name="Dr Quiet")
    assert "Median time to accept" not in client.get(f"/experts/{quiet.profile.id}").data.decode()
