"""The coding lab's server check: how long the evaluator takes for a 200-block program, and checks per second on
one core, beside a reference measured in the same run (Python's C JSON reader on the same text: the check reads
the program with its own iterative reader, then runs it, so the ratio says what the safety costs).

    .venv/bin/python benchmarks/coding_lab_bench.py [--seconds 5]

The check needs no database. With ``--server`` (the default; ``--check-only`` skips it) the same run then
measures, on a fresh PostgreSQL database ``bench_coding_lab`` (prefix ``BENCH_DATABASE_PREFIX``, migrated and
``seed_demo``-ed) and the benchmark Redis (``BENCH_REDIS_URL``), with two real Daphne workers (production
settings): autosave of 400 children (ten classes of 40) each saving every 10 s, beside the static-file rate of
the same workers; the class grid's update latency from a child's save served by one worker to the teacher's
socket held by the other (a Redis channel layer between them); the lab's first load in Debian Chromium (bytes
over the network, compressed) and the second load (from the browser's cache).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school_portal.settings.test")

import django  # noqa: E402

django.setup()

from benchmarks.support import print_header  # noqa: E402
from coding_lab.evaluator import Goal, check  # noqa: E402
from coding_lab.testing import dumps, fwd, move, program, repeat, tturn  # noqa: E402

BASE_PORT = 8670  # this benchmark's own ports
HOST = "localhost:8000"
CSRF = secrets.token_hex(16)  # the same secret in the cookie and the header, as the lab's JS sends it
CLASSES, CLASS_SIZE = 10, 40


def two_hundred_blocks() -> tuple[str, Goal]:
    """A turtle program of 200 blocks: 20 loops of (move, turn) x 4 with their numbers, drawing a row of squares."""
    statements = []
    for i in range(20):
        statements += [repeat(4, [move(20), tturn(90)]), move(5 + i % 3), tturn(0)]
    source = dumps(program(statements))
    target = check(source, Goal("turtle")).trace.segments
    return source, Goal("turtle", target_segments=target)


def timed(fn, seconds: float) -> list[float]:
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def prepare() -> None:
    """Inside Django (production settings, the benchmark database): ten classes of 40 children at さくら小学校
    with a teacher, a maze challenge and each child's project on it, everyone signed in; print JSON."""
    import people
    from django.urls import reverse

    from coding_lab.models import Challenge, Course, CourseChallenge
    from coding_lab.services import project_open
    from school_portal.core import services as core_services
    from school_portal.core.models import Enrollment, School, SchoolYear, Student, Teaching, User

    school = School.objects.get(slug="sakura")
    year = SchoolYear.objects.current()
    teacher = User.objects.get(username="teacher-sakura-3")
    challenge = Challenge.objects.create(
        school=school, title="ベンチ迷路", stage_type="maze", maze="#####\n#S.G#\n#####", start_direction=1,
        toolbox=["maze_move_forward", "maze_turn", "controls_repeat_ext"],
    )  # fmt: skip
    course = Course.objects.create(school=school, title="ベンチ", grade=3)
    CourseChallenge.objects.create(course=course, challenge=challenge, sort_order=0)
    classes, students, save_paths = [], [], []
    for c in range(CLASSES):
        group = core_services.class_group_ensure(school=school, school_year=year, grade=3, name=f"CL{c}")
        Teaching.objects.get_or_create(teacher=teacher, class_group=group, defaults={"is_homeroom": True})
        classes.append(group.pk)
        for n in range(1, CLASS_SIZE + 1):
            sourced = f"bench-cl{c}-{n}"
            user = User.objects.create(username=core_services.student_username(sourced), display_name=f"児童{n}")
            student = Student.objects.create(
                user=user, school=school, sourced_id=sourced, family_name="山田", given_name=f"児童{n}"
            )
            Enrollment.objects.create(student=student, class_group=group, number=n)
            students.append(user)
            save_paths.append(reverse("coding_lab:save", args=[project_open(student=student, challenge=challenge).pk]))
    print(
        json.dumps(
            {
                "students": people.signed_in_sessions(students),
                "teacher": people.signed_in_sessions([teacher])[0],
                "save_paths": save_paths,
                "classes": classes,
                "lab_path": reverse("coding_lab:challenge", args=[challenge.pk]),
            }
        )
    )


