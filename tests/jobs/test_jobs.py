"""Background work on the real queue, in real processes: gunicorn with the repo's gunicorn.conf.py, `flask
jobs worker` consumers, an SMTP server on loopback that hangs, kill -9 in the middle of the work, Redis and
PostgreSQL for scale-out. Unit tests elsewhere run jobs at once (QUEUE_IMMEDIATE); these do not."""

import json
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from join4atmp import create_app
from join4atmp.core.mail import OutboxMessage
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.matching.models import EvidencePassage, StaleEvidence

from helpers import IsolatedClient, login, make_config, make_user
from processes import (
    RedisServer,
    Visitor,
    app_env,
    free_port,
    start_smtp,
    start_web,
    start_worker,
    wait_until,
    worker_ready,
)

pytestmark = pytest.mark.timeout(300)


def _sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def smtp():
    inbox = start_smtp()
    yield inbox
    inbox.resume()
    inbox.controller.stop()


@pytest.fixture
def stack(tmp_path, smtp):
    """A database and queue shared by this test's app and the processes it starts; processes stopped after."""
    state = {"processes": [], "url": _sqlite_url(tmp_path), "queue": None, "apps": []}

    def app(**settings):
        config = make_config(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=state["url"],
            QUEUE_IMMEDIATE=False,
            QUEUE_URL=state["queue"],
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            **settings,
        )
        state["apps"].append(create_app(config))
        return state["apps"][-1]

    def env(**settings):
        # English-only matching, as in make_config: these tests time re-embeddings of hundreds of passages
        base = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "WTF_CSRF_ENABLED": False}
        base["EMBEDDING_MULTILINGUAL_MODEL"] = None
        if state["queue"]:
            base["QUEUE_URL"] = state["queue"]
        base.update(settings)
        return app_env(tmp_path / "instance", state["url"], **base)

    def worker(*extra, **settings):
        process = start_worker(env(**settings), tmp_path / f"worker-{len(state['processes'])}.log", *extra)
        state["processes"].append(process)
        wait_until(lambda: worker_ready(process), 120, 0.2, "the worker to start")
        return process

    def web(workers=2, **settings):
        process, base = start_web(env(**settings), tmp_path / f"web-{len(state['processes'])}.log", workers)
        state["processes"].append(process)
        return base

    state.update(app=app, env=env, worker=worker, web=web)
    yield state
    for process in state["processes"]:
        process.stop()
    for made in state["apps"]:
        with made.app_context():
            db.engine.dispose()


def _client(app):
    """A test client whose requests run in their own app context (conftest.IsolatedClient)."""
    app.test_client_class = IsolatedClient
    return app.test_client()


def _outbox(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _people(app, count, prefix="person"):
    with app.app_context():
        db.create_all()
        return [make_user(f"{prefix}{i}@lab.example").email for i in range(count)]


def test_warm_gunicorn_workers_and_a_hung_smtp_server_that_slows_no_page(stack, smtp):
    """The first request to a fresh worker finds the model loaded; with SMTP hung, pages answer at once and
    the mail goes out, once, when the server recovers."""
    app = stack["app"]()
    emails = _people(app, 5)
    base = stack["web"](workers=2, MAIL_TIMEOUT=2, MAIL_RETRY_BASE_SECONDS=1)
    # Nothing but a worker's warm-up loads the model (/healthz only looks), so every worker answering that it
    # has it loaded shows that no request, the first included, waits for the load.
    reports = [json.loads(Visitor(base).get("/healthz")[1]) for _ in range(6)]
    assert all(report["index"]["model_loaded"] for report in reports), reports
    stack["worker"](MAIL_TIMEOUT=2, MAIL_RETRY_BASE_SECONDS=1, MAIL_RETRY_MAX_SECONDS=2)
    smtp.stall()

    def reset(email):
        started = time.monotonic()
        status, _ = Visitor(base).post("/reset", {"email": email})
        return status, time.monotonic() - started

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(reset, emails))
    assert all(status == 200 for status, _ in answers), answers
    assert max(seconds for _, seconds in answers) < 1.0, answers  # with SMTP in the request: 2 s or more
    wait_until(
        lambda: smtp.stalled_sessions >= 2 and any(m.last_error for m in _outbox(app)),
        30,
        message="the worker to give up on the hung server once",
    )
    started = time.monotonic()
    status, _ = Visitor(base).get("/healthz")
    assert status == 200 and time.monotonic() - started < 1.0
    assert all(m.sent_at is None for m in _outbox(app))  # nothing got through meanwhile

    smtp.resume()
    wait_until(
        lambda: len(smtp.messages) >= 5 and all(m.sent_at for m in _outbox(app)),
        60,
        message="the queued mail to go out",
    )
    time.sleep(2)  # room for a duplicate to show up
    assert sorted(m["To"] for m in smtp.messages) == sorted(emails)
    assert len(set(smtp.message_ids())) == 5
    rows = _outbox(app)
    assert all(m.last_error is None for m in rows) and sum(m.attempts for m in rows) > len(rows)  # retried


