"""The public side of parent_notices on PostgreSQL + Redis: a school's feeds, calendar and open-data CSV.

    BENCH_DATABASE_PREFIX=bench_public BENCH_REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python benchmarks/public_feeds_bench.py [--requests 50]

Target of issue 13 (figures, not asserts): the feeds and the open-data CSV of a school with 200 events under
100 ms, cached until an event changes.

1. A fresh PostgreSQL database ``<BENCH_DATABASE_PREFIX>_public``, migrated, ``seed_demo``; production settings
   (Redis cache in ``BENCH_REDIS_URL``, refused unless empty or the benchmarks').
2. In one Django process: 200 public notices with one event each at さくら小学校; then, for the RSS and Atom feeds,
   the school's iCalendar and its CSV: the first request after a change (cold: rendered and stored), then
   ``--requests`` more (from the cache), through the whole middleware stack with Django's test client (no HTTP
   server), as a visitor. The reference, in the same run and the same way: a static file (WhiteNoise). Then one
   notice is edited and the first request shows the change (the cache dropped it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from live_sockets import _percentile
from support import (
    bench_database_name,
    bench_env,
    demo_database_ready,
    measured_in_subprocess,
    postgres_database,
    print_header,
)

EVENTS = 200


def measure(requests: int) -> None:
    import django

    django.setup()
    import datetime

    from django.templatetags.static import static
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from parent_notices.models import Audience, Category
    from parent_notices.public import cache as public_cache
    from parent_notices.testing import notice_publish, text
    from school_portal.core.models import School

    sakura = School.objects.get(slug="sakura")
    today = timezone.localdate()
    made = []
    for number in range(EVENTS):
        day = today + datetime.timedelta(days=number % 180)
        made.append(
            notice_publish(
                school=sakura,
                title=f"地域《ちいき》行事 {number}",
                audience=Audience.PUBLIC,
                category=Category.EVENT,
                body=[
                    text("地域の皆様、どうぞお越しください。"),
                    {
                        "type": "event",
                        "value": {
                            "name": f"地域行事 {number}",
                            "date": day.isoformat(),
                            "starts": "09:00",
                            "ends": "11:30",
                            "place": "体育館",
                            "bring": "上履き",
                        },
                        "id": f"bench-{number}",
                    },
                ],
            )
        )
    client = Client()
    paths = {
        "rss": reverse("parent_notices:public_school_rss", args=["sakura"]),
        "atom": reverse("parent_notices:public_school_atom", args=["sakura"]),
        "ical": reverse("parent_notices:public_school_ical", args=["sakura"]),
        "csv": reverse("parent_notices:public_school_csv", args=["sakura"]),
    }
    reference_path = static("parent_notices/notices.css")

    def timed(path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get(path)
        spent = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return spent, body

    timed(reference_path)
    reference = [timed(reference_path)[0] for _ in range(requests)]
    out: dict[str, object] = {
        "events": EVENTS,
        "requests": requests,
        "static_p50_ms": round(_percentile(reference, 50), 2),
        "static_p95_ms": round(_percentile(reference, 95), 2),
    }
    for name, path in paths.items():
        public_cache.generation_bump()
        cold, body = timed(path)
        warm = [timed(path)[0] for _ in range(requests)]
        out[name] = {
            "cold_ms": round(cold, 1),
            "cached_p50_ms": round(_percentile(warm, 50), 2),
            "cached_p95_ms": round(_percentile(warm, 95), 2),
            "ratio_cached_p50_to_static": round(_percentile(warm, 50) / _percentile(reference, 50), 2),
            "kb": round(len(body) / 1024, 1),
        }
    notice = made[0]
    notice.title = "地域行事（中止）"
    notice.body = [
        {
            "type": "event",
            "value": {"name": "地域行事（中止）", "date": today.isoformat(), "starts": None, "ends": None},
            "id": "bench-0",
        }
    ]
    notice.save_revision().publish()
    changed, body = timed(paths["csv"])
    out["after_a_change"] = {"csv_ms": round(changed, 1), "shows_the_change": "地域行事（中止）" in body.decode()}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.requests)
        return
    print_header("parent_notices, the public side: feeds, iCalendar and open-data CSV of a school with 200 events")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with postgres_database(bench_database_name("public")) as url:
        env = bench_env(url, DB_CONN_MAX_AGE="0", TASKS_BACKEND="immediate")
        print(f"database ready in {demo_database_ready(env):.0f} s")
        data = measured_in_subprocess(__file__, env, "--requests", str(args.requests))
    print(
        f"\nstatic file (reference, WhiteNoise): p50 {data['static_p50_ms']} ms, p95 {data['static_p95_ms']} ms "
        f"({data['requests']} requests)"
    )
    print(f"\n{data['events']} events at one school (target < 100 ms, cached until an event changes)")
    for name in ("rss", "atom", "ical", "csv"):
        d = data[name]
        print(
            f"  {name:5} cold {d['cold_ms']:7} ms   cached p50 {d['cached_p50_ms']} ms, p95 {d['cached_p95_ms']} ms "
            f"(x{d['ratio_cached_p50_to_static']} the static file)   {d['kb']} KB"
        )
    a = data["after_a_change"]
    print(f"\nafter one notice is edited: the CSV in {a['csv_ms']} ms, shows the change: {a['shows_the_change']}")
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
