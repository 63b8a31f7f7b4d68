"""A person, in real headless Chromium: registers, confirms from the outbox, logs in, edits the profile."""
import shutil
from email import message_from_bytes, policy
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(locale="en-GB")
        yield context.new_page()
        context.close()
        browser.close()


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
    page.get_by_role("link", name="My profile").click()

    page.get_by_label("Organisation", exact=True).fill("St James's Hospital")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Specialty").fill("Orthopaedics")
    page.get_by_label("Expertise statement").fill(
        "Clinical lead for autologous chondrocyte implantation; trial design for cartilage repair products.")
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
