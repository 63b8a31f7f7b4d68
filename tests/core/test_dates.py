"""Dates and times, on pages and in emails: European English for English, French for French, a 24-hour
clock without seconds, and the zone named (core/dates.py)."""

import re
from datetime import datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user
from freezegun import freeze_time

from join4atmp.core import dates
from join4atmp.core.mail import queue_email
from join4atmp.extensions import db
from join4atmp.matching.models import MatchRequest
from join4atmp.questions import services as questions
from join4atmp.webinars.times import format_when

from helpers import login, make_user, outbox, plain

NOW = "2026-12-02 17:00:00"  # UTC: 18:00 in Paris (CET)
EN = "2 Dec 2026, 18:00 CET"
FR = "2 déc. 2026, 18:00 CET"
# every interface language in its own format
LOCALES = [
    (None, EN),
    ("fr", FR),
    ("de", "02.12.2026, 18:00 CET"),
    ("es", "2 dic 2026, 18:00 CET"),
    ("it", "2 dic 2026, 18:00 CET"),
]
EUROPEAN = re.compile(r"\b\d{1,2} \w{3} \d{4}, \d{2}:\d{2} [A-Z]{3,4}\b")
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
CLOCK_WITH_SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
AM_PM = re.compile(r"\d\s?(AM|PM)\b")


def assert_european(page, expected):
    text = plain(page)
    assert expected in text
    assert not US_DATE.search(text), US_DATE.search(text)
    assert not AM_PM.search(text), AM_PM.search(text)
    assert not CLOCK_WITH_SECONDS.search(text), CLOCK_WITH_SECONDS.search(text)


def member(email, role="developer", locale=None, **kwargs):
    user = make_user(email, role=role, **kwargs)
    user.timezone, user.locale = "Europe/Paris", locale
    db.session.commit()
    return user


def invitation(asker, expert, deadline=datetime(2026, 12, 9, 17)):
    """A confidential question (no sentence model needed) offered to ``expert``."""
    question = questions.create_question(asker, "Which potency assay at phase I?", "Details.", [], "confidential")
    request = MatchRequest(question=question, profile_id=expert.profile.id, rank=1, score=0.5, deadline=deadline)
    db.session.add(request)
    db.session.commit()
    return request


def page_as(app, email, path):
    client = app.test_client()
    login(client, email)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "expected"), LOCALES)
def test_the_account_page_lists_sessions_in_the_members_language_and_zone(app, locale, expected):
    member("me@uni.example", locale=locale)
    with freeze_time(NOW):
        page = page_as(app, "me@uni.example", "/account")
    assert_european(page, expected)
    assert plain(page).count(expected) >= 2  # logged in, last seen


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (None, "9 Dec 2026, 18:00 CET"),
        ("fr", "9 déc. 2026, 18:00 CET"),
        ("de", "09.12.2026, 18:00 CET"),
        ("es", "9 dic 2026, 18:00 CET"),
        ("it", "9 dic 2026, 18:00 CET"),
    ],
)
def test_the_requests_page_shows_invitation_and_deadline(app, locale, expected):
    asker = make_user("asker@sme.example")
    expert = member("expert@lab.example", locale=locale)
    with freeze_time(NOW):
        request = invitation(asker, expert)
        listing = page_as(app, "expert@lab.example", "/requests")
        assert_european(listing, expected)
        assert_european(listing, dict(LOCALES)[locale])  # invited at
        respond = page_as(app, "expert@lab.example", f"/requests/{request.id}")
        assert_european(respond, expected)


@pytest.mark.parametrize(("locale", "expected"), [(None, EN), ("fr", FR)])
def test_admin_audit_and_outbox_pages(app, locale, expected):
    member("root@platform.example", role="admin", locale=locale)
    with freeze_time(NOW):
        with app.test_request_context():
            queue_email("x@y.example", "Hello", "already_registered", login_url="l", reset_url="r")
        db.session.commit()
        audit = page_as(app, "root@platform.example", "/admin/audit")
        listing = page_as(app, "root@platform.example", "/admin/outbox")
        message = page_as(app, "root@platform.example", f"/admin/outbox/{outbox()[0].id}")
    for page in (audit, listing, message):
        assert_european(page, expected)


