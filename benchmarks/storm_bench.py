"""The storm morning: signed-in guardians opening the board's emergency notice, under the chosen serving layout.

    BENCH_DATABASE_PREFIX=bench_x BENCH_REDIS_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python benchmarks/storm_bench.py [--seconds 10] [--guardians 24000] [--processes 2] [--rate 1000]
        [--setup granian]   (another of serving.py's set-ups: gunicorn, uvicorn-once, ...)
        [--profile 2000]   (instead of serving: that many requests in one process under cProfile, its top 30;
                            the whole profile in var/bench/storm.prof)

Target of issue 13 (a figure, not an assert): the emergency notice page sustains at least 1,000 requests/s for
signed-in guardians on this 2-core machine with p99 under 200 ms, shown with the ratio to the static-file rate
of the same run and set-up.

1. A fresh PostgreSQL database, migrated, ``seed_demo``; production settings (Redis cache, sessions in Redis
   written through to the database). ``--guardians`` more guardians of the demo children are added, each signed in
   (a session each), and the emergency notice is proposed and confirmed by two board members.
2. The serving layout of docs/operations.md: granian (WSGI, 8 threads) x ``--processes``, WebSockets apart (none
   here); ``--setup`` names another of ``serving.py``'s set-ups to compare. Each client sends the next request with
   the next guardian's session (its share of them in turn). The closed loop takes the first half of the guardians
   and the paced run the second, so that as on a real morning (160,000 families, most opening it once) nearly every
   request is a family's first read, which writes its receipt; a run that asks for more requests than a half holds
   goes round again (repeat visits, which write nothing: the process remembers the receipts it wrote).
3. Rows: the static file (closed loop, the reference), the notice page (closed loop: its capacity), then the
   notice page paced at ``--rate`` requests/s (``--rate / 5`` clients each once every 0.2 s; latencies from the
   moment each request was due, so a server that falls behind shows it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

from http_load import Outcome, _request, drive
from serving import HOST, LAYOUT, SETUPS, Meter, _row, engines_cpu, servers
from support import (
    PYTHON,
    ROOT,
    bench_database_name,
    bench_env,
    cpu_profiled,
    flush_bench_redis,
    manage,
    postgres_database,
    prepare_static,
    print_header,
)


def prepare_in_django(guardians: int) -> None:
    """(In a child process with the benchmark's environment.) Guardians, sessions, the emergency notice sent."""
    import django

    django.setup()
    import people
    from django.utils import timezone

    from parent_notices.testing import board_member, emergency_sent
    from school_portal.core.models import City, Enrollment, Guardian, GuardianLink, SchoolYear, User

    years = SchoolYear.objects.active(timezone.localdate()).values("id")
    students = list(
        Enrollment.objects.filter(school_year__in=years, student__is_active=True).values_list("student_id", flat=True)
    )
    users = User.objects.bulk_create(
        [User(username=f"storm-g-{i}", display_name=f"保護者{i}", password=people.UNUSABLE) for i in range(guardians)]
    )
    made = Guardian.objects.bulk_create([Guardian(user=u) for u in users])
    GuardianLink.objects.bulk_create(
        [GuardianLink(guardian=g, student_id=students[i % len(students)]) for i, g in enumerate(made)]
    )
    city = City.objects.order_by("pk").first()
    notice = emergency_sent(
        city=city, proposed_by=board_member("storm-board-1"), confirmed_by=board_member("storm-board-2")
    )
    sessions = people.signed_in_sessions(users)
    print(json.dumps({"sessions": sessions, "path": f"/notices/{notice.pk}/", "notice": notice.pk}))


async def _run(
    path: str, cookies: list[str | None], ports: list[int], clients: int, seconds: float, interval: float
) -> Outcome:
    """``clients`` clients; client i sends with cookies i, i + clients, ... in turn (a new guardian each time)."""
    from http_load import Target

    outcome = Outcome()
    start = time.perf_counter()
    warm_until, deadline = start + 2.0, start + 2.0 + seconds
    before = os.times()
    jobs = []
    for i in range(clients):
        mine = cookies[i::clients] or [cookies[i % len(cookies)]]
        requests = [_request(Target("", path, HOST), cookie) for cookie in mine]
        jobs.append(drive(requests, ports[i % len(ports)], i, start, warm_until, deadline, interval, clients, outcome))
    await asyncio.gather(*jobs)
    after = os.times()
    outcome.seconds = max(seconds, outcome.last_done - warm_until)
    outcome.wall_seconds = time.perf_counter() - start
    outcome.cpu_seconds = (after.user - before.user) + (after.system - before.system)
    return outcome


def _families_asked(outcome: Outcome, cookies: list[str | None], clients: int) -> int:
    """How many different guardians a run's clients asked for the page (client i goes round its share in turn)."""
    return sum(min(sent, len(cookies[i::clients])) for i, sent in outcome.sent.items())


def _engines_per_request(before: dict[str, float], outcome: Outcome) -> str:
    used = {name: seconds - before[name] for name, seconds in engines_cpu().items()}
    return ", ".join(f"{name} {seconds * 1000 / max(1, outcome.completed):.2f}" for name, seconds in used.items())


def _receipts_written(url: str, notice_id: int) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        query = "SELECT count(*) FROM parent_notices_noticeread WHERE notice_id = %s"
        return db.execute(query, [notice_id]).fetchone()[0]


def profile_in_django(path: str, sessions: list[str], requests: int) -> None:
    """(In a child process with the benchmark's environment.) ``requests`` GETs of ``path`` through the WSGI
    application, a new guardian's session each, then as many more under cProfile (with more than twice
    ``requests`` guardians, each a first read); prints the CPU per request of both and the profile's top 30."""
    import io
    import sys

    from django.conf import settings

    from school_portal.wsgi import application

    def get(session: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": HOST.partition(":")[0],
            "SERVER_PORT": HOST.partition(":")[2] or "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        statuses = []
        body = b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
        if not statuses[0].startswith("200") or b"<article" not in body:
            raise RuntimeError(f"{statuses[0]}: not the notice")

    for session in sessions[:20]:
        get(session)
    started = time.process_time()  # first without the profiler: its own cost doubles the figure
    for n in range(requests):
        get(sessions[(20 + n) % len(sessions)])
    print(f"{(time.process_time() - started) * 1000 / requests:.2f} ms CPU a request (one process, no HTTP server)")
    started = time.process_time()

    def profiled() -> None:
        for n in range(requests):
            get(sessions[(20 + requests + n) % len(sessions)])

    cpu_profiled(profiled, "storm", tottime=25)
    print(f"{(time.process_time() - started) * 1000 / requests:.2f} ms CPU a request under cProfile (with its report)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--guardians", type=int, default=24000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument(
        "--setup", default=LAYOUT, choices=SETUPS, help="the HTTP server set-up (serving.py's; the chosen layout's)"
    )
    parser.add_argument("--profile", type=int, default=0, help="profile this many requests in one process instead")
    parser.add_argument("--prepare", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_in_django(args.prepare)
        return
    if args.profile_child:
        import django

        django.setup()
        data = json.loads(Path(args.profile_child).read_text())
        profile_in_django(data["path"], data["sessions"], args.profile)
        return

    print_header(f"storm morning: the emergency notice for signed-in guardians, {args.setup} x {args.processes}")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with postgres_database(bench_database_name("storm")) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--quiet")
        prepare_static(env)
        flush_bench_redis()
        made = subprocess.run(
            [PYTHON, __file__, "--prepare", str(args.guardians)], env=env, capture_output=True, text=True, check=False
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        data = json.loads(made.stdout.strip().splitlines()[-1])
        manifest = json.loads((Path(env["STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]
        css = next(name for name in manifest if name.endswith(".css"))
        static_path = f"/static/{manifest[css]}"
        cookies = data["sessions"]
        print(f"{len(cookies)} guardians signed in; notice {data['path']}")
        if args.profile:
            handed = ROOT / "var" / "bench" / "storm-profile.json"
            handed.parent.mkdir(parents=True, exist_ok=True)
            handed.write_text(json.dumps(data))
            command = [PYTHON, __file__, "--profile", str(args.profile), "--profile-child", str(handed)]
            subprocess.run(command, env=env, check=True)
            return
        print(
            f"{'page':24} {'mode':22} {'req/s':>7} {'ratio':>6} {'p50':>6} {'p95':>6} {'p99':>7} {'err':>4} "
            f"{'CPU ms/req':>10} {'busiest':>7} {'machine':>7} {'load':>5}"
        )
        with servers(env, args.setup, args.processes) as (ports, roots):
            rows = []
            meter = Meter(roots)
            outcome = asyncio.run(_run(static_path, [None], ports, args.clients, args.seconds, 0.0))
            rows.append(_row(args.setup, "static file", f"closed, {args.clients}", outcome, 0.0, meter.stop()))
            static_rate = outcome.throughput
            meter, engines = Meter(roots), engines_cpu()
            first_half, second_half = cookies[: len(cookies) // 2], cookies[len(cookies) // 2 :]
            outcome = asyncio.run(_run(data["path"], first_half, ports, args.clients, args.seconds, 0.0))
            engines_used = _engines_per_request(engines, outcome)
            rows.append(
                _row(args.setup, "emergency notice", f"closed, {args.clients}", outcome, static_rate, meter.stop())
            )
            families = _families_asked(outcome, first_half, args.clients)
            clients = max(1, args.rate // 5)
            meter = Meter(roots)
            outcome = asyncio.run(_run(data["path"], second_half, ports, clients, args.seconds, 0.2))
            mode = f"paced {args.rate}/s ({clients})"
            rows.append(_row(args.setup, "emergency notice", mode, outcome, static_rate, meter.stop()))
            families += _families_asked(outcome, second_half, clients)
        written = _receipts_written(url, data["notice"])  # the servers stopped (SIGTERM): queues written
        print(f"during the closed loop, CPU ms a request of {engines_used}")
        verdict = "none lost" if written == families else "MISSING"
        print(f"read receipts written: {written} for {families} families served ({verdict})")
        out = ROOT / "var" / "bench" / "storm-rows.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rows, indent=1))
    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
