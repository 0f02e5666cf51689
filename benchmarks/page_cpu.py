"""CPU per request of the served pages, in one process, through Django's WSGI handler: no HTTP server, no load
generator, nothing else on the cores but what the request itself costs (issue 10: less work per page).

    .venv/bin/python benchmarks/page_cpu.py [--requests 300] [--rounds 3] [--keep-db] [--reuse-db]
        [--profile "guardian dashboard"]   (that page's requests under cProfile as well: its top 30, and the
                                            whole profile in var/bench/page-cpu.prof)
        [--instructions]                   (instead: instructions per request counted by valgrind's callgrind,
                                            one run of --requests 40 by default, ~1 minute)

The database is the serving benchmark's (``seed_demo --scale 10``, 100 guardians and the lesson's 40 pupils
signed in, ``benchmarks/serving.py``'s preparation), production settings, Redis cache. A child process sends each
page ``--requests`` times to ``school_portal.wsgi.application`` (a WSGI environ as the server builds it, the
signed-in pages round robin over their people) after a warm-up of 20, and counts its own CPU time
(``time.process_time``) over them; the figure kept is each page's lowest of ``--rounds`` rounds, each round a
fresh process. A static file served by WhiteNoise is the reference, the floor of a request through Django.

On a shared machine CPU time varies by 10-25 % from one run to the next (other tenants, the CPU's clock), more
than many a change makes. ``--instructions`` counts the instructions each page's requests execute instead
(``valgrind --tool=callgrind``, collecting only while the measured requests run, ``PYTHONHASHSEED=0``): the same
code counts the same to within ~0.1 %, whatever else the machine does, so two commits compare in runs made at
different times. Instructions are not time (a cache miss costs more than an add), and what the kernel does for
the request (sockets to PostgreSQL and Redis) is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from classrooms_bench import CSRF, _autosave_body
from serving import HOST, prepared_data
from support import (
    PYTHON,
    ROOT,
    bench_database_name,
    bench_env,
    cpu_profiled,
    postgres_database,
    postgres_database_exists,
    print_header,
)

PREPARED = ROOT / "var" / "bench" / "page-cpu-prepared.json"
CALLGRIND_DIR = ROOT / "var" / "bench" / "page-cpu-callgrind"
CHILD_DATA = ROOT / "var" / "bench" / f"page-cpu-{os.getpid()}.json"
WARM_UP = 20


def pages(data: dict) -> list[tuple[str, str, str, list[str], bytes | None]]:
    """(name, host, path, session keys (none for a visitor), the body of a POST (the tablet's JSON) or None)."""
    return [
        ("static file", HOST, data["static_path"], [], None),
        ("school home (visitor)", data["school_host"], "/", [], None),
        ("guardian dashboard", HOST, "/dashboard/", data["guardians"][:40], None),
        ("student day", HOST, "/dashboard/", data["students"][:40], None),
        ("lesson page", HOST, data["work_path"], data["students"][:40], None),
        ("autosave", HOST, data["autosave_path"], data["students"][:40], _autosave_body(data["questions"], 0)),
    ]


def _environ(host: str, path: str, session: str | None, body: bytes | None = None) -> dict:
    name, _, port = host.partition(":")
    environ = {
        "REQUEST_METHOD": "GET" if body is None else "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": name,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT": "text/html",
        "HTTP_ACCEPT_LANGUAGE": "ja",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if session:  # as a browser sends them after its first page: the session and the CSRF cookie
        environ["HTTP_COOKIE"] = f"sessionid={session}; csrftoken={CSRF}"
    if body is not None:  # as the tablet's script sends a save: JSON, the CSRF token in a header and its cookie
        environ.update(
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
            HTTP_ORIGIN=f"https://{host}",
            HTTP_X_CSRFTOKEN=CSRF,
        )
    return environ


def _callgrind(*command: str) -> None:
    """Tell the callgrind running this process (``callgrind_control``)."""
    subprocess.run(["callgrind_control", *command, str(os.getpid())], check=True, capture_output=True)


def measure(data: dict, requests: int, profile: str = "", instructions: bool = False) -> dict[str, dict[str, float]]:
    """Inside this process: each page's CPU ms and wall ms per request through the WSGI handler; the page named
    ``profile`` is then asked as many times again under cProfile (its top 30 to stderr). ``instructions``: the
    process runs under callgrind, which counts only the measured requests, one dump per page, in order."""
    sys.path.insert(0, str(ROOT))
    from school_portal.wsgi import application

    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses.append(status)

    def ask(page: tuple[str, str, str, list[str], bytes | None], count: int) -> None:
        """``count`` requests of ``page``, its people in turn."""
        _name, host, path, sessions, sent = page
        for i in range(count):
            body = application(
                _environ(host, path, sessions[i % len(sessions)] if sessions else None, sent), start_response
            )
            for _chunk in body:
                pass
            if hasattr(body, "close"):
                body.close()

    results = {}
    for page in pages(data):
        statuses.clear()
        ask(page, max(WARM_UP, len(page[3])) if instructions else WARM_UP)  # counted: every person seen once
        if instructions:
            _callgrind("--instr=on")
        cpu, wall = time.process_time(), time.perf_counter()
        ask(page, requests)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if instructions:
            _callgrind("--instr=off")
            _callgrind("--dump")
        results[page[0]] = {
            "cpu_ms": cpu * 1000 / requests,
            "wall_ms": wall * 1000 / requests,
            "statuses": sorted(set(statuses)),
        }
        if page[0] == profile:
            cpu_profiled(lambda page=page: ask(page, requests), "page-cpu", stream=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, help="a page's measured requests (300; 40 with --instructions)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind for --reuse-db")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a kept database (not seeded again)")
    parser.add_argument("--profile", default="", help="also profile this page (its name in the table)")
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind instead")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        data = json.loads(Path(args.child).read_text())
        print(json.dumps(measure(data, args.requests, args.profile, args.instructions)))
        return
    if args.instructions:
        instructions_main(args)
        return

    print_header("CPU per request through the WSGI handler, one process (no HTTP server)")
    args.requests = args.requests or 300
    with _prepared(args) as (env, _data):
        best: dict[str, dict] = {}
        loads = []
        for _round in range(args.rounds):
            loads.append(os.getloadavg()[0])
            command = [PYTHON, os.path.abspath(__file__), "--child", str(CHILD_DATA), "--requests", str(args.requests)]
            command += ["--profile", args.profile] if args.profile and _round == 0 else []
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode:
                raise RuntimeError(done.stdout + done.stderr)
            if "(the whole profile" in done.stderr:
                print(done.stderr[done.stderr.index("(the whole profile") :])
            for page, figures in json.loads(done.stdout.strip().splitlines()[-1]).items():
                if page not in best or figures["cpu_ms"] < best[page]["cpu_ms"]:
                    best[page] = figures
    static = best["static file"]["cpu_ms"]
    print(f"load average (1 min) at each round's start: {', '.join(f'{v:.2f}' for v in loads)}")
    print(f"{'page':28}{'CPU ms/req':>12}{'x static':>10}{'wall ms/req':>13}  statuses")
    for page, figures in best.items():
        print(
            f"{page:28}{figures['cpu_ms']:>12.2f}{figures['cpu_ms'] / static:>10.1f}{figures['wall_ms']:>13.2f}  "
            f"{', '.join(figures['statuses'])}"
        )


@contextlib.contextmanager
def _prepared(args: argparse.Namespace, **extra_env: str) -> Iterator[tuple[dict[str, str], dict]]:
    """The benchmark database (made, or kept from an earlier run) and its people; the child's environment and
    data, the data also in ``CHILD_DATA`` for the child. The database goes afterwards unless ``--keep-db``."""
    name = bench_database_name("page_cpu")
    reuse = args.reuse_db and postgres_database_exists(name) and PREPARED.exists()
    with postgres_database(name, keep=args.keep_db, reuse=reuse) as url:
        env = bench_env(url, DB_CONN_MAX_AGE="60", **extra_env)
        data = prepared_data(env, args, reuse, PREPARED)
        CHILD_DATA.parent.mkdir(parents=True, exist_ok=True)
        CHILD_DATA.write_text(json.dumps(data))
        try:
            yield env, data
        finally:
            CHILD_DATA.unlink(missing_ok=True)


def instructions_main(args: argparse.Namespace) -> None:
    """``--instructions``: one run under callgrind; instructions per request of each page, and per static file."""
    requests = args.requests or 40
    print_header("Instructions per request through the WSGI handler, one process under callgrind (no HTTP server)")
    with _prepared(args, PYTHONHASHSEED="0") as (env, data):
        if CALLGRIND_DIR.exists():
            for old in CALLGRIND_DIR.iterdir():
                old.unlink()
        CALLGRIND_DIR.mkdir(parents=True, exist_ok=True)
        out = CALLGRIND_DIR / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        command += [PYTHON, os.path.abspath(__file__), "--child", str(CHILD_DATA), "--requests", str(requests)]
        done = subprocess.run([*command, "--instructions"], env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(done.stdout + done.stderr[-4000:])
    counts = []
    for number in range(1, len(pages(data)) + 1):
        totals = [line for line in Path(f"{out}.{number}").read_text().splitlines() if line.startswith("totals:")]
        counts.append(int(totals[0].split()[1]) / requests)
    static = counts[0]
    print(f"{requests} requests a page, after one per person (at least {WARM_UP}) not counted; PYTHONHASHSEED=0")
    print(f"{'page':28}{'instructions/req':>18}{'x static':>10}")
    for page, count in zip(pages(data), counts, strict=True):
        print(f"{page[0]:28}{count / 1e6:>16.2f} M{count / static:>10.1f}")


if __name__ == "__main__":
    main()
