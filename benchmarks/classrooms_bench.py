"""The classrooms plug-in on PostgreSQL + Redis and a real Daphne worker: lesson page, autosave, review grid, PDF.

    .venv/bin/python benchmarks/classrooms_bench.py [--seconds 20] [--workers 1]

Targets (figures, not asserts): the student lesson page runs the same number of queries whatever the number of
blocks and of students, p95 < 60 ms with 40 students opening it at once, and weighs < 60 KB compressed without
media; autosave p95 < 50 ms with 200 students saving every 10 s; the review grid of 40 students x 20 questions
< 200 ms; the worksheet PDF < 1.5 s cold, cached after, < 400 KB.

1. A fresh PostgreSQL database ``bench_portal_classrooms`` (prefix: ``BENCH_DATABASE_PREFIX``): migrated,
   ``seed_demo`` (the demo city).
2. Inside Django (production settings, Redis db 14): five classes of 40 children at さくら小学校, a lesson of
   20 questions (plus text, an activity) assigned to them, every child signed in (sessions written through the
   session engine), the first class's 40 sheets answered; query counts for lessons of 5 and 40 questions and
   classes of 5 and 40 children; the PDF cold and warm.
3. Daphne: 40 students loading the lesson page (closed loop, then once a second each); 200 students each
   autosaving every 10 s; the teacher's review grid, one request at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from http_load import Outcome, Target, drive, run_load
from load import daphne_workers
from support import (
    BENCH_VAR_DIR,
    PYTHON,
    bench_database_name,
    bench_env,
    flush_bench_redis,
    manage,
    postgres_database,
    postgres_database_exists,
    prepare_static,
    print_header,
)

BASE_PORT = 8470
HOST = "localhost:8000"
PREPARED = BENCH_VAR_DIR / "classrooms-prepared.json"  # what --keep-db leaves for --reuse-db: sessions, paths
CSRF = secrets.token_hex(16)  # the same secret in the cookie and the header, as the page's JS sends it


# --- inside Django --------------------------------------------------------------------------------------------


def _lesson_body(questions: int) -> list[dict]:
    from classrooms import lesson_builder as lb

    kinds = [
        lambda n: lb.choice(f"{n}×3 は？", [str(n * 3), str(n * 3 + 1), str(n + 3)], correct=1),
        lambda n: lb.number(f"{n}×4 は？", str(n * 4), unit="こ"),
        lambda n: lb.ordering("小《ちい》さい じゅんに", [str(n), str(n + 1), str(n + 2)]),
        lambda n: lb.short_answer("「かけ算《ざん》」の 読《よ》み方《かた》", ["かけざん"]),
        lambda n: lb.drawing(f"{n}×2 の 絵《え》を かこう"),
    ]
    return [
        lb.text("<p>九九《くく》の 練習《れんしゅう》を しよう。</p>"),
        lb.activity("やってみよう", ["おはじきを ならべる", "かぞえる"]),
        lb.worksheet("れんしゅう", [kinds[i % len(kinds)](i + 1) for i in range(questions)]),
    ]


def _class_of(school, year, name: str, size: int, teacher):
    from school_portal.core import services as core_services
    from school_portal.core.models import Enrollment, Student, Teaching, User

    group = core_services.class_group_ensure(school=school, school_year=year, grade=3, name=name)
    Teaching.objects.get_or_create(teacher=teacher, class_group=group, defaults={"is_homeroom": True})
    for n in range(1, size + 1):
        sourced = f"bench-{name}-{n}"
        user = User.objects.create(username=core_services.student_username(sourced), display_name=f"児童{n}")
        student = Student.objects.create(
            user=user, school=school, sourced_id=sourced, family_name="山田", given_name=f"児童{n}"
        )
        Enrollment.objects.create(student=student, class_group=group, number=n)
    return group


def prepare() -> None:
    """Build the benchmark's classes, lessons and sessions; measure queries and the PDF; print JSON."""
    import datetime

    import django

    django.setup()
    import people
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from classrooms import lesson_builder as lb
    from classrooms import services, views_pdf
    from classrooms.demo_lessons import _sample_answers
    from classrooms.models import Assignment
    from school_portal.core.models import School, SchoolYear, User

    school = School.objects.get(slug="sakura")
    year = SchoolYear.objects.current()
    teacher = User.objects.get(username="teacher-sakura-3")
    unit = lb.unit_ensure(
        school=school, subject="maths", grade=3, course_title="算数 3年", unit_title="九九", unit_slug="kuku"
    )
    now = timezone.now()
    classes = [_class_of(school, year, f"B{i}", 40, teacher) for i in range(5)]
    small = _class_of(school, year, "S", 5, teacher)
    lessons = {
        n: lb.lesson_ensure(
            parent=unit, slug=f"kuku-{n}", title=f"九九 {n}問", subject="maths", grade=3, body=_lesson_body(n)
        )
        for n in (5, 20, 40)
    }

    def assign(lesson, groups) -> Assignment:
        return services.assignment_create(
            lesson=lesson,
            class_groups=groups,
            opens_at=now - datetime.timedelta(hours=1),
            due_at=now + datetime.timedelta(days=3),
            by=teacher,
        )

    main = assign(lessons[20], classes)
    one_class = assign(lessons[20], [classes[0]])
    extra = {n: assign(lessons[n], [classes[0], small]) for n in (5, 40)}

    # The first class answers everything, in both assignments: the review grid of ``one_class`` is 40 x 20 full
    # cells (drawings included); that of ``main`` has 160 more rows, empty (a subject teacher of five classes).
    # Not handed in, so that the same children can go on autosaving in the load test below.
    first_class = list(classes[0].enrollments.select_related("student").order_by("number"))
    for assignment in (main, one_class):
        for i, enrollment in enumerate(first_class):
            sheet = services.sheet_for(assignment=assignment, student_id=enrollment.student_id)
            answers, drawings = _sample_answers(lessons[20], i)
            services.answers_save(sheet=sheet, answers=answers, drawings=drawings)

    students = [e.student.user for group in classes for e in group.enrollments.select_related("student__user")]
    small_student = small.enrollments.select_related("student__user").first().student.user

    def queries(user, url: str) -> int:
        client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        # A session written as the sign-in view writes it (the test client's force_login passes a request without
        # a user to the sign-in signal's receivers).
        client.cookies["sessionid"] = people.signed_in_sessions([user])[0]
        client.get(url)  # warm the caches (questions per revision, sessions)
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        assert status == 200, (url, status)
        return len(captured)

    big_student = first_class[1].student.user
    query_counts = {
        "lesson page, 5 questions, class of 40": queries(big_student, reverse("classrooms:work", args=[extra[5].pk])),
        "lesson page, 40 questions, class of 40": queries(big_student, reverse("classrooms:work", args=[extra[40].pk])),
        "lesson page, 5 questions, class of 5": queries(small_student, reverse("classrooms:work", args=[extra[5].pk])),
        "lesson page, 40 questions, class of 5": queries(
            small_student, reverse("classrooms:work", args=[extra[40].pk])
        ),
        "review grid, 40 students x 20 questions": queries(teacher, reverse("classrooms:review", args=[one_class.pk])),
        "review grid, 200 students x 20 questions": queries(teacher, reverse("classrooms:review", args=[main.pk])),
    }

    flush_bench_redis()  # the PDF cold (cache.clear() would empty the Redis database and its benchmark marker)
    started = time.perf_counter()
    pdf = views_pdf.worksheet_pdf_bytes(lessons[20], answer_key=False)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    views_pdf.worksheet_pdf_bytes(lessons[20], answer_key=False)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    key = views_pdf.worksheet_pdf_bytes(lessons[20], answer_key=True)
    key_cold = time.perf_counter() - started

    from classrooms.worksheets import lesson_questions

    print(
        json.dumps(
            {
                "students": people.signed_in_sessions(students),
                "teacher": people.signed_in_sessions([teacher])[0],
                "work_path": reverse("classrooms:work", args=[main.pk]),
                "autosave_path": reverse("classrooms:autosave", args=[main.pk]),
                "review_paths": {
                    "40 students (one class) x 20 questions": reverse("classrooms:review", args=[one_class.pk]),
                    "200 students (five classes) x 20 questions": reverse("classrooms:review", args=[main.pk]),
                },
                "questions": [{"id": q.id, "kind": q.kind} for q in lesson_questions(lessons[20])],
                "queries": query_counts,
                "pdf": {
                    "cold_s": cold,
                    "warm_s": warm,
                    "bytes": len(pdf),
                    "key_cold_s": key_cold,
                    "key_bytes": len(key),
                },
            }
        )
    )


