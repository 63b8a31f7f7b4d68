"""In real headless Chromium: register for a full webinar, wait, vote without a reload, see times in the
device's zone, cancel, and the person waiting gets the place."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from join4atmp.core.mail import OutboxMessage
from join4atmp.core.time import utcnow
from join4atmp.extensions import db

from helpers import JOIN, browser_log_in, make_organiser, make_user, make_webinar, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def browser_context_options():
    return {"locale": "en-GB", "timezone_id": "Europe/Helsinki"}


def log_in(page, base, email):
    browser_log_in(page, base, email)


def test_register_wait_cancel_and_the_waiting_person_gets_the_place(live_server, page):
    with live_server.app_context(), live_server.test_request_context("/"):
        start = (utcnow() + timedelta(days=5)).replace(hour=13, minute=0, second=0, microsecond=0)
        webinar = make_webinar(make_organiser(), capacity=1, starts_at=start, timezone="Europe/Paris")
        make_user("sabine@smafamilies.example", role="patient_org", display_name="Sabine Wolff")
        make_user("giulia@istituto.example", role="clinician", display_name="Giulia Romano")
        webinar_id = webinar.id
        db.session.remove()
    base = live_server.base_url

    # Anyone sees the times in the zone of their device once they accept the suggestion.
    page.goto(f"{base}/webinars/{webinar_id}")
    assert page.get_by_label("Show times in").input_value() == "Europe/Helsinki"
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("h1 + .meta")).to_contain_text(re.compile(r"EES?T"))

    log_in(page, base, "sabine@smafamilies.example")
    page.get_by_role("link", name="Webinars").first.click()
    page.get_by_role("link", name="Hospital exemption explained for patient organisations").click()
    page.get_by_label("Places").fill("1")
    page.get_by_role("button", name="Register").click()
    assert "You are registered" in page.locator(".flashes").inner_text()
    assert page.get_by_role("link", name="Join the webinar").get_attribute("href") == JOIN
    page.get_by_label("Your question").fill("Can hospital exemption products be used in another country?")
    page.get_by_role("button", name="Send question").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "giulia@istituto.example")
    page.goto(f"{base}/webinars/{webinar_id}")
    assert "full" in page.locator(".registration-box").inner_text()
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator(".registration-box")).to_contain_text("number 1 on the waiting list")
    assert page.get_by_role("link", name="Join the webinar").count() == 0
    draft = page.get_by_label("Your question")
    draft.fill("Half-written, not sent")  # a full page load would lose this
    vote = page.locator(".vote-form button").first
    vote.click()
    expect(page.locator(".vote-count").first).to_have_text("1")
    expect(vote).to_have_attribute("aria-pressed", "true")
    assert draft.input_value() == "Half-written, not sent"
    page.reload()
    assert page.locator(".vote-count").first.inner_text() == "1"
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "sabine@smafamilies.example")
    page.goto(f"{base}/webinars/{webinar_id}")
    page.get_by_role("link", name="Cancel my registration").click()  # asks first
    expect(page.get_by_role("button", name="Cancel my registration")).to_be_visible()
    page.get_by_role("button", name="Cancel my registration").click()
    assert "cancelled" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "giulia@istituto.example")
    page.goto(f"{base}/my/webinars")
    page.get_by_role("link", name="Hospital exemption explained for patient organisations").click()
    expect(page.locator(".registration-box")).to_contain_text("You are registered")
    expect(page.get_by_role("link", name="Join the webinar")).to_be_visible()
    with live_server.app_context():
        promoted = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "webinar_promoted")).all()
        assert [m.recipient for m in promoted] == ["giulia@istituto.example"]
        db.session.remove()
    page.get_by_role("button", name="Log out").click()

    # On a phone the organiser's list of participants scrolls in its own region, not the whole page.
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, "organiser@join4atmp.example")
    page.goto(f"{base}/webinars/{webinar_id}/manage")
    participants = page.get_by_role("region", name="Participants")
    expect(participants.get_by_role("cell", name="giulia@istituto.example")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_organiser_finds_a_speaker_by_name(live_server, page):
    with live_server.app_context(), live_server.test_request_context("/"):
        make_organiser()
        make_user("anna@uni.example", display_name="Anna Berg", organisation="Leiden University")
        make_user("bruno@uni.example", display_name="Bruno Costa", organisation="Universidade do Porto")
        db.session.remove()
    base = live_server.base_url
    log_in(page, base, "organiser@join4atmp.example")
    page.goto(f"{base}/webinars/new")
    page.get_by_label("Title").fill("Potency assays for CAR-T")
    page.get_by_label("Starts").fill("2031-01-15T14:00")
    page.get_by_label("Places", exact=True).fill("40")
    speakers = page.get_by_role("group", name="Speakers from the expert directory")
    speakers.get_by_label("Filter the list").fill("berg")
    expect(speakers.get_by_label("Bruno Costa, Universidade do Porto")).to_be_hidden()
    speakers.get_by_label("Anna Berg, Leiden University").check()
    page.get_by_role("button", name="Save webinar").click()
    expect(page.locator(".flashes")).to_be_visible()
    with live_server.app_context():
        from join4atmp.webinars.models import Webinar

        [webinar] = db.session.scalars(db.select(Webinar)).all()
        assert [p.display_name for p in webinar.speaker_experts] == ["Anna Berg"]
        db.session.remove()
