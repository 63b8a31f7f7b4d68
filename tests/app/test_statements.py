"""Pages issue a number of SQL statements that does not grow with what they show: each page is counted, the
data behind it is grown (more experts, questions, answers, votes, webinars, registrations, sessions, tokens,
audit events, outbox messages, and more of them on the very objects the detail pages show), and the page is
counted again. A list that loads its rows' relations one by one fails here."""

import pytest
from sqlalchemy import event

from join4atmp.accounts.sessions import start_session
from join4atmp.accounts.tokens import create_api_token
from join4atmp.core import audit, consent
from join4atmp.extensions import db
from join4atmp.profiles import services as profiles
from join4atmp.questions import services as questions
from join4atmp.webinars import questions as webinar_questions
from join4atmp.webinars.registrations import register_for_webinar

from helpers import login, make_organiser, make_user, make_webinar


class Counter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1

    def of(self, client, path) -> int:
        client.get(path)  # once before counting: a first view may set up what later views reuse
        self.count = 0
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return self.count


class World:
    """A developer asking, experts answering, an organiser's webinars, an admin: grown by ``grow(n)``."""

    def __init__(self):
        self.admin = make_user("admin@join4atmp.example", role="admin")
        self.developer = make_user("dev@uni.example", display_name="Dana Developer")
        self.organiser = make_organiser()
        self.expert = self._expert(0)
        self.question = questions.create_question(
            self.developer,
            "Which potency assay for a CAR-T batch release?",
            "We need a release assay.",
            ["potency-assays"],
        )
        self.webinar = make_webinar(self.organiser, capacity=500)
        db.session.commit()
        self.grown = 0

    def _expert(self, number):
        user = make_user(
            f"expert{number}@hospital.example",
            role="clinician",
            display_name=f"Expert {number}",
            topics=["potency-assays", "car-t"],
            languages=["en", "de"],
            contact_email=f"contact{number}@hospital.example",
        )
        consent.set_consent(user, consent.PUBLIC_CONTACT, True)
        return user

    def grow(self, n):
        for number in range(self.grown + 1, self.grown + n + 1):
            expert = self._expert(number)
            profiles.add_publication(expert.profile, f"Potency assays, part {number}", "An abstract.", 2024)
            profiles.add_interest(expert.profile, f"Company {number}", "employment", is_public=number % 2 == 0)
            # more on the objects the detail pages show
            profiles.add_publication(self.expert.profile, f"Release testing {number}", "More.", 2023)
            answer = questions.post_answer(self.question, expert, f"Answer number {number} on potency.")
            questions.vote_helpful(answer, self.developer)
            other = questions.create_question(
                self.developer, f"Comparability question number {number}", "After a change.", ["potency-assays"]
            )
            questions.post_answer(other, expert, "Start from the ICH Q5E principles.")
            register_for_webinar(expert, self.webinar)
            webinar_questions.ask_question(self.webinar, expert, f"Question {number} for the speakers?")
            make_webinar(self.organiser, title=f"Webinar number {number} on hospital exemption")
            start_session(self.developer, "127.0.0.1", f"browser {number}")
            create_api_token(self.developer, f"script {number}")
            audit.record(self.admin, "test.event", expert, f"number {number}")
        db.session.commit()
        self.grown += n


PUBLIC = [
    "/",
    "/experts",
    "/experts?q=potency",
    "/questions",
    "/questions?q=comparability",
    "/webinars",
    "/webinars.ics",
    "/statistics",
    "/api/v1/experts?per_page=200",
    "/api/v1/questions?per_page=200",
]


@pytest.fixture
def world(app, model):
    app.config["DIRECTORY_PAGE_SIZE"] = 200  # everything on one page: both counts see every row
    return World()


def _pages(world):
    return {
        "visitor": [
            *PUBLIC,
            f"/experts/{world.expert.profile.id}",
            f"/questions/{world.question.id}",
            f"/api/v1/questions/{world.question.id}",
            f"/webinars/{world.webinar.id}",
        ],
        world.developer.email: [
            "/",  # the member's home: their questions, registrations, notifications
            "/account",
            "/my/questions",
            f"/questions/{world.question.id}",
            "/my/webinars",
            "/requests",
        ],
        world.expert.email: ["/", "/profile", f"/webinars/{world.webinar.id}"],
        world.organiser.email: [f"/webinars/{world.webinar.id}"],
        world.admin.email: ["/admin/", "/admin/users", "/admin/audit", "/admin/outbox", "/moderation"],
    }


def _count_all(app, world, counter) -> dict:
    counts = {}
    for who, paths in _pages(world).items():
        client = app.test_client()
        if who != "visitor":
            assert login(client, who).status_code == 302
        for path in paths:
            counts[(who, path)] = counter.of(client, path)
    return counts


def test_statements_per_page_do_not_grow_with_the_data(app, world):
    counter = Counter(db.engine)
    world.grow(2)
    before = _count_all(app, world, counter)
    world.grow(5)
    after = _count_all(app, world, counter)
    grew = {page: (before[page], after[page]) for page in before if after[page] != before[page]}
    assert not grew, f"statements per page grew with the data: {grew}"


def test_the_api_expert_list_takes_a_handful_of_statements_for_200_experts(app, world, client):
    world.grow(8)
    counter = Counter(db.engine)
    assert counter.of(client, "/api/v1/experts?per_page=200") <= 10
    assert len(client.get("/api/v1/experts?per_page=200").json["items"]) >= 9