def test_a_worker_killed_during_a_delivery_loses_nothing_and_sends_nothing_twice(stack, smtp):
    app = stack["app"]()
    [email] = _people(app, 1)
    settings = {"MAIL_TIMEOUT": 60, "MAIL_CLAIM_SECONDS": 3}
    smtp.stall()
    first = stack["worker"](**settings)
    with app.test_client() as client:
        assert client.post("/reset", data={"email": email}).status_code == 200
    wait_until(lambda: smtp.stalled_sessions == 1, 30, message="the delivery to be under way")
    first.kill()  # kill -9 while the server holds the message at RCPT
    [message] = _outbox(app)
    assert message.sent_at is None and message.claimed_until is not None
    smtp.resume()
    wait_until(lambda: utcnow() > message.claimed_until, 10, message="the dead worker's claim to lapse")
    stack["worker"](**settings)  # a restarted worker sweeps at start
    wait_until(lambda: _outbox(app)[0].sent_at is not None, 60, message="the new worker to deliver")
    time.sleep(2)
    assert [m["To"] for m in smtp.messages] == [email]


def test_a_worker_killed_during_a_reindex_leaves_no_stale_evidence(stack):
    app = stack["app"]()
    with app.app_context():
        db.create_all()
        user = make_user("prolific@lab.example", expertise="Lentiviral vector potency assays.")
        from join4atmp.profiles.models import Publication

        user.profile.publications.extend(
            Publication(title=f"Study {i} of vector copy number", abstract="Potency and comparability. " * 20)
            for i in range(80)  # seconds of embedding: the kill, half a second in, finds the job at work
        )
        db.session.commit()
        profile_id = user.profile.id
    with app.app_context():
        client = _client(app)
        login(client, "prolific@lab.example")
        response = client.post(
            "/profile",
            data={
                "display_name": "Prolific",
                "country": "DE",
                "organisation": "Example University",
                "expertise": "Hospital exemption for CAR-T cells in Germany.",
                "topics": ["hospital-exemption"],
                "languages": ["en"],
                "organisation_type": "academic",
                "development_stage": "phase_1",
                "accepting_requests": "y",
                "max_open_requests": "3",
                "is_listed": "y",
            },
        )
        assert response.status_code == 302
        assert db.session.get(StaleEvidence, profile_id) is not None  # marked with the change

    first = stack["worker"]()
    wait_until(lambda: "Executing join4atmp.matching.tasks" in first.output(), 60, 0.05, "the reindex to start")
    time.sleep(0.5)
    first.kill()
    with app.app_context():
        assert db.session.get(StaleEvidence, profile_id) is not None, "the job finished before the kill"
        assert not _statement_mentions(profile_id, "Hospital exemption")

    stack["worker"]()

    def fresh():
        with app.app_context():
            return db.session.get(StaleEvidence, profile_id) is None and _statement_mentions(
                profile_id, "Hospital exemption"
            )

    wait_until(fresh, 90, 0.3, "the restarted worker to re-embed the profile")


def _statement_mentions(profile_id, words) -> bool:
    text = db.session.scalar(
        select(EvidencePassage.text).where(
            EvidencePassage.profile_id == profile_id, EvidencePassage.source == "statement"
        )
    )
    return bool(text) and words in text


def test_the_health_report_shows_the_queue_mail_and_index_lag(stack):
    app = stack["app"]()
    emails = _people(app, 2)
    with app.test_client() as client:
        for email in emails:
            client.post("/reset", data={"email": email})
        report = client.get("/healthz").get_json()
    assert report["status"] == "ok" and report["database"]["ok"]
    assert report["queue"]["backend"] == "sqlite" and report["queue"]["waiting"] == 2
    assert report["queue"]["oldest_waiting_seconds"] >= 0
    assert report["mail"]["unsent"] == 2
    assert report["index"]["stale_profiles"] == 0


