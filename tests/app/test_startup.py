"""What a command pays for at start: creating the app does not import what only some work uses (icalendar
for calendar files, Alembic for `flask db`, the Redis and PostgreSQL clients when the queue and the database
use neither), and each still loads, and works, where it is used; and what it built is frozen out of the
cyclic collector's walks."""

import json
import subprocess

from processes import BIN, ROOT

PROBE = """
import gc, json, sys
from join4atmp import create_app
before = gc.get_freeze_count()
create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
loaded = sorted(m for m in ("icalendar", "alembic", "flask_migrate", "redis", "psycopg") if m in sys.modules)
from icalendar import Calendar
import redis
from join4atmp.core import queue
storage = queue._redis_storage("redis://127.0.0.1:9/0")  # huey's Redis storage, given its client back
used = bool(Calendar().to_ical()) and isinstance(storage.conn, redis.Redis) and storage.redis_client is redis.Redis
frozen = gc.get_freeze_count() - before
print(json.dumps({"loaded": loaded, "used": used, "frozen": frozen > 10_000}))
"""


def test_app_creation_defers_what_only_some_work_uses(tmp_path):
    result = subprocess.run(
        [str(BIN / "python"), "-c", PROBE],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JOIN4ATMP_INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures == {"loaded": [], "used": True, "frozen": True}


def test_building_the_app_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    from join4atmp import create_app

    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)}
    config["GC_FREEZE_AT_START"] = False  # this process builds many apps; the probe above shows the default
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    create_app(config)
    assert gc.isenabled() and gc.get_freeze_count() <= frozen  # frozen objects freed meanwhile count down
    gc.disable()
    try:
        create_app(config)
        assert not gc.isenabled()
    finally:
        gc.enable()