def _save_request(path: str, session: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\nOrigin: https://{HOST}\r\n"
        f"Content-Type: application/json\r\nX-CSRFToken: {CSRF}\r\n"
        f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _save_body(i: int) -> bytes:
    return json.dumps({"source": dumps(program([fwd() for _ in range(1 + i % 3)]))}).encode()


def run_autosave(ports: list[int], data: dict, *, seconds: float, interval: float):
    """Each child saves every ``interval`` s, to the workers in turn (as a load balancer would spread them)."""
    from http_load import Outcome, drive

    sessions, paths = data["students"], data["save_paths"]

    async def main() -> Outcome:
        outcome = Outcome()
        start = time.perf_counter()
        warm_until = start + interval  # every child has saved once before we measure
        deadline = warm_until + seconds
        await asyncio.gather(
            *(
                drive(
                    _save_request(paths[i], sessions[i], _save_body(i)),
                    ports[i % len(ports)],
                    i,
                    start,
                    warm_until,
                    deadline,
                    interval,
                    len(sessions),
                    outcome,
                )
                for i in range(len(sessions))
            )
        )
        outcome.seconds = max(seconds, outcome.last_done - warm_until)
        return outcome

    return asyncio.run(main())


async def _post(port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1))
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


def grid_latency(ports: list[int], data: dict, *, count: int) -> tuple[list[float], int]:
    """The teacher's grid socket on the second worker; children of that class save on the first, one after
    another (0.2 s apart): the time from sending the save to the grid's message (seconds), and the misses."""
    from websockets.asyncio.client import connect

    async def main() -> tuple[list[float], int]:
        latencies, missed = [], 0
        async with connect(
            f"ws://127.0.0.1:{ports[1]}/ws/coding/class/{data['classes'][0]}/",
            origin=f"http://{HOST}",
            additional_headers={"Cookie": f"sessionid={data['teacher']}", "Host": HOST},
            open_timeout=30,
        ) as grid:
            await grid.send('{"type": "ping"}')
            await asyncio.wait_for(grid.recv(), 10)
            for i in range(count):
                child = i % CLASS_SIZE
                request = _save_request(data["save_paths"][child], data["students"][child], _save_body(i))
                sent = time.perf_counter()
                status = await _post(ports[0], request)
                try:
                    while True:
                        event = json.loads(await asyncio.wait_for(grid.recv(), 5)).get("event", {})
                        if event.get("kind") == "coding_lab.progress":
                            break
                    latencies.append(time.perf_counter() - sent)
                except TimeoutError:
                    missed += 1
                if status != 200:
                    missed += 1
                await asyncio.sleep(0.2)
        return latencies, missed

    return asyncio.run(main())