# --- outside: Daphne and the clients ----------------------------------------------------------------------


def _get(port: int, path: str, session: str) -> bytes:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "GET",
        path,
        headers={"Host": HOST, "X-Forwarded-Proto": "https", "Cookie": f"sessionid={session}", "Accept-Encoding": ""},
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}")
    return body


def page_weight(port: int, work_path: str, session: str) -> dict[str, int]:
    """The lesson page and the CSS and JavaScript it loads, each gzip-compressed (what WhiteNoise serves)."""
    html = _get(port, work_path, session)
    sizes = {"html": len(gzip.compress(html, 6))}
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        sizes[asset.decode().rsplit("/", 1)[-1]] = len(gzip.compress(_get(port, asset.decode(), session), 6))
    return sizes


def _autosave_body(questions: list[dict], i: int) -> bytes:
    """What one save of a child's tablet carries: a few answers changed since the last save."""
    answers = {}
    for q in questions[i % 5 : i % 5 + 3]:
        answers[q["id"]] = {"choice": 0, "number": "12", "ordering": [0, 1, 2], "short_answer": "かけざん"}.get(
            q["kind"]
        )
    answers = {k: v for k, v in answers.items() if v is not None}
    return json.dumps({"answers": answers, "saved_at": {k: int(time.time() * 1000) for k in answers}}).encode()


