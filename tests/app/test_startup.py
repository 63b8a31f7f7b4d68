"""What a command pays for at start: creating the app does not import icalendar (0.14 s), which only the
calendar files use, and it still loads, and works, where it is used."""

import json
import subprocess

from processes import BIN, ROOT

PROBE = """
import json, sys
from join4atmp import create_app
create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
loaded = "icalendar" in sys.modules
from icalendar import Calendar
used = bool(Calendar().to_ical())
print(json.dumps({"loaded": loaded, "used": used}))
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
    assert figures == {"loaded": False, "used": True}
