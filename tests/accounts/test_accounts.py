"""Registration, confirmation, login, rate limits, passwords and resets, through HTTP."""

from datetime import timedelta

from sqlalchemy import select

from join4atmp import create_app
from join4atmp.accounts.models import User
from join4atmp.extensions import db

from helpers import PASSWORD, link_in, login, make_config, make_user, outbox

NEW = {
    "display_name": "Ines Duarte",
    "email": "ines@biotech.example",
    "role": "developer",
    "password": "a long enough password",
    "password_again": "a long enough password",
}


def register(client, **changes):
    return client.post("/register", data={**NEW, **changes})


def test_register_confirm_login(client):
    page = register(client)
    assert page.status_code == 200 and b"Check your email" in page.data
    user = db.session.scalar(select(User).where(User.email == "ines@biotech.example"))
    assert user.password_hash.startswith("$argon2id$") and not user.is_confirmed
    assert user.profile.display_name == "Ines Duarte"

    refused = login(client, NEW["email"], NEW["password"])
    assert refused.status_code == 400 and b"confirm your email" in refused.data

    [mail] = outbox("confirm_email")
    assert mail.recipient == NEW["email"] and mail.sent_at is not None
    assert client.get(link_in(mail, "/confirm/")).status_code == 302
    assert login(client, NEW["email"], NEW["password"]).status_code == 302
    assert client.get("/account").status_code == 200


def test_registering_a_taken_email_looks_the_same_and_warns_the_owner(client):
    make_user("taken@uni.example")
    first = register(client, email="taken@uni.example")
    fresh = register(client, email="fresh@uni.example")
    assert first.status_code == fresh.status_code == 200
    assert first.data.replace(b"taken", b"X") == fresh.data.replace(b"fresh", b"X")
    [warning] = outbox("already_registered")
    assert warning.recipient == "taken@uni.example"
    assert db.session.scalar(select(User).where(User.email == "taken@uni.example")).password_hash != "x"


def test_register_rejects_bad_input_with_form_errors(client):
    assert register(client, password="short", password_again="short").status_code == 400
    assert register(client, role="admin").status_code == 400
    assert register(client, email="not-an-email").status_code == 400
    response = register(client, password_again="different password!")
    assert response.status_code == 400 and b"The two passwords differ" in response.data
    assert outbox() == []


def test_email_case_does_not_make_a_second_account(client):
    make_user("case@uni.example")
    register(client, email="CASE@Uni.Example")
    assert len(db.session.scalars(select(User)).all()) == 1
    assert login(client, "Case@UNI.example").status_code == 302


def test_confirmation_link_tampered_or_expired_is_refused(app, client):
    register(client)
    link = link_in(outbox("confirm_email")[0], "/confirm/")
    assert client.get(link[:-3] + "abc").status_code == 400
    app.config["EMAIL_CONFIRM_MAX_AGE"] = timedelta(seconds=-1)  # every link is now too old
    assert client.get(link).status_code == 400


def test_wrong_password_and_unknown_email_answer_the_same(client):
    make_user("known@uni.example")
    wrong = login(client, "known@uni.example", "wrong password!")
    unknown = login(client, "nobody@uni.example", "wrong password!")
    assert wrong.status_code == unknown.status_code == 400
    assert b"Email or password is not correct" in wrong.data
    assert wrong.data.replace(b"known", b"X") == unknown.data.replace(b"nobody", b"X")


def test_failed_logins_are_slowed_by_growing_delays_not_locked(app, client):
    """Issue 13, item 14: five bad logins used to lock any known address, even for the right password."""
    from freezegun import freeze_time

    from join4atmp.core.time import utcnow

    make_user("target@uni.example")
    start = utcnow()
    with freeze_time(start) as clock:
        for _ in range(5):
            assert login(client, "target@uni.example", "guess guess guess").status_code == 400
        blocked = login(client, "target@uni.example")  # from the guesser's address, at once: wait
        assert blocked.status_code == 429 and b"Please wait 1 second and" in blocked.data
        clock.tick(2)
        assert login(client, "target@uni.example", "guess guess guess").status_code == 400  # the 6th guess
        assert login(client, "target@uni.example").status_code == 429  # now 2 s
        clock.tick(3)
        assert login(client, "target@uni.example").status_code == 302  # the owner, after a short wait
    make_user("other@uni.example")
    for _ in range(6):
        login(client, "other@uni.example", "guess guess guess")
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(owner, "other@uni.example").status_code == 302  # the owner elsewhere: not slowed at all