async def _autosaver(index, port, path, session, body, start, warm_until, deadline, interval, clients, outcome):
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\nOrigin: https://{HOST}\r\n"
        f"Content-Type: application/json\r\nX-CSRFToken: {CSRF}\r\n"
        f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    await drive(request, port, index, start, warm_until, deadline, interval, clients, outcome)


def run_autosave(ports, path, sessions, questions, *, seconds: float, interval: float) -> Outcome:
    """Each child saves every ``interval`` s, to the workers in turn (as a load balancer would spread them)."""

    async def main() -> Outcome:
        outcome = Outcome()
        start = time.perf_counter()
        warm_until = start + interval  # every child has saved once before we measure
        deadline = warm_until + seconds
        await asyncio.gather(
            *(
                _autosaver(
                    i,
                    ports[i % len(ports)],
                    path,
                    s,
                    _autosave_body(questions, i),
                    start,
                    warm_until,
                    deadline,
                    interval,
                    len(sessions),
                    outcome,
                )
                for i, s in enumerate(sessions)
            )
        )
        # An overloaded server answers the last saves after the deadline: count the time it really took.
        outcome.seconds = max(seconds, outcome.last_done - warm_until)
        return outcome

    return asyncio.run(main())


def _ms(outcome: Outcome) -> str:
    return (
        f"{len(outcome.latencies):>6} requests  {outcome.throughput:>6.1f} req/s  "
        f"p50 {outcome.percentile(50) * 1000:6.1f} ms"
        f"  p95 {outcome.percentile(95) * 1000:6.1f} ms  p99 {outcome.percentile(99) * 1000:6.1f} ms  "
        f"errors {outcome.errors}{' ' + str(outcome.error_samples) if outcome.errors else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind for --reuse-db")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a kept database (not for figures)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return

    print_header("classrooms: lesson page, autosave, review grid and worksheet PDF on PostgreSQL + Redis")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    reuse = args.reuse_db and postgres_database_exists(bench_database_name("classrooms")) and PREPARED.exists()
    with postgres_database(bench_database_name("classrooms"), keep=args.keep_db, reuse=reuse) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0")
        started = time.perf_counter()
        if reuse:
            data = json.loads(PREPARED.read_text())
            env["SECRET_KEY"] = data["secret_key"]  # the sessions were signed with it
            prepare_static(env)
        else:
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
            if args.keep_db:
                PREPARED.parent.mkdir(parents=True, exist_ok=True)
                PREPARED.write_text(json.dumps({**data, "secret_key": env["SECRET_KEY"]}))
        print(
            f"prepared in {time.perf_counter() - started:.0f} s: "
            "200 children in 5 classes, lessons of 5/20/40 questions"
        )

        print("\nqueries per request (target: the same whatever the blocks and the students)")
        for name, count in data["queries"].items():
            print(f"  {name:44} {count:>3}")
        pdf = data["pdf"]
        print("\nworksheet PDF, 20 questions (target: < 1.5 s cold, cached after, < 400 KB)")
        print(
            f"  cold {pdf['cold_s'] * 1000:.0f} ms, cached {pdf['warm_s'] * 1000:.1f} ms, {pdf['bytes'] / 1024:.0f} KB"
        )
        print(f"  answer key cold {pdf['key_cold_s'] * 1000:.0f} ms, {pdf['key_bytes'] / 1024:.0f} KB")

        with daphne_workers(env, args.workers):
            ports = [BASE_PORT + i for i in range(args.workers)]
            students = data["students"]
            sizes = page_weight(ports[0], data["work_path"], students[0])
            print("\nlesson page weight without media, gzip (target: < 60 KB)")
            print(
                "  "
                + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sizes.items())
                + f"; total {sum(sizes.values()) / 1024:.1f} KB"
            )

            print(f"\nlesson page, 40 students at once, {args.workers} Daphne worker(s) (target: p95 < 60 ms)")
            target = Target("lesson page", data["work_path"], HOST, students[:40])
            print("  closed loop:      " + _ms(run_load(target, ports=ports, clients=40, seconds=args.seconds)))
            print(
                "  each once a second: "
                + _ms(run_load(target, ports=ports, clients=40, seconds=args.seconds, interval=1.0))
            )

            print(f"\nautosave, 200 students each every 10 s, {args.workers} Daphne worker(s) (target: p95 < 50 ms)")
            outcome = run_autosave(
                ports,
                data["autosave_path"],
                students[:200],
                data["questions"],
                seconds=max(args.seconds, 30),
                interval=10.0,
            )
            print("  " + _ms(outcome))

            print("\nreview grid, one request at a time, 1 + 30 times (target: < 200 ms for a class of 40 x 20)")
            for name, path in data["review_paths"].items():
                timings = []
                for _ in range(31):
                    started = time.perf_counter()
                    _get(ports[0], path, data["teacher"])
                    timings.append(time.perf_counter() - started)
                first, timings = timings[0], sorted(timings[1:])
                print(
                    f"  {name:44} first {first * 1000:4.0f} ms, then median {timings[15] * 1000:4.0f} ms, "
                    f"p95 {timings[28] * 1000:4.0f} ms, max {timings[-1] * 1000:4.0f} ms"
                )
    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
