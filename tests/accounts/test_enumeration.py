"""No account enumeration by timing (issue 13, item 6): registering and asking for a reset do the same
slow work whether or not the address has an account. Counted, not timed: the Argon2 hashes and the
rendered reset emails of each path."""

import pytest

from join4atmp.accounts import services
from join4atmp.core import mail

from helpers import make_user


@pytest.fixture
def work(monkeypatch):
    counts = {"hash": 0, "reset_email": 0}
    real_hash, real_render = services.hash_password, mail.render_email

    def hashing(password):
        counts["hash"] += 1
        return real_hash(password)

    def rendering(recipient, subject, template, **kwargs):
        if template == "reset_password":
            counts["reset_email"] += 1
        return real_render(recipient, subject, template, **kwargs)

    monkeypatch.setattr(services, "hash_password", hashing)
    monkeypatch.setattr(mail, "render_email", rendering)
    monkeypatch.setattr(services, "render_email", rendering)
    return counts


def _register(client, email):
    form = {"display_name": "Someone", "email": email, "role": "developer"}
    form["password"] = form["password_again"] = "a long enough passphrase 7"
    return client.post("/register", data=form)


def test_registering_a_taken_or_a_free_address_costs_the_same_hashing(app, client, work):
    make_user("taken@uni.example")
    work["hash"] = 0
    taken = _register(client, "taken@uni.example")
    for_taken = work["hash"]
    work["hash"] = 0
    free = _register(client, "free@uni.example")
    assert taken.status_code == free.status_code
    assert for_taken == work["hash"] >= 1


def test_a_reset_for_an_unknown_address_renders_the_same_email(app, client, work):
    make_user("known@uni.example")
    answers = []
    for email in ("known@uni.example", "unknown@uni.example"):
        work["reset_email"] = 0
        response = client.post("/reset", data={"email": email})
        assert work["reset_email"] == 1, email
        answers.append((response.status_code, response.data.replace(email.encode(), b"")))
    assert answers[0] == answers[1]  # the same page for both
    from join4atmp.core.mail import OutboxMessage
    from join4atmp.extensions import db

    sent = db.session.scalars(db.select(OutboxMessage.recipient).where(OutboxMessage.kind == "reset_password")).all()
    assert sent == ["known@uni.example"]  # only rendered for the unknown one, never stored or sent
