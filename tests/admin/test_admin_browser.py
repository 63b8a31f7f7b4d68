"""In real headless Chromium on a phone-sized screen: the admin's list of users fits; the wide table scrolls in
its own region, which a keyboard user can reach and scroll."""

import pytest

from join4atmp.extensions import db

from helpers import browser_log_in, make_user, needs_chromium, wait_for

pytestmark = needs_chromium


@pytest.fixture
def browser_context_options():
    return {"locale": "en-GB", "viewport": {"width": 375, "height": 800}}


def test_the_users_table_fits_a_375_pixel_screen(live_server, page):
    with live_server.app_context():
        make_user("root@platform.example", role="admin")  # with an authenticator: the login asks for a code
        make_user("k.vogel@pei.example", role="regulator", verified=True, display_name="Dr Katharina Vogel")
        make_user("erik.holm@nordvector.example", display_name="Erik Holm")
        db.session.remove()
    base = live_server.base_url

    browser_log_in(page, base, "root@platform.example")
    page.goto(f"{base}/admin/users")
    assert page.get_by_role("cell", name="erik.holm@nordvector.example").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    region = page.get_by_role("region", name="3 users")
    assert region.locator("table").count() == 1
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the table is wider: it scrolls inside
    region.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for(lambda: region.evaluate("el => el.scrollLeft") > 0)  # keyboard scrolling is animated
