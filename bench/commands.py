"""Commands that start in a blink: the wall time of `flask --help` and of the periodic commands, each run
alternately with `flask --help` of a hello-world Flask app (bench/hello_app.py) in the same loop, so that the
machine's slow moments weigh on both sides. Prints each command's median and best time in seconds and its
median ratio to the hello-world run beside it.

    .venv/bin/python bench/commands.py               # 9 rounds
    .venv/bin/python bench/commands.py --rounds 2    # the tests' smoke run

Runs on a freshly migrated SQLite database in a temporary directory, where the commands find next to nothing to
do: what is measured is their start. Contacts nothing (mail goes to the file outbox).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from processes import BIN, app_env  # noqa: E402

COMMANDS = (
    ("--help",),
    ("privacy", "retention"),
    ("webinars", "purge"),
    ("webinars", "send-reminders"),
    ("notifications", "digest"),
    ("matching", "expire"),
    ("mail", "send-pending"),
)


def _seconds(args, env) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def measure(rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="j4a-commands-") as tmp:
        env = app_env(Path(tmp) / "instance", f"sqlite:///{Path(tmp) / 'commands.db'}")
        hello = {**env, "FLASK_APP": str(ROOT / "bench" / "hello_app.py")}
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        times = {" ".join(c): [] for c in COMMANDS}
        ratios = {" ".join(c): [] for c in COMMANDS}
        baseline = []
        for _ in range(rounds):
            for command in COMMANDS:
                base = _seconds(("--help",), hello)
                spent = _seconds(command, env)
                baseline.append(base)
                times[" ".join(command)].append(spent)
                ratios[" ".join(command)].append(spent / base)
    return {
        "rounds": rounds,
        "hello-world --help": {"median": statistics.median(baseline), "best": min(baseline)},
        "commands": {
            name: {
                "median": statistics.median(spent),
                "best": min(spent),
                "worst": max(spent),
                "ratio": statistics.median(ratios[name]),
            }
            for name, spent in times.items()
        },
    }


def report(figures: dict) -> str:
    hello = figures["hello-world --help"]
    lines = [
        f"Command start, {figures['rounds']} rounds (seconds; ratio = median of command / hello-world beside it)",
        f"{'hello-world flask --help':<32} median {hello['median']:.2f}  best {hello['best']:.2f}",
    ]
    for name, row in figures["commands"].items():
        lines.append(
            f"{'flask ' + name:<32} median {row['median']:.2f}  best {row['best']:.2f}  "
            f"worst {row['worst']:.2f}  {row['ratio']:.2f}x hello-world"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.rounds)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