def test_without_a_chosen_zone_times_are_in_utc_and_say_so(app):
    make_user("me@uni.example")
    with freeze_time(NOW):
        assert_european(page_as(app, "me@uni.example", "/account"), "2 Dec 2026, 17:00 UTC")


def test_a_visitors_chosen_zone_holds_on_every_page_not_only_the_webinars(app, client):
    asker = make_user("asker@uni.example")
    with freeze_time(NOW):
        question = questions.create_question(asker, "Potency assay for a CAR-T batch release", "Details.")
    path = f"/questions/{question.id}"
    assert "2 Dec 2026, 17:00 UTC" in plain(client.get(path).get_data(as_text=True))
    client.post("/webinars/timezone", data={"tz": "Europe/Paris", "next": path})
    assert_european(client.get(path).get_data(as_text=True), EN)
    with client.session_transaction() as session:
        session["webinar_tz"] = "Not/AZone"  # a tampered or stale value: ignored
    assert "2 Dec 2026, 17:00 UTC" in plain(client.get(path).get_data(as_text=True))


def test_the_helpers_and_the_filters(app):
    moment = datetime(2026, 12, 2, 17, 0, 59)
    with app.test_request_context():
        assert dates.when(moment, "Europe/Paris") == EN  # no seconds
        assert dates.when(moment + timedelta(days=212), "Europe/Paris") == "2 Jul 2027, 19:00 CEST"
        assert dates.when(moment, "Europe/London") == "2 Dec 2026, 17:00 GMT"
        assert dates.when(moment, "Asia/Dubai") == "2 Dec 2026, 21:00 UTC+04"
        assert dates.when(moment, "Not/AZone") == "2 Dec 2026, 17:00 UTC"
        assert dates.day(moment, "Pacific/Auckland") == "3 Dec 2026"  # the date where the member is
        assert dates.when(None) == dates.day(None) == ""
        with force_locale("fr"):
            assert dates.when(moment, "Europe/Paris") == FR
            assert dates.day(moment) == "2 déc. 2026"
        with force_locale("de"):  # a language added later formats as itself
            assert dates.when(moment, "Europe/Berlin") == "02.12.2026, 18:00 CET"
        # Flask-Babel's own filters give the same formats, whatever format they are asked for
        rendered = render_template_string("{{ t|datetimeformat('short') }} · {{ t|when }} · {{ t|day }}", t=moment)
        assert rendered == "2 Dec 2026, 17:00 UTC · 2 Dec 2026, 17:00 UTC · 2 Dec 2026"
        # webinar times keep the weekday and the zone, now with the European order and a 24-hour clock
        assert plain(format_when(moment, "Europe/Paris")) == "Wednesday, 2 December 2026, 18:00 CET"


def test_an_email_uses_the_recipients_zone_and_language_not_the_senders(app):
    asker = make_user("asker@sme.example")
    asker.timezone = "America/New_York"
    expert = member("expert@lab.example", locale="fr")
    request = invitation(asker, expert)
    with app.test_request_context():
        login_user(asker)  # the asker's action sends it: their zone must not leak into the expert's email
        assert dates.when(datetime(2026, 12, 9, 17)) == "9 Dec 2026, 12:00 EST"
        queue_email(
            expert.email,
            "Question",
            "match_invitation",
            locale=expert.locale,
            request=request,
            question=request.question,
            expert=expert.profile,
            accept_url="a",
            decline_url="d",
        )
        with dates.forced_zone(None):  # a message to someone without a zone: UTC, named
            assert dates.when(datetime(2026, 12, 9, 17)) == "9 Dec 2026, 17:00 UTC"
    db.session.commit()
    body = plain(outbox("match_invitation")[0].body_text)
    assert "9 déc. 2026, 18:00 CET" in body and "2026-12-09" not in body
