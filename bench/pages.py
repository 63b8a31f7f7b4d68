"""Pages at Flask's speed: requests/s of the app's pages against a hello-world Flask app served by the same
gunicorn.conf.py, the two measured alternately in one run, printed as ratios; then the memory of the web
processes (PSS, so that pages shared after the fork count once) with one and with four workers, with the
demo index and with a synthetic index of ``--passages`` passages.

    .venv/bin/python bench/pages.py                  # wrk (Debian's package), 8 connections, 3 rounds of 3 s
    .venv/bin/python bench/pages.py --seconds 1 --rounds 1 --only / /experts --no-memory   # the tests' smoke run
    .venv/bin/python bench/pages.py --store-off      # also each page with the page store off (rendered afresh)

Only 127.0.0.1 is contacted; every run is bounded in time. Writes nothing outside a temporary directory.
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from processes import (  # noqa: E402
    BIN,
    Process,
    app_env,
    free_port,
    group_pss_mib,
    load_demo,
    start_web,
    wait_until,
    workers_booted,
)

DEMO_PASSWORD = "join4atmp-demo"
DEVELOPER = "erik.holmberg@nordvector-se.example"
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
# wrk's summary line: "Requests/sec:   1234.56"
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WEB_WORKERS = 2  # this machine's cores; the memory figures use 1 and 4


def prepare(tmp: Path, demo_template: Path | None = None) -> dict:
    """A fresh SQLite database with the demo data and its index (copied from ``demo_template`` when it holds
    them: processes.load_demo); returns the web processes' environment."""
    env = app_env(
        tmp / "instance",
        f"sqlite:///{tmp / 'pages.db'}",
        LOGIN_LIMIT_PER_IP=[100000, 900],
        SESSION_COOKIE_SECURE=False,
    )
    load_demo(env, demo_template)
    return env


def start_hello(env, log_path, workers) -> tuple[Process, str]:
    port = free_port()
    env = dict(env, JOIN4ATMP_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers))
    args = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--pythonpath", str(ROOT / "bench")]
    web = Process([*args, "hello_app:app"], env, log_path)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(base + "/"), 60, 0.2, "the hello-world app")
    return web, base


