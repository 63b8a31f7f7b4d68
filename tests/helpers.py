"""Helpers shared by the tests: configuration, users and login, the outbox, browsers. Fixtures are in
conftest.py; tests import these from here."""

import base64
import hashlib
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient
from icalendar import Calendar

from join4atmp.accounts.services import create_user
from join4atmp.core.mail import OutboxMessage
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.webinars import services as webinar_services

from processes import SmtpInbox as Inbox  # noqa: F401 - shared with the tests of real processes
from processes import free_port  # noqa: F401

PASSWORD = "correct horse battery"


def make_config(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": None,
        "SERVER_NAME": "localhost",
        "QUEUE_IMMEDIATE": True,  # jobs run in the test; tests of the real worker start one
        # English-only matching unless a test turns the multilingual space on (tests/matching/test_languages.py):
        # embedding every passage twice would only slow the rest down.
        "EMBEDDING_MULTILINGUAL_MODEL": None,
        # Hundreds of apps in one process: what each built must stay collectable once its test is over.
        "GC_FREEZE_AT_START": False,
    }
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as in production: the test's ``g`` and database
    session are not shared with the request (Flask reuses an already pushed context otherwise)."""

    def open(self, *args, **kwargs):
        db.session.commit()  # end the test's transaction so it sees what the request writes
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_user(
    email="dev@uni.example",
    role="developer",
    *,
    confirmed=True,
    verified=False,
    password=PASSWORD,
    two_factor=None,
    **profile,
):
    """A user with a complete, listed profile unless told otherwise.

    ``two_factor``: True enrols a TOTP authenticator (secret ``totp_secret_for(email)``), False leaves the
    user without one; None (the default) enrols users whose role requires it (admins, verified regulators).
    Duties granted later are covered by ``login``, which enrols on demand."""
    user = create_user(
        email,
        password,
        role,
        display_name=profile.pop("display_name", email.split("@")[0].title()),
        confirmed=confirmed,
        verified=verified,
    )
    if two_factor or (two_factor is None and user.needs_second_factor):
        enrol_two_factor(user)
    defaults = {
        "country": "DE",
        "expertise": "Viral vector process development and GMP manufacturing.",
        "organisation": "Example University",
    }
    defaults.update(profile)
    topics, languages = defaults.pop("topics", ["gene-therapy"]), defaults.pop("languages", ["en"])
    for key, value in defaults.items():
        setattr(user.profile, key, value)
    user.profile.topics, user.profile.languages = topics, languages
    db.session.commit()
    return user


def totp_secret_for(email):
    """A fixed TOTP secret per test user, so that a browser test can compute codes without the database."""
    return base64.b32encode(hashlib.sha256(email.lower().encode()).digest()[:20]).decode()


def enrol_two_factor(user):
    """Give ``user`` a confirmed TOTP authenticator with the secret ``totp_secret_for(user.email)``."""
    from join4atmp.accounts.models import TwoFactor
    from join4atmp.accounts.two_factor import _fernet

    encrypted = _fernet().encrypt(totp_secret_for(user.email).encode()).decode()
    user.two_factor = TwoFactor(secret_encrypted=encrypted, confirmed_at=utcnow())
    db.session.commit()


def totp_code(email, offset=0):
    """The code an authenticator app shows now (``offset`` in 30-second steps)."""
    return pyotp.TOTP(totp_secret_for(email)).at(time.time() + 30 * offset)


def login(client, email, password=PASSWORD):
    """Log in as a person would, answering the second step with their authenticator's code.

    A user whose duties require a second factor but who has none (a duty granted after make_user) is
    enrolled first. Replay protection refuses a second use of one 30-second code: when a test logs the same
    user in again, this helper forgets the last step used, as if the person had waited for the next code
    (tests of replay protection post the code themselves)."""
    from join4atmp.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    if user is not None and user.needs_second_factor and not user.has_second_factor:
        enrol_two_factor(user)
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code == 302 and response.location.endswith("/two-step"):
        user.two_factor.last_used_step = None
        db.session.commit()
        response = client.post("/two-step", data={"code": totp_code(email)})
    return response


def outbox(kind=None):
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def link_in(message, path_prefix):
    """The first URL in a message body whose path starts with ``path_prefix``."""
    for word in message.body_text.split():
        if f"localhost{path_prefix}" in word:
            return word.split("localhost", 1)[1]
    raise AssertionError(f"no {path_prefix} link in {message.body_text!r}")


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


POSTGRES_URL = os.environ.get("JOIN4ATMP_TEST_POSTGRES_URL")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


# Secrets of authenticators set up through the browser (browser_log_in), by email.


BROWSER_SECRETS = {}


def browser_log_in(page, base, email, password=PASSWORD):
    """Log in through the form, as a person with an authenticator app would.

    The second step, if asked, is answered with the user's current code, or the next one when the current
    one was used (a second login within 30 seconds). A user who must set up a second factor and has none
    (a duty granted after make_user) sets it up through the page, as they would."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    secret = BROWSER_SECRETS.get(email, totp_secret_for(email))
    for offset in (0, 1):
        if not page.url.endswith("/two-step"):
            break
        page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30 * offset))
        page.get_by_role("button", name="Verify").click()
    if page.url.endswith("/account/two-factor"):
        browser_enrol(page, email)


def browser_enrol(page, email):
    """Set up two-step login on the page /account/two-factor; returns the recovery codes shown."""
    page.get_by_role("button", name="Set up two-step login").click()
    secret = BROWSER_SECRETS[email] = "".join(page.locator("#totp-secret").inner_text().split())
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step login").click()
    return page.locator(".recovery-codes code").all_inner_texts()


# --- Webinars -------------------------------------------------------------------------------------

JOIN = "https://meet.example/atmp-101"


def make_organiser(email="organiser@join4atmp.example", **profile):
    user = make_user(email, role="patient_org", display_name=profile.pop("display_name", "Olivia Organiser"), **profile)
    user.is_organiser_flag = True
    db.session.commit()
    return user


def webinar_values(**overrides):
    """A webinar form's values, starting three days from now to the minute. An update passes the webinar's own
    ``starts_at`` (or a new one): a second call's fresh start moves when a minute boundary falls between."""
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    values = {
        "title": "Hospital exemption explained for patient organisations",
        "abstract": "How **hospital exemption** works across the EU.",
        "audience": "Patient organisations",
        "speakers": "Dr Anna Berg, regulator\nLuc Martin, patient advocate",
        "language": "en",
        "timezone": "Europe/Paris",
        "starts_at": start,
        "duration_minutes": 60,
        "registration_deadline": None,
        "capacity": 2,
        "join_url": JOIN,
        "recording_url": "",
        "materials": "",
        "topics": ["hospital-exemption"],
    }
    values.update(overrides)
    return values


def make_webinar(organiser=None, publish=True, **overrides):
    organiser = organiser or make_organiser()
    webinar = webinar_services.create_webinar(organiser, webinar_values(**overrides))
    if publish:
        webinar_services.publish_webinar(webinar, organiser)
    return webinar


def plain(text):
    """CLDR puts narrow no-break spaces in times ("2:00\u202fPM"); compare with plain spaces."""
    if isinstance(text, bytes):
        text = text.decode()
    return text.replace("\u202f", " ").replace("\xa0", " ")


def ics_of(message, index=0):
    """The calendar attached to an outbox message, parsed back."""
    item = message.attachments[index]
    assert item["filename"].endswith(".ics") and item["content_type"].startswith("text/calendar")
    return Calendar.from_ical(base64.b64decode(item["data"]))