def test_the_health_report_ages_the_jobs_of_areas_this_process_has_not_imported(tmp_path, caplog):
    """A web process has not imported every area's tasks.py: /healthz still reads how long their jobs have
    waited, and logs no traceback for each one (huey's own pending() skips and logs what it does not know)."""
    from huey.registry import Message

    from join4atmp.core import queue

    app = create_app(make_config(tmp_path, QUEUE_IMMEDIATE=False))
    with app.app_context():
        db.create_all()
        unknown = Message("j1", "join4atmp.elsewhere.tasks.not_imported", None, 0, 0, None, (), {}, None, None)
        queue.huey.storage.enqueue(
            queue.huey.serializer.serialize(unknown._replace(kwargs={"queued_at": time.time() - 60}))
        )
    with caplog.at_level(logging.ERROR):
        report = app.test_client().get("/healthz").get_json()
    assert report["queue"]["waiting"] == 1
    assert report["queue"]["oldest_waiting_seconds"] >= 60
    assert "deserialize" not in caplog.text


def test_health_is_503_when_the_queue_cannot_be_reached(tmp_path):
    app = create_app(make_config(tmp_path, QUEUE_IMMEDIATE=False, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0"))
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["queue"]["ok"] is False and body["database"]["ok"] is True


def test_a_change_commits_even_when_the_queue_is_down_and_the_sweep_delivers_later(tmp_path, smtp):
    from join4atmp.core.mail import deliver_pending

    app = create_app(
        make_config(
            tmp_path,
            QUEUE_IMMEDIATE=False,
            QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
        )
    )
    with app.app_context():
        db.create_all()
        make_user("down@lab.example")
    response = app.test_client().post("/reset", data={"email": "down@lab.example"})
    assert response.status_code == 200  # not a 500 after the commit
    [message] = _outbox(app)
    assert message.sent_at is None
    with app.app_context():
        assert deliver_pending()[0] == 1  # what the periodic sweep runs
    assert [m["To"] for m in smtp.messages] == ["down@lab.example"]


def test_several_workers_on_redis_and_postgresql_share_the_work_and_each_mail_goes_once(
    stack, smtp, tmp_path, postgres_database, request
):
    try:
        redis = RedisServer(tmp_path)
    except FileNotFoundError:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    request.addfinalizer(redis.stop)
    stack["url"] = postgres_database
    stack["queue"] = redis.url
    from datetime import timedelta

    app = stack["app"](RESET_LIMIT_PER_IP=(100, timedelta(hours=1)))
    emails = _people(app, 12)
    stack["worker"]("--workers", "2")
    stack["worker"]("--workers", "2", "--no-periodic")
    with app.test_client() as client:
        for email in emails:
            assert client.post("/reset", data={"email": email}).status_code == 200
    wait_until(
        lambda: all(m.sent_at for m in _outbox(app)) and len(smtp.messages) >= 12, 60, message="the workers to deliver"
    )
    time.sleep(1)
    assert sorted(m["To"] for m in smtp.messages) == sorted(emails)
    with app.app_context():
        client = _client(app)
        login(client, emails[0])
        assert (
            client.post("/profile/publications", data={"title": "Potency assays for AAV gene therapy"}).status_code
            == 302
        )

    def embedded():
        with app.app_context():
            return (
                db.session.scalar(
                    select(EvidencePassage.id).where(EvidencePassage.text.contains("Potency assays for AAV"))
                )
                is not None
            )

    wait_until(embedded, 60, 0.3, "a worker to embed the new publication")


def test_an_organisers_message_to_every_registrant_is_one_job_not_one_request(tmp_path):
    from datetime import timedelta

    from join4atmp.core.queue import huey
    from join4atmp.webinars import registrations

    from helpers import make_organiser, make_webinar

    app = create_app(make_config(tmp_path, QUEUE_IMMEDIATE=False))
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        organiser = make_organiser()
        webinar = make_webinar(organiser, capacity=30, starts_at=utcnow() + timedelta(days=3))
        for i in range(12):
            registrations.register_for_webinar(make_user(f"reg{i}@lab.example", role="patient_org"), webinar)
        webinar_id, organiser_email = webinar.id, organiser.email
        huey.flush()
        before = len(_outbox_rows())
    with app.app_context():
        client = _client(app)
        login(client, organiser_email)
        response = client.post(
            f"/webinars/{webinar_id}/message", data={"subject": "Slides", "body": "The slides are on the page now."}
        )
        assert response.status_code == 302
        assert len(_outbox_rows()) == before  # the request queued no email itself
        assert huey.pending_count() == 1  # one job for twelve people
        huey.execute(huey.dequeue())
        assert len(_outbox_rows()) == before + 12


def _outbox_rows():
    return db.session.scalars(select(OutboxMessage)).all()


def test_the_worker_runs_every_periodic_job_that_cron_lines_used_to():
    from datetime import datetime

    from join4atmp.core.queue import huey
    from join4atmp.jobs.worker import load_tasks

    load_tasks()
    names = lambda when: {t.name for t in huey.read_periodic(when)}  # noqa: E731
    every_minute = {"deliver_due", "expire_requests", "sweep_stale_evidence", "sweep_multilingual"}
    assert names(datetime(2026, 12, 1, 10, 1)) == every_minute
    assert names(datetime(2026, 12, 1, 10, 5)) == every_minute | {"send_reminders", "announce_recordings"}
    assert {"send_digests"} <= names(datetime(2026, 12, 1, 6, 0))
    assert {"retention"} <= names(datetime(2026, 12, 1, 3, 0))
    assert {"purge_personal_data"} <= names(datetime(2026, 12, 1, 3, 30))


def test_mail_that_could_never_be_sent_is_refused_when_it_is_queued(app):
    from join4atmp.core.mail import UndeliverableMessage, queue_email

    with app.test_request_context():
        with pytest.raises(UndeliverableMessage, match="newline in the subject"):
            queue_email(
                "a@lab.example",
                "Hello\r\nBcc: everyone@lab.example",
                "already_registered",
                login_url="l",
                reset_url="r",
            )
        with pytest.raises(UndeliverableMessage, match="not an email address"):
            queue_email("a@lab.example\nb@lab.example", "Hello", "already_registered", login_url="l", reset_url="r")
        db.session.rollback()
    assert _outbox(app) == []


def test_a_message_the_server_refuses_for_good_is_not_retried(tmp_path):
    from aiosmtpd.controller import Controller

    from join4atmp.core.mail import deliver_pending

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 No such mailbox"

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = create_app(make_config(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port))
        with app.app_context():
            db.create_all()
            make_user("gone@lab.example")
        app.test_client().post("/reset", data={"email": "gone@lab.example"})
        [message] = _outbox(app)
        assert message.sent_at is None and "550" in message.last_error
        assert message.attempts == app.config["MAIL_MAX_ATTEMPTS"]  # given up, not retried 20 times
        with app.app_context():
            message.due_at = utcnow()
            assert deliver_pending() == (0, 0, None)
    finally:
        controller.stop()


def test_reindex_if_needed_honours_marks_left_by_a_lost_job(tmp_path, model):
    app = create_app(make_config(tmp_path, QUEUE_IMMEDIATE=False))  # the job is queued, nobody runs it
    with app.app_context():
        db.create_all()
        user = make_user("marked@lab.example", expertise="Potency assays.")
        from join4atmp.matching import indexing
        from join4atmp.profiles.services import update_profile

        indexing.reindex_all()
        update_profile(
            user.profile,
            {
                "display_name": "Marked",
                "country": "DE",
                "expertise": "Tumourigenicity studies.",
                "topics": ["tumourigenicity"],
                "languages": ["en"],
            },
        )
        assert db.session.get(StaleEvidence, user.profile.id) is not None
    result = app.test_cli_runner().invoke(args=["matching", "reindex", "--if-needed"])
    assert "1 profiles embedded" in result.output
    with app.app_context():
        assert _statement_mentions(user.profile.id, "Tumourigenicity")
        assert db.session.get(StaleEvidence, user.profile.id) is None


@contextmanager
def _logged_in_while_another_writer_holds_the_lock(tmp_path, email, **settings):
    """A logged-in client of an app on SQLite, while another connection holds the write lock (BEGIN IMMEDIATE)."""
    app = create_app(make_config(tmp_path, **settings))
    with app.app_context():
        db.create_all()
        make_user(email)
        client = _client(app)
        login(client, email)
        db.session.commit()
        blocker = sqlite3.connect(tmp_path / "test.db", timeout=0.1, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield client
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()


def test_a_locked_database_answers_503_with_retry_after_and_saves_nothing(tmp_path):
    from join4atmp.questions.models import Question

    with _logged_in_while_another_writer_holds_the_lock(
        tmp_path, "asker@lab.example", SQLITE_BUSY_TIMEOUT_MS=200
    ) as client:
        assert client.get("/questions").status_code == 200  # reads go on
        response = client.post(
            "/ask",
            data={
                "title": "Hospital exemption in Germany for CAR-T?",
                "body": "Which authority decides, and how long does it take?",
                "topics": ["hospital-exemption"],
                "visibility": "public",
            },
        )
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert b"nothing was saved" in response.data
    with create_app(make_config(tmp_path)).app_context():
        assert db.session.scalars(select(Question)).all() == []


def test_a_busy_database_never_fails_a_page_over_the_session_touch(tmp_path):
    from datetime import timedelta

    with _logged_in_while_another_writer_holds_the_lock(
        tmp_path, "reader@lab.example", SQLITE_BUSY_TIMEOUT_MS=100, SESSION_TOUCH_INTERVAL=timedelta(0)
    ) as client:
        assert client.get("/account").status_code == 200