def _answers(url) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def session_cookie(base) -> str:
    """Log the demo developer in through the form; returns the Cookie header of the session."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login") as response:
        token = CSRF.search(response.read()).group(1).decode()
    form = {"email": DEVELOPER, "password": DEMO_PASSWORD, "csrf_token": token}
    with opener.open(base + "/login", urllib.parse.urlencode(form).encode()) as response:
        response.read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise RuntimeError("the demo developer could not log in")
    return cookies


def wrk(url, seconds, connections=8, cookie=None) -> float:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} answers were not 2xx/3xx")
    return float(RATE.search(output).group(1))


def pages(base) -> list[tuple[str, str, bool]]:
    """(label, path, needs the session) of the pages measured, with ids read off the demo data."""
    import urllib.request

    with urllib.request.urlopen(base + "/api/v1/experts?per_page=1") as response:
        expert = json.load(response)["items"][0]["id"]
    with urllib.request.urlopen(base + "/api/v1/questions?per_page=1") as response:
        question = json.load(response)["items"][0]["id"]
    return [
        ("/", "/", False),
        ("/experts", "/experts", False),
        ("/experts?q=", "/experts?q=gene+therapy", False),
        ("/questions", "/questions", False),
        ("/questions/<id>", f"/questions/{question}", False),
        ("/webinars", "/webinars", False),
        ("/api/v1/experts", "/api/v1/experts", False),
        ("/api/v1/experts?per_page=200", "/api/v1/experts?per_page=200", False),
        ("/experts/<id>", f"/experts/{expert}", False),
        ("/account", "/account", True),
    ]


def measure_pages(env, tmp, seconds, rounds, only=None, store_off=False) -> list[dict]:
    """Each page's requests/s beside hello-world's, alternated; with ``store_off``, also the app with its
    page store off (PAGE_CACHE_SECONDS=0: every page rendered afresh, what a page costs when it changed)."""
    hello, hello_base = start_hello(env, tmp / "hello.log", WEB_WORKERS)
    web, base = start_web(env, tmp / "web.log", workers=WEB_WORKERS)
    servers = [hello, web]
    try:
        fresh_base = None
        if store_off:
            fresh, fresh_base = start_web(dict(env, JOIN4ATMP_PAGE_CACHE_SECONDS="0"), tmp / "fresh.log", WEB_WORKERS)
            servers.append(fresh)
        cookie = session_cookie(base)
        fresh_cookie = session_cookie(fresh_base) if fresh_base else None
        rows = []
        for label, path, private in pages(base):
            if only and label not in only:
                continue
            wrk(base + path, 1, cookie=cookie if private else None)  # warm both before measuring
            wrk(hello_base + path, 1)
            app_rates, hello_rates, fresh_rates = [], [], []
            for _ in range(rounds):  # alternated, so that a busy moment of the machine hits both
                hello_rates.append(wrk(hello_base + path, seconds))
                app_rates.append(wrk(base + path, seconds, cookie=cookie if private else None))
                if fresh_base:
                    fresh_rates.append(wrk(fresh_base + path, seconds, cookie=fresh_cookie if private else None))
            # Each round's ratio is taken against the hello-world run beside it, then the median of those:
            # a slow moment of the machine (this one has them) weighs on one pair, not on one side.
            row = {
                "page": label,
                "app": statistics.median(app_rates),
                "hello": statistics.median(hello_rates),
                "ratio": statistics.median(a / h for a, h in zip(app_rates, hello_rates, strict=True)),
            }
            if fresh_rates:
                row["fresh"] = statistics.median(fresh_rates)
                row["fresh_ratio"] = statistics.median(f / h for f, h in zip(fresh_rates, hello_rates, strict=True))
            rows.append(row)
        return rows
    finally:
        for server in servers:
            server.stop()


# -- memory ------------------------------------------------------------------------------------------


def measure_memory(env, tmp, workers) -> float:
    web, _ = start_web(env, tmp / f"web-{workers}.log", workers=workers, boot_timeout=600)
    try:
        wait_until(lambda: workers_booted(web, workers), 600, 0.5, "every worker to start")
        time.sleep(1)
        return group_pss_mib(web.popen.pid)
    finally:
        web.stop()


def write_synthetic_index(env, passages: int, experts: int):
    """Replace the demo index cache by ``passages`` random unit vectors over ``experts`` owners, stamped
    with the demo database's version so that the web workers load it as their index."""
    sys.path.insert(0, str(ROOT / "platform"))
    from join4atmp import create_app
    from join4atmp.matching.spaces import EvidenceSource, live_index
    from join4atmp.search.index import PassageIndex

    app = create_app({"INSTANCE_PATH": env["JOIN4ATMP_INSTANCE_PATH"], "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with app.app_context():
        source = EvidenceSource()
        index = PassageIndex(source.dimension)
        rng = np.random.default_rng(7)
        vectors = np.empty((passages, source.dimension), dtype=np.float32)
        for start in range(0, passages, 100_000):
            block = vectors[start : start + 100_000]
            block[:] = rng.standard_normal(block.shape, dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        ids = np.arange(10**9, 10**9 + passages)
        index.add(ids, 10**9 + ids % experts, ids, vectors)
        del vectors
        index.version = source.version()
        index.stamp = source.stamp(index.version)
        index.save(live_index().cache_path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternated runs per page (the median is kept)")
    parser.add_argument("--passages", type=int, default=1_000_000, help="synthetic index size (0: skip)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--only", nargs="+", help="measure only these pages (their labels, e.g. / /experts)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory figures")
    parser.add_argument("--demo-template", type=Path, help="keep the prepared demo data here, or copy it from here")
    parser.add_argument(
        "--store-off", action="store_true", help="also measure the app with its page store off (pages rendered afresh)"
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="j4a-pages-"))
    try:
        env = prepare(tmp, args.demo_template)
        rows = measure_pages(env, tmp, args.seconds, args.rounds, args.only, args.store_off)
        print(f"\n## Pages against hello-world ({WEB_WORKERS} gunicorn workers, wrk 8 connections)\n")
        fresh = "fresh" in (rows[0] if rows else {})
        print("| page | app requests/s | hello-world requests/s | ratio |" + (" store off | ratio |" if fresh else ""))
        print("|---|---|---|---|" + ("---|---|" if fresh else ""))
        for row in rows:
            line = f"| `{row['page']}` | {row['app']:.0f} | {row['hello']:.0f} | {row['ratio']:.2f}x |"
            print(line + (f" {row['fresh']:.0f} | {row['fresh_ratio']:.2f}x |" if fresh else ""))
        memory = {}
        sizes = [] if args.no_memory else [("demo index", None)]
        sizes += [(f"{args.passages:,} passages", args.passages)] if args.passages and not args.no_memory else []
        for label, passages in sizes:
            if passages:
                write_synthetic_index(env, passages, experts=max(1, passages // 10))
            one, four = measure_memory(env, tmp, 1), measure_memory(env, tmp, 4)
            memory[label] = {"one": one, "four": four, "ratio": four / one}
        print("\n## Memory of the web processes (master + workers, PSS)\n")
        print("| index | 1 worker | 4 workers | ratio |")
        print("|---|---|---|---|")
        for label, figures in memory.items():
            print(f"| {label} | {figures['one']:.0f} MiB | {figures['four']:.0f} MiB | {figures['ratio']:.2f}x |")
        if args.json:
            args.json.write_text(json.dumps({"pages": rows, "memory": memory}, indent=2))
        return {"pages": rows, "memory": memory}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
