"""Real processes for tests (and bench/load.py): gunicorn with the repo's gunicorn.conf.py, job workers,
redis-server, and an SMTP server on loopback that can stall like a hung one. Everything binds 127.0.0.1
and is stopped by the caller."""

import asyncio
import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(instance: Path, database_url: str, **settings) -> dict:
    """The environment of a web or worker process: JOIN4ATMP_* settings (JSON-parsed by the app)."""
    env = dict(
        os.environ,
        FLASK_APP="join4atmp",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        JOIN4ATMP_INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        JOIN4ATMP_SECRET_KEY="processes-secret",
        PYTHONUNBUFFERED="1",
    )
    for key, value in settings.items():
        env[f"JOIN4ATMP_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def flask(env, *args):
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True)


def load_demo(env, template: Path | None = None):
    """The demo data, migrated and embedded, in the database and instance folder of ``env``. With a
    ``template`` folder, the first call also keeps a copy there (database file and instance folder) and later
    calls copy it instead: embedding the demo evidence in both spaces is most of what a bench's set-up costs.
    A copy is for SQLite only; a PostgreSQL database is always loaded afresh."""
    database_url, instance = env["DATABASE_URL"], Path(env["JOIN4ATMP_INSTANCE_PATH"])
    database = Path(database_url.removeprefix("sqlite:///")) if database_url.startswith("sqlite:///") else None
    if template is not None and database and (template / "ready").exists():
        _copy_sqlite(template / "demo.db", database)
        shutil.copytree(template / "instance", instance, dirs_exist_ok=True)
        return
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    if template is not None and database:
        template.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(database, template / "demo.db")
        shutil.copytree(instance, template / "instance", dirs_exist_ok=True)
        (template / "ready").touch()


def _copy_sqlite(source: Path, target: Path):
    """SQLite's own online backup: what a write-ahead log still holds is copied too."""
    import sqlite3

    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    reading.close()
    writing.close()


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, args, env, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def alive(self):
        return self.popen.poll() is None

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """kill -9 of the whole group (a gunicorn master and its workers, or a worker): no clean-up runs."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout=20):
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_until(predicate, timeout, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    if not predicate():
        raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def start_web(env, log_path, workers=4, port=None, boot_timeout=120) -> tuple[Process, str]:
    """gunicorn with the repo's gunicorn.conf.py; returns once /healthz answers."""
    port = port or free_port()
    env = dict(
        env,
        JOIN4ATMP_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        JOIN4ATMP_BASE_URL=f"http://127.0.0.1:{port}",
    )
    web = Process([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")], env, log_path)
    base = f"http://127.0.0.1:{port}"

    def up():
        assert web.alive, web.output()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(up, boot_timeout, 0.3, "gunicorn to answer /healthz")
    return web, base


def group_pss_mib(master_pid) -> float:
    """Memory of a gunicorn master and its workers, in MiB of PSS: a page shared by n processes counts
    1/n in each, so pages shared after the fork count once in the sum."""

    def pss_kib(pid):
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:  # gone meanwhile
            return 0
        return next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)

    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    return sum(pss_kib(pid) for pid in [master_pid, *children]) / 1024


def workers_booted(web: "Process", count: int) -> bool:
    return web.output().count("Booting worker") >= count


def start_worker(env, log_path, *extra) -> Process:
    """`flask jobs worker`; returns at once (it loads the model, then consumes)."""
    return Process([str(BIN / "flask"), "jobs", "worker", *extra], env, log_path)


def worker_ready(worker: Process) -> bool:
    assert worker.alive, worker.output()
    return "Job worker:" in worker.output()


class RedisServer:
    """A throw-away redis-server on a free loopback port, without persistence."""

    def __init__(self, tmp_path: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = Process(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            dict(os.environ),
            tmp_path / "redis.log",
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), 15, 0.1, "redis-server")

    def stop(self):
        self.process.stop()


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:  # noqa: BLE001 - not up yet
        return False


class SmtpInbox:
    """The handler of a real aiosmtpd server: keeps what arrives; ``stall()`` makes it hang at RCPT TO,
    as a hung server does, until ``resume()`` (the client gives up on its socket timeout meanwhile)."""

    def __init__(self):
        self.messages = []
        self.running = threading.Event()
        self.running.set()
        self.stalled_sessions = 0

    def stall(self):
        self.running.clear()

    def resume(self):
        self.running.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.running.is_set():
            self.stalled_sessions += 1
            while not self.running.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def start_smtp(port=None):
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    inbox.controller, inbox.port = controller, controller.port
    return inbox


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One person's cookie session against a live server (no CSRF: the processes run with it off)."""

    def __init__(self, base, email=None, timeout=60):
        self.base, self.email, self.timeout = base, email, timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, method, path, data=None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None):
        return self.request("POST", path, data or {})

    def log_in(self, password):
        status, _ = self.post("/login", {"email": self.email, "password": password})
        assert status == 302, (self.email, status)


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free loopback port (Debian's binaries), for runs without one."""

    def __init__(self, tmp_path: Path):
        import glob

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise FileNotFoundError("pg_ctl")
        self.bin = Path(found[-1]).parent
        self.data = tmp_path / "pgdata"
        self.data.mkdir()
        self.port = free_port()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_postgres:
            shutil.chown(self.data, "postgres")
            shutil.chown(tmp_path, "postgres")
        self.as_postgres = as_postgres
        subprocess.run(
            [*as_postgres, str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *as_postgres,
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                f"-k {self.data} -h 127.0.0.1 -p {self.port} -c max_connections=200",
                "-l",
                str(self.data / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self):
        subprocess.run(
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            capture_output=True,
        )


def fresh_postgres_database(server_url: str, name: str) -> str:
    """Create (or re-create) database ``name`` on the server; returns its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
