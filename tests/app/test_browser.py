"""A person, in real headless Chromium: registers, confirms from the outbox, logs in, edits the profile."""

from email import message_from_bytes, policy
from pathlib import Path

from helpers import browser_log_in as _log_in
from helpers import needs_chromium

pytestmark = needs_chromium


def confirmation_link(instance_path):
    [eml] = sorted((Path(instance_path) / "outbox").glob("*confirm_email.eml"))
    body = message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    return next(word for word in body.split() if "/confirm/" in word)


def test_register_confirm_login_and_edit_profile(live_server, page):
    base = live_server.base_url
    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill("Dr Aoife Byrne")
    page.get_by_label("Email").fill("aoife@tcd.example")
    page.get_by_label("Clinician").check()
    page.get_by_label("Password", exact=True).fill("cartilage and bone 2026")
    page.get_by_label("Password again").fill("cartilage and bone 2026")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    page.goto(confirmation_link(live_server.instance_path))
    assert "confirmed" in page.locator(".flashes").inner_text()

    page.get_by_label("Email").fill("aoife@tcd.example")
    page.get_by_label("Password").fill("cartilage and bone 2026")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My profile", exact=True).click()

    page.get_by_label("Organisation", exact=True).fill("St James's Hospital")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Specialty").fill("Orthopaedics")
    page.get_by_label("Expertise statement").fill(
        "Clinical lead for autologous chondrocyte implantation; trial design for cartilage repair products."
    )
    page.get_by_label("Tissue engineering").check()
    page.get_by_label("Irish", exact=True).check()
    page.get_by_role("button", name="Save profile").click()
    assert "saved" in page.locator(".flashes").inner_text()

    page.get_by_role("link", name="Experts").first.click()
    page.get_by_label("Country").select_option("IE")
    page.get_by_role("button", name="Filter").click()
    card = page.locator(".card", has_text="Dr Aoife Byrne")
    assert card.is_visible() and "Orthopaedics" not in card.inner_text()
    card.get_by_role("link", name="Dr Aoife Byrne").click()
    assert page.get_by_role("heading", name="Dr Aoife Byrne").is_visible()
    assert "Orthopaedics" in page.locator(".facts").inner_text()

    # Keyboard users reach the content first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"


def test_ask_choose_experts_accept_and_answer(live_server, page, model):
    from join4atmp.extensions import db
    from join4atmp.matching import indexing

    from helpers import PASSWORD, make_user

    with live_server.app_context():
        make_user(
            "kv@pei.example",
            role="regulator",
            verified=True,
            display_name="Dr Katharina Vogel",
            organisation="Paul-Ehrlich-Institut",
            expertise=("Quality assessor. Lentiviral vector comparability after a change of vector supplier or site."),
        )
        make_user(
            "ml@hosp.example",
            role="clinician",
            display_name="Dr Marco Lenzi",
            organisation="Hospital",
            expertise="Knee cartilage repair with autologous chondrocyte implants.",
        )
        make_user(
            "sme@nordvector.example",
            display_name="Erik Holm",
            organisation="Nordvector",
            expertise="CAR-T developer at an SME.",
        )
        indexing.reindex_all()
        db.session.remove()
    base = live_server.base_url

    _log_in(page, base, "sme@nordvector.example", PASSWORD)
    page.get_by_role("link", name="Ask experts", exact=True).click()
    # While the experts are being found, the form says so and a second click sends nothing (a listener added
    # after the page's own keeps this page from being sent, to look at it; counted are the sends let through).
    page.evaluate(
        "window.sent = 0; document.querySelector('form[data-busy]').addEventListener('submit', event => {"
        " if (!event.defaultPrevented) { window.sent += 1; } event.preventDefault(); })"
    )
    page.get_by_role("button", name="Find experts").click()
    status = page.locator("form [role=status]")
    assert "Finding the experts best placed to answer" in status.inner_text() and status.is_visible()
    page.get_by_role("button", name="Find experts").click()
    assert page.evaluate("window.sent") == 1 and page.locator("form[aria-busy=true]").count() == 1
    page.reload()
    page.get_by_label("Your question in one line").fill("Comparability after a lentiviral vector supplier change")
    page.get_by_label("Details").fill("We changed the vector supplier after phase I. What data will be expected?")
    page.get_by_label("Confidential: only me").check()
    page.get_by_role("button", name="Find experts").click()
    assert "Write a short summary for the invited experts" in page.locator(".errors").first.inner_text()
    page.get_by_label("Summary for the invited experts").fill("A vector supplier change before phase II.")
    page.get_by_role("button", name="Find experts").click()

    first = page.locator(".match").first
    assert "Dr Katharina Vogel" in first.inner_text()
    assert "comparability" in first.locator("mark").first.inner_text().lower()
    page.get_by_label("Dr Marco Lenzi").uncheck()
    page.get_by_role("button", name="Send requests").click()
    assert "sent" in page.locator(".flashes").inner_text()
    assert "invited" in page.locator("table").inner_text()
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base, "kv@pei.example", PASSWORD)
    page.get_by_role("link", name="Requests for me", exact=True).click()
    page.get_by_role("link", name="Confidential question").click()
    assert "confidential" in page.locator(".notice").inner_text()
    assert page.locator(".invitee-summary").inner_text() == "A vector supplier change before phase II."
    assert "comparability" in page.locator(".evidence mark").first.inner_text().lower()  # why they were chosen
    page.get_by_role("button", name="Accept").click()
    page.get_by_label("Your answer").fill("Plan an extended analytical comparability exercise.")
    page.get_by_role("button", name="Post answer").click()
    answer = page.locator(".answer").first
    assert "Personal expert view, not formal regulatory advice." in answer.inner_text()


