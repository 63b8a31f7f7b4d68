"""The first hour of real members, in headless Chromium: an invited regulator follows the email's link, logs
in, sets up two-step login for the first time and lands back on the request, which says what the question
is about before they accept; then each role's home page."""

from email import message_from_bytes, policy
from pathlib import Path

import pyotp

from helpers import PASSWORD, make_user, needs_chromium
from helpers import browser_log_in as log_in

pytestmark = needs_chromium

SUMMARY = "A lentiviral vector supplier change for a CAR-T product, before phase II."


def _link(instance_path, kind, action):
    [eml] = sorted((Path(instance_path) / "outbox").glob(f"*{kind}.eml"))
    body = message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    return next(word for word in body.split() if f"action={action}" in word)


def _log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_an_invited_regulator_sets_up_two_step_login_and_lands_on_the_request(live_server, page, model):
    from join4atmp.core.cli import request_context_for_links
    from join4atmp.extensions import db
    from join4atmp.matching import indexing, routing
    from join4atmp.questions import services as questions

    with live_server.app_context(), request_context_for_links():
        asker = make_user("sme@nordvector.example", display_name="Erik Holm", country="SE", organisation="Nordvector")
        reviewer = make_user(
            "kv@pei.example",
            role="regulator",
            verified=True,
            two_factor=False,  # verified after registering: must set it up at the next login
            display_name="Dr Katharina Vogel",
            organisation="Paul-Ehrlich-Institut",
            expertise="Quality assessor. Lentiviral vector comparability after a change of vector supplier or site.",
        )
        indexing.reindex_all()
        question = questions.create_question(
            asker,
            "Comparability after changing our lentiviral vector supplier",
            "Our supplier **Acme Vectors** changed its process. What comparability data will PEI expect?",
            ["comparability", "car-t"],
            "confidential",
            invitee_summary=SUMMARY,
        )
        routing.send_requests(question, [reviewer.profile.id], asker)
        db.session.remove()
    base = live_server.base_url

    page.goto(_link(live_server.instance_path, "match_invitation", "accept"))
    page.get_by_label("Email").fill("kv@pei.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert "require two-step login" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Set up two-step login").click()
    secret = "".join(page.locator("#totp-secret").inner_text().split())
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step login").click()
    assert page.locator(".recovery-codes code").count() >= 8
    page.get_by_role("link", name="I have saved them: go on to the page I was going to").click()

    assert page.get_by_role("heading", name="Expert request").is_visible()
    assert page.locator(".invitee-summary").inner_text() == SUMMARY
    assert "Acme Vectors" not in page.content()  # the question itself waits for the acceptance
    assert "a developer in Sweden" in page.locator(".request-facts").inner_text()
    assert page.get_by_role("heading", name="Why you were chosen").is_visible()
    assert "comparability" in page.locator(".evidence mark").first.inner_text().lower()
    page.get_by_role("button", name="Accept").click()
    assert "Acme Vectors" in page.locator(".prose-md").first.inner_text()

    page.goto(base + "/")
    assert page.get_by_role("heading", name="Welcome, Dr Katharina Vogel").is_visible()
    assert "Comparability after changing" in page.locator("#requests-heading + ul").inner_text()
    _log_out(page)

    log_in(page, base, "sme@nordvector.example")
    assert page.get_by_role("heading", name="Welcome, Erik Holm").is_visible()
    assert "1 expert asked" in page.locator("#questions-heading + ul").inner_text()
    assert page.get_by_role("link", name="Ask experts a question").is_visible()


def test_each_role_has_a_home_of_its_own(live_server, page):
    from join4atmp.extensions import db

    people = {
        "developer": ("dev@uni.example", "Dana Developer"),
        "clinician": ("doc@hosp.example", "Dr Clara Clinician"),
        "patient_org": ("po@patients.example", "Patients Together"),
        "regulator": ("reg@ansm.example", "Dr Rémi Regulator"),
        "admin": ("admin@join4atmp.example", "Ada Admin"),
    }
    with live_server.app_context():
        for role, (email, name) in people.items():
            make_user(email, role=role, verified=role == "regulator", display_name=name)
        make_user("fresh@uni.example", display_name="Fresh Member", expertise="", topics=[], organisation="")
        db.session.remove()
    base = live_server.base_url

    for role, (email, name) in people.items():
        log_in(page, base, email)
        page.goto(base + "/")
        assert page.get_by_role("heading", name=f"Welcome, {name}").is_visible(), role
        for heading in ("Requests for you", "Your questions", "Your webinars", "Latest news for you"):
            assert page.get_by_role("heading", name=heading).is_visible(), (role, heading)
        assert not page.get_by_role("heading", name="Complete your profile").is_visible(), role
        _log_out(page)

    log_in(page, base, "fresh@uni.example")
    assert page.get_by_role("heading", name="Complete your profile").is_visible()
    page.get_by_role("link", name="Complete my profile").click()
    assert page.get_by_label("Expertise statement").is_visible()