def test_a_parallel_burst_of_guesses_checks_no_more_passwords_than_the_limit(app):
    """Issue 13, item 12: the check-then-count race let 8 guesses through a limit of 5."""
    import threading

    from join4atmp.accounts import services

    make_user("burst@uni.example")
    checked, lock = [], threading.Lock()
    real = services.verify_password

    def counting(hashed, password):
        with lock:
            checked.append(password)
        return real(hashed, password)

    services.verify_password = counting
    statuses = []
    try:

        def guess():
            with app.app_context():
                form = {"email": "burst@uni.example", "password": "nope nope"}
                response = app.test_client().post("/login", data=form)
                statuses.append(response.status_code)

        threads = [threading.Thread(target=guess) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        services.verify_password = real
    assert len(checked) <= 5 and statuses.count(429) >= 7, (len(checked), statuses)


def test_failed_logins_are_limited_per_ip_across_accounts(app, client):
    app.config["LOGIN_LIMIT_PER_IP"] = (3, app.config["LOGIN_LIMIT_PER_IP"][1])
    make_user("someone@uni.example")
    for n in range(3):
        login(client, f"spray{n}@uni.example", "guess guess guess")
    assert login(client, "someone@uni.example").status_code == 429
    other_ip = app.test_client()
    other_ip.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert login(other_ip, "someone@uni.example").status_code == 302


def test_limits_hold_across_processes_sharing_the_database(tmp_path, app):
    """A second app (another worker process) on the same database sees the first one's failures."""
    make_user("shared@uni.example")
    for _ in range(5):
        login(app.test_client(), "shared@uni.example", "guess guess guess")
    other = create_app(make_config(tmp_path))
    with other.app_context():
        assert login(other.test_client(), "shared@uni.example").status_code == 429
        db.session.remove()


def test_logout_is_post_only_and_ends_the_session(client):
    make_user("out@uni.example")
    login(client, "out@uni.example")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302


def test_password_change_ends_other_sessions(app):
    make_user("two@uni.example")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "two@uni.example")
    login(phone, "two@uni.example")
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "brand new password",
            "new_password_again": "brand new password",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert login(app.test_client(), "two@uni.example", "brand new password").status_code == 302


def test_password_change_needs_the_current_password(client):
    make_user("cur@uni.example")
    login(client, "cur@uni.example")
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong!",
            "new_password": "brand new password",
            "new_password_again": "brand new password",
        },
    )
    assert response.status_code == 400 and b"current password is not correct" in response.data


def test_password_reset_by_email_works_once(client):
    make_user("forgot@uni.example")
    page = client.post("/reset", data={"email": "forgot@uni.example"})
    assert b"If an account exists" in page.data
    link = link_in(outbox("reset_password")[0], "/reset/")
    new = {"password": "my new password", "password_again": "my new password"}
    assert client.post(link, data=new).status_code == 302
    assert login(client, "forgot@uni.example", "my new password").status_code == 302
    client.post("/logout")
    assert client.post(link, data=new).status_code == 400  # used links die with the old password


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client):
    make_user("real@uni.example")
    known = client.post("/reset", data={"email": "real@uni.example"})
    unknown = client.post("/reset", data={"email": "ghost@uni.example"})
    assert known.data.replace(b"real", b"X") == unknown.data.replace(b"ghost", b"X")
    assert [m.recipient for m in outbox()] == ["real@uni.example"]


def test_reset_requests_are_rate_limited(app, client):
    make_user("spam@uni.example")
    for _ in range(5):
        client.post("/reset", data={"email": "spam@uni.example"})
    assert len(outbox("reset_password")) == 3  # per-account limit, silently
    app.config["RESET_LIMIT_PER_IP"] = (6, app.config["RESET_LIMIT_PER_IP"][1])
    client.post("/reset", data={"email": "spam@uni.example"})
    assert client.post("/reset", data={"email": "spam@uni.example"}).status_code == 429


def test_login_redirects_only_to_local_pages(client):
    make_user("next@uni.example")
    response = client.post(
        "/login?next=https://evil.example/x", data={"email": "next@uni.example", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/experts", data={"email": "next@uni.example", "password": PASSWORD})
    assert response.headers["Location"] == "/experts"


def test_forms_need_a_csrf_token(tmp_path):
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        make_user("csrf@uni.example")
        client = app.test_client()
        response = client.post("/login", data={"email": "csrf@uni.example", "password": PASSWORD})
        assert response.status_code == 400 and b"form expired" in response.data
        db.session.remove()


def test_deactivated_users_cannot_log_in_and_lose_their_session(app, client):
    user = make_user("gone@uni.example")
    login(client, "gone@uni.example")
    user.is_active_account = False
    db.session.commit()
    assert client.get("/account").status_code == 302
    assert b"deactivated" in login(app.test_client(), "gone@uni.example").data


def test_asking_for_the_current_password_again_is_limited_too(app, client):
    """Issue 13, item 13: 25 wrong current passwords on the password page, 15 on the erase page."""
    make_user("guessed@uni.example")
    login(client, "guessed@uni.example")
    change = {"current_password": "not it at all", "new_password": "a new long passphrase", "end_tokens": ""}
    change["new_password_again"] = change["new_password"]
    answers = [client.post("/account/password", data=change).status_code for _ in range(7)]
    assert answers[:5] == [400] * 5 and 429 in answers[5:]
    erase = {"password": "still not it", "confirm": "y"}
    assert client.post("/privacy/data/erase", data=erase).status_code == 429  # the same count: wait
    assert login(app.test_client(), "guessed@uni.example").status_code == 302  # the account is not erased
