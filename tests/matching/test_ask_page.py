"""The Ask page: a plain-text title in every language, and its script still loaded."""

import re

import pytest

from join4atmp.extensions import db

from helpers import login, make_user


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_ask_page_title_is_plain_text(app, locale):
    user = make_user("asker@sme.example")
    user.locale = locale
    db.session.commit()
    client = app.test_client()
    login(client, "asker@sme.example")
    page = client.get("/ask").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title and "&lt;" not in title and "script" not in title
    assert len(re.findall(r'<script src="[^"]*/js/similar\.js"', page)) == 1  # in the body, once