def test_similar_suggestion_while_typing_then_answer_and_accept(live_server, page, model):
    from join4atmp.core.cli import request_context_for_links
    from join4atmp.extensions import db
    from join4atmp.questions import services

    from helpers import PASSWORD, make_user

    with live_server.app_context(), request_context_for_links():
        asker = make_user("asker@uni.example", display_name="Ana Asker", organisation="Uni")
        helper = make_user("helper@hosp.example", display_name="Dr Hugo Helper", role="clinician", organisation="Hosp")
        earlier = services.create_question(
            asker,
            "How long is long-term follow-up after gene therapy?",
            "For an integrating lentiviral vector.",
            ["long-term-follow-up"],
            "public",
        )
        services.post_answer(earlier, helper, "Usually fifteen years.")
        db.session.remove()
    base = live_server.base_url

    _log_in(page, base, "asker@uni.example", PASSWORD)
    page.goto(f"{base}/ask")
    page.get_by_label("Your question in one line").press_sequentially(
        "What duration of long-term follow-up is expected after gene therapy", delay=5
    )
    suggestion = page.locator("#similar-questions a", has_text="How long is long-term follow-up")
    suggestion.wait_for(timeout=10_000)
    assert page.locator("#similar-questions").is_visible()

    page.get_by_label("Details").fill("Our product uses an AAV vector, not integrating.")
    page.get_by_role("button", name="Find experts").click()
    page.get_by_role("link", name="See your question and its requests").click()
    question_url = page.url
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base, "helper@hosp.example", PASSWORD)
    page.goto(question_url)
    page.get_by_label("Your answer").fill("For AAV, **five years** is often accepted.")
    page.get_by_role("button", name="Post answer").click()
    assert page.locator(".answer strong", has_text="five years").is_visible()
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base, "asker@uni.example", PASSWORD)
    page.goto(question_url)
    page.get_by_role("button", name="Accept this answer").click()
    assert page.locator(".answer.accepted .accepted-label").is_visible()


def test_a_moderator_sets_up_two_step_login_then_logs_in_with_a_code(live_server, page):
    from join4atmp.extensions import db

    from helpers import BROWSER_SECRETS, browser_enrol, make_user

    with live_server.app_context():
        make_user("mod@platform.example", two_factor=False).is_moderator_flag = True
        db.session.commit()
        db.session.remove()
    base = live_server.base_url

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("mod@platform.example")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    assert page.url.endswith("/account/two-factor")  # required: nothing else until set up
    page.goto(f"{base}/moderation")
    assert page.url.endswith("/account/two-factor")
    assert page.get_by_role("img", name="QR code for your authenticator app").count() == 0
    codes = browser_enrol(page, "mod@platform.example")
    assert len(codes) == 10
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.url == f"{base}/account/two-factor"  # not the form's address: a reload asks for the page
    page.reload()
    assert page.get_by_role("heading", name="Your recovery codes").count() == 0  # shown once
    assert "Two-step login is on." in page.locator(".status").inner_text()
    page.get_by_role("button", name="Log out").click()

    _log_in(page, base, "mod@platform.example")  # password, then the app's code
    assert "mod@platform.example" in BROWSER_SECRETS
    page.goto(f"{base}/moderation")
    assert page.url.endswith("/moderation")
    page.get_by_role("button", name="Log out").click()

    page.goto(f"{base}/login")  # a recovery code instead of the phone
    page.get_by_label("Email").fill("mod@platform.example")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    assert "recovery code" in page.locator(".flashes").inner_text()


def test_the_api_description_reads_as_a_page_without_any_cdn(live_server, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.base_url}/static/api.html")
    heading = page.get_by_role("heading", name="POST /api/v1/match")
    heading.wait_for()
    assert page.get_by_role("table", name="JSON body").first.is_visible()
    assert page.get_by_role("link", name="GET /api/v1/experts", exact=True).is_visible()
    assert all(url.startswith(live_server.base_url) for url in requested), requested
