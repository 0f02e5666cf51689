"""Queries per request on the home and dashboard pages, at seed scale 1 and 10 (target: a constant).

    .venv/bin/python benchmarks/queries_per_request.py [--engines postgres,sqlite] [--show NAME]

For each engine: a fresh database, migrated and seeded with ``seed_demo --scale 1``; every page below is
requested through Django's test Client (production settings, Redis cache) and its queries counted with
``CaptureQueriesContext``; then the same city is grown to ``--scale 10`` and everything is counted again.
Each page is requested once to warm the caches (Wagtail's site root paths, content types), then counted.
``--show NAME`` prints the SQL of the pages whose name contains NAME.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from dataclasses import dataclass

from support import PYTHON, bench_database_name, bench_env, database, manage, prepare_static, print_header

SCALES = (1, 10)


@dataclass
class Page:
    name: str
    path: str
    host: str
    username: str | None  # None: a visitor


def pages_at_this_scale() -> list[Page]:
    """Build the benchmark's people in the seeded city and list the pages to count."""
    import people

    from school_portal.core.models import School, Student

    big = people.biggest_school()
    people.guardian_with_children("bench-guardian-1", 1)
    people.guardian_with_children("bench-guardian-2", 2)
    people.guardian_with_children("bench-guardian-5", 5)
    people.teacher_with_classes("bench-teacher-1", 1)
    people.teacher_with_classes("bench-teacher-4", 4)
    people.admin_of("bench-admin-big", big)
    student = Student.objects.filter(school=big).select_related("user").order_by("pk").first()
    sakura = School.objects.get(slug="sakura")
    return [
        Page("city home (visitor)", "/", "localhost:8000", None),
        Page("city home (guardian, 5 children)", "/", "localhost:8000", "bench-guardian-5"),
        Page(f"school home {sakura.slug} (visitor)", "/", f"{sakura.slug}.localhost:8000", None),
        Page(f"school home {big.slug} (visitor)", "/", f"{big.slug}.localhost:8000", None),
        Page("guardian dashboard, 1 child", "/dashboard/", "localhost:8000", "bench-guardian-1"),
        Page("guardian dashboard, 2 children", "/dashboard/", "localhost:8000", "bench-guardian-2"),
        Page("guardian dashboard, 5 children", "/dashboard/", "localhost:8000", "bench-guardian-5"),
        Page("teacher dashboard, 1 class", "/dashboard/", "localhost:8000", "bench-teacher-1"),
        Page("teacher dashboard, 4 classes", "/dashboard/", "localhost:8000", "bench-teacher-4"),
        Page("school-admin dashboard, 2 classes", "/dashboard/", "localhost:8000", "admin-sakura"),
        Page(
            f"school-admin dashboard, {big.class_groups.count()} classes",
            "/dashboard/",
            "localhost:8000",
            "bench-admin-big",
        ),
        Page("student dashboard", "/dashboard/", "localhost:8000", student.user.username),
    ]


def count_queries(page: Page, show: str | None, scale: int) -> tuple[int, int]:
    """(HTTP status, number of queries) of the page, the caches warmed by one request first."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from school_portal.core.models import User

    client = Client()
    if page.username:
        client.force_login(User.objects.get(username=page.username))
    client.get(page.path, HTTP_HOST=page.host)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path, HTTP_HOST=page.host)
    if show and show in page.name:
        print(f"\n-- {page.name} at scale {scale}: {len(queries)} queries")
        for query in queries.captured_queries:
            print("   ", query["sql"][:300])
    return response.status_code, len(queries)


def child(show: str | None) -> None:
    """Inside a configured Django: seed each scale in turn and count; print the table."""
    import django

    django.setup()
    from django.core.management import call_command

    from school_portal.core.models import School, Student

    results: dict[str, dict[int, tuple[int, int]]] = {}
    sizes = {}
    for scale in SCALES:
        call_command("seed_demo", scale=scale, quiet=True, stdout=io.StringIO())
        sizes[scale] = (School.objects.count(), Student.objects.count())
        for page in pages_at_this_scale():
            # The admin row's name carries its class count, the same at every scale.
            results.setdefault(page.name, {})[scale] = count_queries(page, show, scale)

    head = "".join(f"{f'scale {s} ({sizes[s][0]} schools, {sizes[s][1]} students)':>40}" for s in SCALES)
    print(f"{'page':42}{head}  constant?")
    all_constant = True
    for name, by_scale in results.items():
        cells = "".join(
            f"{(str(n) if status == 200 else f'{n} (HTTP {status})'):>40}" for status, n in by_scale.values()
        )
        constant = len({n for _, n in by_scale.values()}) == 1
        all_constant &= constant
        print(f"{name:42}{cells}  {'yes' if constant else 'NO'}")
    print("every page constant across scales:", "yes" if all_constant else "NO")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--show", default=None, help="print the SQL of the pages whose name contains this")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.show)
        return
    for engine in args.engines.split(","):
        print_header(f"queries per request on {engine} (target: the same number at every scale)")
        with database(engine, bench_database_name("queries")) as url:
            env = bench_env(url)
            manage(env, "migrate", "--noinput", "-v0")
            prepare_static(env)
            command = [PYTHON, os.path.abspath(__file__), "--child"]
            if args.show:
                command += ["--show", args.show]
            result = subprocess.run(command, env=env, check=False)
            if result.returncode:
                sys.exit(result.returncode)


if __name__ == "__main__":
    main()
