"""The last places of a webinar, fought over by many people at once through a real gunicorn with four
worker processes: confirmed places never exceed the capacity, everyone else waits in line, and places
freed while others register go to the waiting list in order. On SQLite always, on PostgreSQL when
JOIN4ATMP_TEST_POSTGRES_URL is set."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from join4atmp import create_app
from join4atmp.accounts.passwords import hash_password
from join4atmp.accounts.services import create_user
from join4atmp.core.time import utcnow
from join4atmp.extensions import db
from join4atmp.webinars import registrations
from join4atmp.webinars.models import Registration, RegistrationStatus, Webinar

from helpers import PASSWORD, make_config, make_organiser, make_webinar
from processes import Visitor, app_env, start_web

CAPACITY, TAKEN_BEFORE, RACERS, LATECOMERS = 6, 3, 20, 4


class Racer(Visitor):
    """One person's cookie session against the live server; ``post`` answers the status only."""

    def post(self, path, data=None) -> int:
        return super().post(path, data)[0]

    def log_in(self):
        assert self.post("/login", {"email": self.email, "password": PASSWORD}) == 302, self.email


def _prepare(tmp_path, database_url):
    """Schema, an organiser, a webinar with its first places taken, and the people who will race."""
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=database_url, SERVER_NAME=None))
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        webinar = make_webinar(make_organiser(), capacity=CAPACITY, starts_at=utcnow() + timedelta(days=2))
        shared = hash_password(PASSWORD)

        def person(name):
            return create_user(f"{name}@race.example", PASSWORD, "patient_org", confirmed=True, password_hash=shared)

        early = [person(f"early{i}") for i in range(TAKEN_BEFORE)]
        racers = [person(f"racer{i:02d}") for i in range(RACERS)]
        late = [person(f"late{i}") for i in range(LATECOMERS)]
        db.session.commit()
        for user in early:
            registrations.register_for_webinar(user, webinar)
        result = webinar.id, [u.email for u in early], [u.email for u in racers], [u.email for u in late]
        db.session.remove()
        db.engine.dispose()
    return app, result


def _start_gunicorn(tmp_path, database_url):
    """The repo's gunicorn.conf.py with four workers (each warms up before its first request)."""
    env = app_env(tmp_path / "instance", database_url, WTF_CSRF_ENABLED=False, QUEUE_IMMEDIATE=False)
    return start_web(env, tmp_path / "gunicorn.log", workers=4)


def _all_at_once(actions):
    """Run the callables in threads released together; return their results in order."""
    gate = threading.Barrier(len(actions))

    def run(action):
        gate.wait(timeout=30)
        return action()

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, a) for a in actions]]


def _registrations(app, webinar_id):
    with app.app_context():
        webinar = db.session.get(Webinar, webinar_id)
        rows = db.session.scalars(db.select(Registration).where(Registration.webinar_id == webinar_id)).all()
        result = webinar.seats_taken, {r.user.email: (r.status, r.waitlisted_at, r.id) for r in rows}
        db.session.remove()
        db.engine.dispose()
    return result


def _race(tmp_path, database_url):
    app, (webinar_id, early, racers, late) = _prepare(tmp_path, database_url)
    server, base = _start_gunicorn(tmp_path, database_url)
    try:
        visitors = {email: Racer(base, email) for email in early + racers + late}
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda v: v.log_in(), visitors.values()))
        register = f"/webinars/{webinar_id}/register"

        # 1. Twenty people want the last three places at the same moment.
        statuses = _all_at_once([lambda v=visitors[e]: v.post(register, {"seats": "1"}) for e in racers])
        assert statuses == [302] * RACERS
        seats, rows = _registrations(app, webinar_id)
        confirmed = [e for e, (status, _, _) in rows.items() if status == RegistrationStatus.CONFIRMED]
        assert seats == CAPACITY and len(confirmed) == CAPACITY
        assert sum(status == RegistrationStatus.WAITLISTED for status, _, _ in rows.values()) == RACERS - 3
        queue = sorted(
            (e for e, (status, _, _) in rows.items() if status == RegistrationStatus.WAITLISTED),
            key=lambda e: rows[e][1:],
        )

        # 2. Three people cancel while four more register: the freed places go to the head of the queue.
        cancel = f"/webinars/{webinar_id}/cancel-registration"
        actions = [lambda v=visitors[e]: v.post(cancel) for e in early]
        actions += [lambda v=visitors[e]: v.post(register, {"seats": "1"}) for e in late]
        assert _all_at_once(actions) == [302] * (len(early) + len(late))
        seats, rows = _registrations(app, webinar_id)
        confirmed = {e for e, (status, _, _) in rows.items() if status == RegistrationStatus.CONFIRMED}
        assert seats == CAPACITY and len(confirmed) == CAPACITY
        assert set(queue[:3]) <= confirmed and not confirmed & set(early) and not confirmed & set(late)
        assert b"Traceback" not in (tmp_path / "gunicorn.log").read_bytes()
    finally:
        server.stop()


@pytest.mark.timeout(150)
def test_last_places_under_concurrent_registration_on_sqlite(tmp_path):
    _race(tmp_path, f"sqlite:///{tmp_path / 'race.db'}")


@pytest.mark.timeout(150)
def test_last_places_under_concurrent_registration_on_postgresql(tmp_path, postgres_database):
    _race(tmp_path, postgres_database)
