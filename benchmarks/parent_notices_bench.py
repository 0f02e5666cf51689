"""The parent_notices plug-in on PostgreSQL + Redis: the guardian's inbox, a school-wide tally, a notice's PDF.

    BENCH_DATABASE_PREFIX=bench_notices BENCH_REDIS_URL=redis://127.0.0.1:6379/10 \
        .venv/bin/python benchmarks/parent_notices_bench.py [--requests 5] [--clients 100]

Targets of issue 12 (figures, not asserts): the inbox of a guardian with 3 children in 2 schools and 500 notices
runs the same number of queries whatever the number of notices, children and schools, p95 < 50 ms at 100
concurrent guardians; the read-and-reply tally of a school-wide notice for 700 families < 100 ms; a 2-page
notice PDF < 1 s cold, from the cache after, < 300 KB.

1. A fresh PostgreSQL database ``<BENCH_DATABASE_PREFIX>_notices``, migrated, ``seed_demo``; production settings
   (Redis cache in ``BENCH_REDIS_URL``, refused unless empty or the benchmarks').
2. In one Django process: 700 children (with a guardian each) at さくら小学校, 500 notices to the demo guardian's
   schools, half the families having read the school-wide one and a third replied; then the measures below.
   Latencies are in-process (Django's test client through the whole middleware stack, no HTTP server), with
   ``--clients`` threads at once, each signed in as its own guardian: a figure for one worker process, shown as
   a ratio to the sign-in page (a page with no personal data) measured the same way in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from support import (
    PYTHON,
    bench_database_name,
    bench_env,
    flush_bench_redis,
    manage,
    postgres_database,
    prepare_static,
    print_header,
)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(clients: int, requests: int) -> None:  # noqa: PLR0915 - one script, read top to bottom
    import django

    django.setup()
    import datetime
    from concurrent.futures import ThreadPoolExecutor

    import people
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection, connections
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
    for _ in range(5):
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
    cache.clear()
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

    # The inbox at once for `clients` guardians (each 3 children in 2 schools would need 3 x clients children:
    # the demo guardian's session is shared by the threads, each thread its own client and connection).
    def run(path: str, *, signed: bool = True) -> list[float]:
        def one(_i: int) -> list[float]:
            client = signed_in(guardian_user) if signed else Client()
            client.get(path)  # warm: the session, the actor's compiled facts
            spent = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path)
                spent.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            connections.close_all()
            return spent

        with ThreadPoolExecutor(max_workers=clients) as pool:
            return [t for part in pool.map(one, range(clients)) for t in part]

    reference = run("/accounts/login/", signed=False)  # the sign-in page, for a visitor: no personal data
    inbox = run("/notices/")
    out["inbox_concurrent"] = {
        "clients": clients,
        "requests": len(inbox),
        "inbox_p50_ms": round(_percentile(inbox, 50), 1),
        "inbox_p95_ms": round(_percentile(inbox, 95), 1),
        "reference_p95_ms": round(_percentile(reference, 95), 1),
        "ratio_p95": round(_percentile(inbox, 95) / _percentile(reference, 95), 2),
    }
    del datetime, timezone
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.clients, args.requests)
        return
    print_header("parent_notices: inbox, tally and PDF on PostgreSQL + Redis")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with postgres_database(bench_database_name("notices")) as url:
        env = bench_env(url, DB_CONN_MAX_AGE="0", TASKS_BACKEND="immediate")
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
                "--requests",
                str(args.requests),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        data = json.loads(made.stdout.strip().splitlines()[-1])
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
    c = data["inbox_concurrent"]
    print(
        f"\ninbox with {c['clients']} guardians at once, in one process ({c['requests']} requests; target p95 < 50 ms)"
    )
    print(
        f"  p50 {c['inbox_p50_ms']} ms, p95 {c['inbox_p95_ms']} ms; sign-in page p95 {c['reference_p95_ms']} ms; "
        f"ratio {c['ratio_p95']}"
    )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
