"""The axe-core check of the browser tests (axe.py) finds what a person would meet: each state a test sees, and a
page the test left before looking at it."""

import pytest

from helpers import needs_chromium

pytestmark = needs_chromium

BROKEN = '<!doctype html><html lang="en"><title>Broken</title><main><h1>Broken</h1><img src="x.png"></main></html>'


def test_a_state_the_test_saw_is_checked_before_its_next_step(live_server, page):
    base = live_server.base_url
    page.goto(f"{base}/login")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")  # no alt text
    page.goto(f"{base}/register")  # the check runs before this step, on the page as it was
    page.get_by_label("Your name").fill("Dr Aoife Byrne")
    with pytest.raises(pytest.fail.Exception) as failure:
        page.assert_accessible()
    assert "- image-alt (critical) on " + f"{base}/login:" in str(failure.value)
    assert "/register" not in str(failure.value)
    page._a11y["violations"].clear()  # the test itself then passes


def test_a_page_left_unchecked_is_opened_again_at_the_end(live_server, page):
    base = live_server.base_url
    page.context.route("**/broken", lambda route: route.fulfill(content_type="text/html", body=BROKEN))
    page._page.goto(f"{base}/broken")  # straight past the check, as a page left at once would be
    page._page.goto(f"{base}/login")
    with pytest.raises(pytest.fail.Exception) as failure:
        page.assert_accessible()
    assert f"- image-alt (critical) on {base}/broken (opened again after the test)" in str(failure.value)
    page._a11y["violations"].clear()
