"""A bounded load on loopback: gunicorn (4 workers, the repo's gunicorn.conf.py) and job workers over the demo
data, hit by a few hundred concurrent people at once, reading and writing; then a check that nothing was
lost, nothing failed, and every email went out once.

    .venv/bin/python bench/load.py                        # SQLite (+ SQLite queue), then PostgreSQL (+ Redis)
    .venv/bin/python bench/load.py --database sqlite --clients 40 --rounds 1     # the test suite's smoke run

PostgreSQL: JOIN4ATMP_TEST_POSTGRES_URL names a server, or a throw-away cluster is started from Debian's
binaries; Redis likewise (redis-server). Only 127.0.0.1 is ever contacted; every loop is bounded in count and
time, and the script stops by itself. Exit status 1 when any check fails.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from processes import (  # noqa: E402
    PostgresServer,
    RedisServer,
    Visitor,
    app_env,
    fresh_postgres_database,
    load_demo,
    start_smtp,
    start_web,
    start_worker,
    wait_until,
    worker_ready,
)

DEMO_PASSWORD = "join4atmp-demo"
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
# Limits made for one person are lifted: every simulated person comes from 127.0.0.1.
LIFTED_LIMITS = {
    "ABUSE_LIMITS": {
        kind: {"user": [100000, 3600], "ip": [100000, 3600]}
        for kind in ("question", "match", "webinar_registration", "answer")
    },
    "LOGIN_LIMIT_PER_IP": [100000, 900],
    "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": [100000, 900],
    "RESET_LIMIT_PER_IP": [100000, 3600],
    "RESET_LIMIT_PER_ACCOUNT": [100000, 3600],
}


class Person(Visitor):
    """A logged-in demo member with the CSRF token of their session."""

    def log_in_with_form(self):
        self.csrf = _csrf(self.get("/login")[1])
        status, _ = self.post("/login", {"email": self.email, "password": DEMO_PASSWORD, "csrf_token": self.csrf})
        if status != 302:
            raise RuntimeError(f"login of {self.email} answered {status}")
        self.csrf = _csrf(self.get("/account")[1])

    def send(self, path, data):
        return self.post(path, {**data, "csrf_token": self.csrf})


def _csrf(page: bytes) -> str:
    match = CSRF.search(page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return (match.group(1) or match.group(2)).decode()


def _app(tmp, database_url):
    """The app in this process, on the load's database, for reading facts and checking results."""
    from join4atmp import create_app

    return create_app(
        {
            "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "processes-secret",
        }
    )


def _demo_facts(app) -> dict:
    """Who may log in without a second factor, and which questions and webinars exist."""
    from join4atmp.accounts.models import User
    from join4atmp.extensions import db
    from join4atmp.questions.models import Question, Visibility
    from join4atmp.webinars.models import Webinar, WebinarStatus

    with app.app_context():
        users = [
            u.email
            for u in db.session.scalars(db.select(User).order_by(User.id))
            if u.is_active_account and u.email_confirmed_at and not u.needs_second_factor and u.profile
        ]
        questions = db.session.scalars(db.select(Question.id).where(Question.visibility == Visibility.PUBLIC)).all()
        webinars = db.session.scalars(db.select(Webinar.id).where(Webinar.status == WebinarStatus.PUBLISHED)).all()
    return {"users": users, "questions": questions, "webinars": webinars}


def _actions(person, facts, rng, token):
    """One request of the mix: (kind, method, path, data or None). Writes carry ``token`` to find them later."""
    question = rng.choice(facts["questions"])
    roll = rng.random()
    if roll < 0.14:
        return "answer", "POST", f"/questions/{question}/answers", {"body": f"From experience: {token}. " * 3}
    if roll < 0.24:
        return (
            "publication",
            "POST",
            "/profile/publications",
            {"title": f"Potency assay study {token}", "abstract": "Comparability of lentiviral vectors."},
        )
    if roll < 0.32:
        return (
            "registration",
            "POST",
            f"/webinars/{rng.choice(facts['webinars'])}/register",
            {"seats": "1", "needs": token},
        )
    if roll < 0.38:
        return "reset", "POST", "/reset", {"email": person.email}
    reads = [
        "/",
        "/experts?q=hospital+exemption",
        "/questions?q=vector",
        f"/questions/{question}",
        "/webinars",
        "/experts?topic=potency-assays",
        "/account",
        "/healthz",
    ]
    return "read", "GET", rng.choice(reads), None