def first_load(port: int, data: dict) -> list[dict]:
    """The lab in Debian Chromium at a tablet's viewport, twice: requests, bytes over the network (compressed,
    headers included) and how many came from the browser's cache."""
    from playwright.sync_api import sync_playwright

    loads = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
        context.add_cookies([{"name": "sessionid", "value": data["students"][0], "url": f"http://localhost:{port}"}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        figures = {"requests": 0, "bytes": 0, "from_cache": 0}

        def count(key: str, amount: float = 1) -> None:
            figures[key] += amount

        cdp.on("Network.requestWillBeSent", lambda e: count("requests"))
        cdp.on("Network.loadingFinished", lambda e: count("bytes", e["encodedDataLength"]))
        cdp.on("Network.requestServedFromCache", lambda e: count("from_cache"))  # the memory cache
        cdp.on("Network.responseReceived", lambda e: count("from_cache", bool(e["response"].get("fromDiskCache"))))
        url = f"http://localhost:{port}{data['lab_path']}"
        for _ in range(2):
            for key in figures:
                figures[key] = 0
            page.goto(url, wait_until="networkidle")
            page.wait_for_selector(".blocklySvg", timeout=30_000)
            loads.append(dict(figures))
        browser.close()
    return loads


def server_figures(args: argparse.Namespace) -> None:
    from http_load import Target, run_load
    from load import daphne_workers
    from support import (
        PYTHON,
        bench_database_name,
        bench_env,
        flush_bench_redis,
        manage,
        postgres_database,
        prepare_static,
    )

    print(f"\nload average before the server part: {Path('/proc/loadavg').read_text().strip()}")
    with postgres_database(bench_database_name("coding_lab"), keep=False, reuse=False) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0")
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--quiet")
        prepare_static(env)
        flush_bench_redis()
        made = subprocess.run(
            [PYTHON, os.path.abspath(__file__), "--prepare"], env=env, capture_output=True, text=True, check=False
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        data = json.loads(made.stdout.strip().splitlines()[-1])
        print(
            f"prepared in {time.perf_counter() - started:.0f} s: {CLASSES} classes of {CLASS_SIZE} children signed in"
        )
        with daphne_workers(env, 2, base_port=BASE_PORT):
            ports = [BASE_PORT, BASE_PORT + 1]
            loads = first_load(ports[0], data)
            print("\nthe lab's first load in Chromium, tablet viewport (target: < 350 KB compressed; then cached)")
            for name, load in zip(("first", "second"), loads, strict=True):
                print(
                    f"  {name} load: {load['requests']} requests, {load['bytes'] / 1024:.1f} KB over the network,"
                    f" {load['from_cache']} served from the browser's cache"
                )

            static = Target("static file", "/static/coding_lab/lab.js", HOST)
            reference = run_load(static, ports=ports, clients=20, seconds=args.server_seconds / 2)
            print(f"\nreference, a static file (lab.js) from the same 2 workers, 20 clients closed loop: "
                  f"{reference.throughput:.0f} req/s, p95 {reference.percentile(95) * 1000:.1f} ms")  # fmt: skip
            outcome = run_autosave(ports, data, seconds=args.server_seconds, interval=10.0)
            print(
                f"autosave, {len(data['students'])} children each every 10 s, 2 Daphne workers (target: p95 < 50 ms):"
                f"\n  {len(outcome.latencies)} saves, {outcome.throughput:.1f} saves/s, p50"
                f" {outcome.percentile(50) * 1000:.1f} ms, p95 {outcome.percentile(95) * 1000:.1f} ms,"
                f" p99 {outcome.percentile(99) * 1000:.1f} ms, errors {outcome.errors} {outcome.error_samples}"
                f"\n  saves/s over the static rate: {outcome.throughput / reference.throughput:.3f}"
                f" (a save's p95 / a static file's p95: "
                f"{outcome.percentile(95) / max(reference.percentile(95), 1e-9):.1f}x)"
            )
            latencies, missed = grid_latency(ports, data, count=args.grid_saves)
            latencies.sort()
            p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
            print(
                f"\nclass grid: a child's save on worker 1 to the teacher's socket on worker 2 (Redis channel layer),"
                f" {len(latencies)} saves (target: p95 < 300 ms):\n  median"
                f" {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, missed {missed}"
            )
    print(f"load average after the server part: {Path('/proc/loadavg').read_text().strip()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--server-seconds", type=float, default=30.0, help="measured seconds of autosave")
    parser.add_argument("--grid-saves", type=int, default=100)
    parser.add_argument("--check-only", action="store_true", help="only the check (no database, no Daphne)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return
    print_header("coding_lab: the server's check of a program")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    source, goal = two_hundred_blocks()
    outcome = check(source, goal)
    print(f"program: {outcome.block_count} blocks, {len(source)} bytes, result {outcome.result}")
    checks = timed(lambda: check(source, goal), args.seconds)
    reference = timed(lambda: json.loads(source), args.seconds / 2)
    per_check = statistics.median(checks)
    p95 = sorted(checks)[int(len(checks) * 0.95)]
    print(f"check: median {per_check * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (target < 20 ms)")
    print(f"checks per second on one core: {1 / per_check:.0f} (target >= 300)")
    print(f"reference, json.loads of the same text: {statistics.median(reference) * 1e6:.0f} µs;"
          f" check / reference = {per_check / statistics.median(reference):.0f}x")  # fmt: skip
    statements = []
    for i in range(20):
        statements += [repeat(4, [move(21 if i == 0 else 20), tturn(90)]), move(5 + i % 3), tturn(0)]
    near = dumps(program(statements))
    near_outcome = check(near, goal)
    near_times = timed(lambda: check(near, goal), args.seconds / 2)
    print(f"a drawing 1 px off the target (compared cell by cell, result {near_outcome.result}):"
          f" median {statistics.median(near_times) * 1000:.2f} ms")  # fmt: skip
    chain = dumps(program([tturn(1) for _ in range(2000)]))
    chain_times = timed(lambda: check(chain, Goal("turtle")), args.seconds / 2)
    chain_ms = statistics.median(chain_times) * 1000
    print(f"2,000-block chain ({len(chain)} bytes, ~4,000 levels deep): median {chain_ms:.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sys.stdout.flush()
    if not args.check_only:
        server_figures(args)


if __name__ == "__main__":
    main()
