"""The parent_notices plug-in on PostgreSQL + Redis: the guardian's inbox, a school-wide tally, a notice's PDF.

    BENCH_DATABASE_PREFIX=bench_notices BENCH_REDIS_URL=redis://127.0.0.1:6379/10 \
        .venv/bin/python benchmarks/parent_notices_bench.py [--clients 100] [--seconds 10] [--processes 2]

Targets of issue 12 (figures, not asserts): the inbox of a guardian with 3 children in 2 schools and 500 notices
runs the same number of queries whatever the number of notices, children and schools, p95 < 50 ms at 100
concurrent guardians; the read-and-reply tally of a school-wide notice for 700 families < 100 ms; a 2-page
notice PDF < 1 s cold, from the cache after, < 300 KB.

1. A fresh PostgreSQL database ``<BENCH_DATABASE_PREFIX>_notices``, migrated, ``seed_demo``; production settings
   (Redis cache in ``BENCH_REDIS_URL``, refused unless empty or the benchmarks').
2. In one Django process: 700 children (with a guardian each) at さくら小学校, 500 notices to the demo guardian's
   schools, half the families having read the school-wide one and a third replied; the query counts, the tally
   (selector and whole page, in-process) and the PDF measured there. Then ``--clients`` guardians of the benchmark's
   own, each with 3 children in 2 schools (two at さくら, one at the second demo school) and the same 500 notices,
   signed in (sessions written through the session engine, as ``load.py`` does).
3. Over HTTP, on the chosen serving layout (docs/operations.md; ``serving.LAYOUT``: granian, gunicorn until 7 Dec
   2026), one worker of 8 threads per process, ``--processes`` processes each on a port of its own, the clients
   spread over them as nginx's upstream would; a psycopg pool of 8 per process. Rows: a static file (WhiteNoise,
   the reference), the inbox with ``--clients`` guardians as a closed loop (each asks again as soon as answered:
   the saturation rate) and paced (each once a second: the target's "100 concurrent guardians"), the tally page
   for one teacher. Each row: req/s, its ratio to the static-file rate, p50/p95/p99, the server's CPU per
   request, the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import serving
from http_load import Target, run_load
from serving import HEAD, LAYOUT, Meter, _row, servers
from support import (
    PYTHON,
    bench_database_name,
    bench_env,
    claim_redis,
    flush_bench_redis,
    manage,
    postgres_database,
    prepare_static,
    print_header,
)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(clients: int) -> None:  # noqa: PLR0915 - one script, read top to bottom
    import django

    django.setup()
    import datetime

    import people
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parent_notices import paper, selectors
    from parent_notices.models import Audience, NoticeRead, NoticeReply
    from parent_notices.testing import attendance, notice_publish, text
    from school_portal.core import services as core_services
    from school_portal.core.access import policy
    from school_portal.core.models import Enrollment, Guardian, GuardianLink, School, SchoolYear, Student, User

    def signed_in(user: User) -> Client:
        """A client holding a session written as a sign-in would (``people.signed_in_sessions``)."""
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = people.signed_in_sessions([user])[0]
        return client

    out: dict[str, object] = {}
    sakura = School.objects.get(slug="sakura")
    year = SchoolYear.objects.current()
    guardian_user = User.objects.get(username="guardian-yamada")
    guardian = Guardian.objects.get(user=guardian_user)
    schools = list(School.objects.filter(students__guardian_links__guardian=guardian).distinct())

    def inbox_queries() -> int:
        guardian_user.__dict__.pop("_portal_actor", None)
        policy.actor(guardian_user)
        with CaptureQueriesContext(connection) as queries:
            selectors.inbox(guardian_user, language="vi")
        return len(queries)

    # 700 families at さくら小学校: 20 classes of 35, a guardian each (bulk: the figures are about reading them).
    groups = [
        core_services.class_group_ensure(school=sakura, school_year=year, grade=1 + i // 4, name=f"B{i}")
        for i in range(20)
    ]
    users = User.objects.bulk_create(
        [User(username=f"bench-s-{i}", display_name=f"児童{i}") for i in range(700)]
        + [User(username=f"bench-g-{i}", display_name=f"保護者{i}") for i in range(700)]
    )
    students = Student.objects.bulk_create(
        [
            Student(user=users[i], school=sakura, sourced_id=f"bench-{i}", family_name="山田", given_name=f"児童{i}")
            for i in range(700)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(student=s, class_group=groups[i % 20], school_year=year, number=i // 20 + 1)
            for i, s in enumerate(students)
        ]
    )
    guardians = Guardian.objects.bulk_create([Guardian(user=users[700 + i]) for i in range(700)])
    GuardianLink.objects.bulk_create(
        [GuardianLink(guardian=g, student=s) for g, s in zip(guardians, students, strict=True)]
    )

    # The demo guardian: 2 children in 2 schools from the demo city, a third child added at さくら.
    counts = {"notices_50": None}
    for i in range(50):
        notice_publish(school=schools[i % len(schools)], title=f"お知らせ {i}", body=[text("本文")])
    counts["notices_50"] = inbox_queries()
    for i in range(50, 500):
        notice_publish(school=schools[i % len(schools)], title=f"お知らせ {i}", body=[text("本文")])
    counts["notices_500"] = inbox_queries()
    third = students[0]
    GuardianLink.objects.create(guardian=guardian, student=third)
    counts["notices_500_three_children"] = inbox_queries()
    out["inbox_queries"] = counts

    # The school-wide notice for 700+ families: half read, a third replied.
    wide = notice_publish(school=sakura, title="学校全体のお知らせ", audience=Audience.SCHOOL, body=[attendance()])
    NoticeRead.objects.bulk_create([NoticeRead(notice=wide, guardian=g) for g in guardians[::2]])
    NoticeReply.objects.bulk_create(
        [
            NoticeReply(notice=wide, block_id="attend-0001", student=s, guardian=g, choice="yes" if i % 2 else "no")
            for i, (g, s) in enumerate(zip(guardians[::3], students[::3], strict=True))
        ]
    )
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        result = selectors.tally(wide)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        selectors.tally(wide)
    out["tally"] = {
        "families": result.families,
        "p50_ms": round(_percentile(timings, 50), 1),
        "max_ms": round(max(timings), 1),
        "queries": len(queries),
    }
    teacher = signed_in(User.objects.get(username="teacher-sakura-3"))
    teacher.get(f"/notices/{wide.pk}/tally/")
    page_timings = []
    for _ in range(10):
        started = time.perf_counter()
        teacher.get(f"/notices/{wide.pk}/tally/")
        page_timings.append((time.perf_counter() - started) * 1000)
    out["tally"]["page_p50_ms"] = round(_percentile(page_timings, 50), 1)

    # A 2-page notice as PDF: cold (cache emptied), then from the cache.
    long_text = "".join(
        f"<p>第{i}項《こう》：運動会《うんどうかい》の持《も》ち物《もの》と集合時刻《しゅうごうじこく》について。</p>"
        for i in range(60)
    )
    two_pages = notice_publish(
        school=sakura, title="運動会《うんどうかい》のご案内", body=[text(long_text), attendance()]
    )
    cache.clear()  # empties the benchmarks' Redis database, its marker with it: marked again at once
    claim_redis()
    started = time.perf_counter()
    data = paper.notices_pdf_bytes([two_pages])
    cold = time.perf_counter() - started
    started = time.perf_counter()
    paper.notices_pdf_bytes([two_pages])
    warm = time.perf_counter() - started
    out["pdf"] = {
        "cold_s": round(cold, 2),
        "cached_ms": round(warm * 1000, 1),
        "kb": round(len(data) / 1024),
        "pages": data.count(b"/Type /Page\n") or data.count(b"/Type /Page"),
    }

    # The benchmark's guardians: each 3 children in 2 schools (two at さくら among the 700, one at the second
    # school), reading the same 500 notices; each signed in with a session of their own.
    other_school = next(school for school in schools if school.pk != sakura.pk)
    other_class = core_services.class_group_ensure(school=other_school, school_year=year, grade=1, name="B")
    made = User.objects.bulk_create(
        [User(username=f"bench-og-{i}", display_name=f"児童B{i}") for i in range(clients)]
        + [User(username=f"bench-gg-{i}", display_name=f"保護者B{i}") for i in range(clients)]
    )
    others = Student.objects.bulk_create(
        [
            Student(user=made[i], school=other_school, sourced_id=f"bench-o-{i}", family_name="佐藤", given_name=f"{i}")
            for i in range(clients)
        ]
    )
    Enrollment.objects.bulk_create(
        [Enrollment(student=s, class_group=other_class, school_year=year, number=i + 1) for i, s in enumerate(others)]
    )
    bench_guardians = Guardian.objects.bulk_create([Guardian(user=made[clients + i]) for i in range(clients)])
    GuardianLink.objects.bulk_create(
        [
            GuardianLink(guardian=g, student=child)
            for i, g in enumerate(bench_guardians)
            for child in (students[(2 * i + 1) % 700], students[(2 * i + 2) % 700], others[i])
        ]
    )
    out["sessions"] = people.signed_in_sessions([g.user for g in bench_guardians])
    out["teacher_session"] = people.signed_in_sessions([User.objects.get(username="teacher-sakura-3")])[0]
    out["tally_path"] = f"/notices/{wide.pk}/tally/"
    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())["paths"]
    out["static_path"] = "/static/" + manifest[next(name for name in manifest if name.endswith(".css"))]
    del datetime, timezone
    print(json.dumps(out))


def http_rows(env: dict[str, str], data: dict, args: argparse.Namespace) -> None:
    """The inbox and the tally over HTTP on the chosen layout, beside the static-file rate of the same servers."""
    print(f"\nover HTTP: {LAYOUT} x{args.processes} (8 threads each), {args.clients} guardians with 3 children")
    print("in 2 schools and 500 notices each (target: inbox p95 < 50 ms at 100 concurrent guardians)")
    print(HEAD)
    host = "localhost:8000"
    serving.BASE_PORT = args.port  # its own ports: serving.py may run beside it
    with servers(env, LAYOUT, args.processes) as (ports, roots):
        static = Target("static file", data["static_path"], host)
        inbox = Target("guardian's inbox", "/notices/", host, data["sessions"])
        tally = Target("tally, 710 families", data["tally_path"], host, [data["teacher_session"]])
        rows = [(static, args.clients, 0.0, f"closed, {args.clients}")]
        rows += [(inbox, args.clients, 0.0, f"closed, {args.clients}")]
        rows += [(inbox, args.clients, 1.0, f"{args.clients} users, 1/s")]
        rows += [(tally, 1, 0.0, "closed, 1")]
        static_rate = 0.0
        for target, clients, interval, mode in rows:
            meter = Meter(roots)
            outcome = run_load(target, ports=ports, clients=clients, seconds=args.seconds, interval=interval)
            _row(LAYOUT, target.name, mode, outcome, static_rate, meter.stop())
            if target is static:
                static_rate = outcome.throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100, help="guardians signed in at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per HTTP row (after 2 s)")
    parser.add_argument("--processes", type=int, default=2, help="app server processes (one per core in production)")
    parser.add_argument("--port", type=int, default=8690, help="first server port (serving.py uses 8590+)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.clients)
        return
    print_header("parent_notices: inbox, tally and PDF on PostgreSQL + Redis")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with postgres_database(bench_database_name("notices")) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0", TASKS_BACKEND="immediate")
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--quiet")
        prepare_static(env)
        flush_bench_redis()
        print(f"database ready in {time.perf_counter() - started:.0f} s")
        made = subprocess.run(
            [
                PYTHON,
                os.path.abspath(__file__),
                "--measure",
                "--clients",
                str(args.clients),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        data = json.loads(made.stdout.strip().splitlines()[-1])
        report_in_process(data)
        http_rows(env, data, args)
    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")
    sys.stdout.flush()


def report_in_process(data: dict) -> None:
    q = data["inbox_queries"]
    print("\ninbox queries (target: the same whatever the notices, children and schools)")
    print(
        f"  50 notices: {q['notices_50']}  500 notices: {q['notices_500']}  "
        f"500 + a third child: {q['notices_500_three_children']}"
    )
    t = data["tally"]
    print(f"\ntally of a school-wide notice, {t['families']} families (target < 100 ms)")
    print(
        f"  selector p50 {t['p50_ms']} ms (max {t['max_ms']} ms), {t['queries']} queries; "
        f"whole page p50 {t['page_p50_ms']} ms"
    )
    p = data["pdf"]
    print(
        f"\n2-page notice PDF (target < 1 s cold, cached after, < 300 KB): cold {p['cold_s']} s, "
        f"cached {p['cached_ms']} ms, {p['kb']} KB, {p['pages']} pages"
    )


if __name__ == "__main__":
    main()