def run_load(
    database: str, clients: int, rounds: int, web_workers: int, seed: int = 7, demo_template: Path | None = None
) -> dict:
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix=f"j4a-load-{database}-"))
    services, processes = [], []
    smtp = start_smtp()
    try:
        if database == "postgresql":
            server_url = os.environ.get("JOIN4ATMP_TEST_POSTGRES_URL")
            if not server_url:
                pg = PostgresServer(tmp)
                services.append(pg)
                server_url = pg.url
            database_url = fresh_postgres_database(server_url, "j4a_load")
            redis = RedisServer(tmp)
            services.append(redis)
            queue, consumers = {"QUEUE_URL": redis.url}, 2
        else:
            database_url, queue, consumers = f"sqlite:///{tmp / 'load.db'}", {}, 1
        env = app_env(
            tmp / "instance", database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, **queue, **LIFTED_LIMITS
        )
        load_demo(env, demo_template)  # embeds the demo evidence too (or copies it, embedded once)
        app = _app(tmp, database_url)
        facts = _demo_facts(app)
        for number in range(consumers):
            worker = start_worker(env, tmp / f"worker-{number}.log", *([] if number == 0 else ["--no-periodic"]))
            processes.append(worker)
        web, base = start_web(env, tmp / "web.log", workers=web_workers)
        processes.append(web)
        wait_until(lambda: all(worker_ready(w) for w in processes[:consumers]), 180, 0.3, "the workers")
        before = _wait_for_drain(app)  # what the demo data queued goes out first
        already_sent = len(smtp.messages)

        people = [Person(base, facts["users"][i % len(facts["users"])], timeout=60) for i in range(clients)]
        for person in people:
            person.log_in_with_form()
        results = []
        lock = threading.Lock()
        started = time.monotonic()
        for round_number in range(rounds):
            plans = [_actions(p, facts, rng, f"load-{database}-{round_number}-{i}x") for i, p in enumerate(people)]
            gate = threading.Barrier(len(people))

            def go(person, plan):
                kind, method, path, data = plan
                gate.wait(timeout=60)
                began = time.monotonic()
                status, _ = person.send(path, data) if method == "POST" else person.get(path)
                with lock:
                    results.append(
                        {
                            "kind": kind,
                            "status": status,
                            "seconds": time.monotonic() - began,
                            "token": (data or {}).get("needs") or _token_in(data),
                        }
                    )

            threads = [threading.Thread(target=go, args=(p, plan)) for p, plan in zip(people, plans)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
        elapsed = time.monotonic() - started

        drained = _wait_for_drain(app)
        drained = {
            "queued": drained["queued"] - before["queued"],
            "sent": drained["sent"] - before["sent"],
            "stale": drained["stale"],
        }
        stored = _stored_tokens(app, [r["token"] for r in results if r["token"]])
        return _figures(database, results, elapsed, drained, stored, smtp, already_sent, web_workers, consumers)
    finally:
        for process in processes:
            process.stop()
        smtp.resume()
        smtp.controller.stop()
        for service in services:
            service.stop()


def _token_in(data):
    if not data:
        return None
    match = re.search(r"load-[a-z]+-\d+-\d+x", " ".join(str(v) for v in data.values()))
    return match.group(0) if match else None


def _wait_for_drain(app, timeout=240) -> dict:
    """Poll until the outbox is sent and no evidence is marked stale (bounded)."""
    from join4atmp.core.mail import OutboxMessage
    from join4atmp.extensions import db
    from join4atmp.matching.models import StaleEvidence

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            queued, sent = db.session.execute(db.select(db.func.count(), db.func.count(OutboxMessage.sent_at))).one()
            stale = db.session.scalar(db.select(db.func.count()).select_from(StaleEvidence))
        if (queued == sent and stale == 0) or time.monotonic() > deadline:
            time.sleep(2)  # room for a late duplicate to arrive
            return {"queued": queued, "sent": sent, "stale": stale}
        time.sleep(1)


def _stored_tokens(app, tokens) -> set:
    """The tokens of writes that the database holds (answers, publications, registrations)."""
    from join4atmp.extensions import db
    from join4atmp.profiles.models import Publication
    from join4atmp.questions.models import Answer
    from join4atmp.webinars.models import Registration

    with app.app_context():
        texts = [
            *db.session.scalars(db.select(Answer.body)),
            *db.session.scalars(db.select(Publication.title)),
            *(n for n in db.session.scalars(db.select(Registration.needs)) if n),
        ]
        db.engine.dispose()
    found = set(re.findall(r"load-[a-z]+-\d+-\d+x", "\n".join(texts)))
    return {t for t in tokens if t in found}


def _figures(database, results, elapsed, drained, stored, smtp, already_sent, web_workers, consumers) -> dict:
    seconds = sorted(r["seconds"] for r in results)
    writes = [r for r in results if r["token"]]
    delivered = smtp.message_ids()[already_sent:]
    return {
        "database": database,
        "web_workers": web_workers,
        "consumers": consumers,
        "requests": len(results),
        "by_kind": dict(Counter(r["kind"] for r in results)),
        "statuses": dict(Counter(r["status"] for r in results)),
        "5xx": sum(1 for r in results if r["status"] >= 500),
        "p50_ms": round(statistics.median(seconds) * 1000),
        "p99_ms": round(seconds[int(0.99 * (len(seconds) - 1))] * 1000),
        "seconds": round(elapsed, 1),
        "committed_but_not_2xx_3xx": sum(1 for r in writes if r["token"] in stored and r["status"] >= 400),
        "answered_2xx_3xx_but_lost": sum(1 for r in writes if r["status"] < 400 and r["token"] not in stored),
        "mails_queued": drained["queued"],
        "mails_sent": drained["sent"],
        "mails_received": len(delivered),
        "mails_received_twice": len(delivered) - len(set(delivered)),
        "stale_evidence_left": drained["stale"],
    }


def passed(figures) -> bool:
    return (
        figures["5xx"] == 0
        and figures["committed_but_not_2xx_3xx"] == 0
        and figures["answered_2xx_3xx_but_lost"] == 0
        and figures["mails_received_twice"] == 0
        and figures["mails_queued"] == figures["mails_sent"] == figures["mails_received"]
        and figures["stale_evidence_left"] == 0
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=220, help="people sending at once (default 220)")
    parser.add_argument("--rounds", type=int, default=2, help="bursts, each of one request per person")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument(
        "--out",
        default=str(ROOT / "bench" / "results" / "load-latest.jsonl"),
        help="where to write the figures, a JSON line per database ('' for nowhere)",
    )
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    ok = True
    lines = []
    for database in databases:
        figures = run_load(database, min(args.clients, 400), min(args.rounds, 10), args.web_workers)
        ok &= passed(figures)
        lines.append(json.dumps(figures))
        print(lines[-1])
        print(
            f"{database}: {figures['requests']} requests, {figures['5xx']} 5xx, p50 {figures['p50_ms']} ms, "
            f"p99 {figures['p99_ms']} ms; mails queued {figures['mails_queued']}, delivered "
            f"{figures['mails_received']} ({figures['mails_received_twice']} twice); committed but refused "
            f"{figures['committed_but_not_2xx_3xx']}, lost {figures['answered_2xx_3xx_but_lost']}; "
            f"{'PASS' if passed(figures) else 'FAIL'}",
            flush=True,
        )
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
