"""The exchange plug-in's targets (issue 14): the live board and the partner matching.

    .venv/bin/python benchmarks/exchange_bench.py [--sockets 1000] [--workers 2] [--changes 10] [--schools 1000]

1. A fresh database (``BENCH_POSTGRES``, database ``<BENCH_DATABASE_PREFIX>_exchange``, dropped afterwards),
   migrated; one Osaka school, ``--sockets`` of its teachers signed in, an exchange of one of its classes, and
   ``--schools`` verified partner schools in 40 IANA zones (one class each, weekday availability, a holiday).
2. The Redis database of ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``), refused unless empty or
   marked by an earlier benchmark run (``support.claim_redis``); only this run's keys are deleted afterwards.
3. ``--workers`` Daphne processes (production settings) on free ports; every teacher opens the live board
   (``/ws/exchange/``), spread evenly over the workers: failed handshakes, memory per idle connection (RSS delta).
4. ``--changes`` times, this process makes a real change through the service (``session_propose``, then
   ``session_cancel``) and times until each board socket has the ``exchange.board`` event: delivery p50/p95/max
   (target p95 < 250 ms). Reference measured in the same run: a ping answered by the same workers (p95 of one
   socket per worker), so the ratio says what the channel-layer fan-out adds to a bare round trip.
5. The partner matching over the ``--schools`` partner schools for 30 days ahead (target < 200 ms): median and
   p95 of 20 runs, and the reference of reading those partner classes alone (the same rows, no matching).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from live_sockets import (
    DAPHNE_FLAGS,
    _delete_own_keys,
    _free_port,
    _loadavg,
    _percentile,
    _raise_open_files,
    _rss_kib,
    _wait_for,
)
from support import DAPHNE, ROOT, bench_database_name, bench_env, claim_redis, database, machine_description, manage

sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ZONES = [
    "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Helsinki",
    "Europe/Lisbon", "Europe/Dublin", "Europe/Warsaw", "Europe/Athens", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Vancouver", "America/Toronto", "America/Mexico_City",
    "America/Sao_Paulo", "America/Santiago", "Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane",
    "Australia/Perth", "Australia/Adelaide", "Pacific/Auckland", "Asia/Singapore", "Asia/Seoul", "Asia/Taipei",
    "Asia/Manila", "Asia/Bangkok", "Asia/Jakarta", "Asia/Kolkata", "Asia/Dubai", "Asia/Shanghai",
    "Asia/Hong_Kong", "Africa/Nairobi", "Africa/Johannesburg", "Africa/Cairo", "Pacific/Honolulu", "Asia/Karachi",
]  # fmt: skip


def _prepare(sockets: int, schools: int) -> dict:
    """Inside the configured Django: the Osaka school, its teachers signed in, an exchange, the partner schools."""
    sys.path.insert(0, str(Path(__file__).parent))
    import people
    from django.contrib.auth.hashers import make_password

    from exchange.models import PartnerAvailability, PartnerClass, PartnerHoliday, PartnerSchool
    from exchange.testing import class_free, partner_class, partner_teacher
    from school_portal.core import services
    from school_portal.core.models import City, Role, RoleAssignment, School, SchoolYear, Teaching, User

    city = City.objects.create(slug="bench-exchange", name="ベンチ市")
    year = services.school_year_ensure(city=city, start_year=SchoolYear.start_year_for(datetime.date.today()))
    school = services.school_create(
        city=city, name="こうりゅう小学校", kind=School.Kind.ELEMENTARY, code="EXC-1", slug="exc"
    )
    class_group = services.class_group_ensure(school=school, school_year=year, grade=4, name="1")
    class_free(class_group, periods=[1, 2, 3, 4, 5, 6])
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(username=f"bench-exc-{i}", display_name=f"先生{i}", password=unusable) for i in range(sockets)]
    )
    users = list(User.objects.filter(username__startswith="bench-exc-").order_by("pk"))
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.TEACHER, school=school) for u in users])
    Teaching.objects.create(teacher=users[0], class_group=class_group, is_homeroom=True)
    from exchange.models import Exchange

    exchange = Exchange.objects.create(
        school=school,
        class_group=class_group,
        teacher=users[0],
        partner_class=partner_class(name="Bench Partner", zone="Australia/Sydney", country="AU"),
        partner_teacher=partner_teacher("bench-partner"),
    )
    made = PartnerSchool.objects.bulk_create(
        [
            PartnerSchool(
                name=f"Partner School {i:04d}", country="XX", time_zone=ZONES[i % len(ZONES)],
                languages=("en", "en,fr", "es", "en,zh")[i % 4], age_min=6, age_max=12,
                subjects=("english,science", "art,music", "maths")[i % 3], verified=True,
            )
            for i in range(schools)
        ]
    )  # fmt: skip
    classes = PartnerClass.objects.bulk_create(
        [PartnerClass(partner_school=s, name="Class A", size=25, age=8 + i % 5) for i, s in enumerate(made)]
    )
    PartnerAvailability.objects.bulk_create(
        [
            PartnerAvailability(
                partner_class=c, weekday=d, starts_at=datetime.time(8 + i % 3, 0), ends_at=datetime.time(15, 0)
            )
            for i, c in enumerate(classes)
            for d in range(5)
        ]
    )
    today = datetime.date.today()
    PartnerHoliday.objects.bulk_create(
        [
            PartnerHoliday(
                partner_school=s, name="Holiday", starts_on=today + datetime.timedelta(days=7 + i % 20),
                ends_on=today + datetime.timedelta(days=8 + i % 20),
            )
            for i, s in enumerate(made)
        ]
    )  # fmt: skip
    return {
        "school": school.pk,
        "exchange": exchange.pk,
        "class_group": class_group.pk,
        "sessions": people.signed_in_sessions(users),
    }


async def _client(index: int, url: str, origin: str, cookie: str, inbox: asyncio.Queue, failures: list) -> object:
    from websockets.asyncio.client import connect

    try:
        ws = await connect(url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=60, max_queue=64)
    except Exception as error:  # noqa: BLE001 - every way a handshake fails counts as one
        failures.append(f"{type(error).__name__}: {error}"[:120])
        return None

    async def read() -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                data = json.loads(raw)
                event = data.get("event") or {}
                if data.get("type") == "event" and event.get("kind") == "exchange.board":
                    await inbox.put((event.get("session"), event.get("state"), time.time(), index))
                elif data.get("type") == "pong":
                    await inbox.put(("pong", None, time.time(), index))

    return ws, asyncio.create_task(read())


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_of(processes) -> list[float]:
    return [_cpu_seconds(p.pid) for p in processes] + [time.process_time()]


def _cpu_per(before: list[float], processes, count: int, seconds: float, idle: list[float]) -> list[float]:
    """CPU seconds per event since ``before`` (``seconds`` ago), per worker and (last) this process, less what
    the process spends idle with its sockets open in that time (``idle``: CPU seconds per second)."""
    after = _cpu_of(processes)
    return [
        (last - first - rate * seconds) / max(1, count) for first, last, rate in zip(before, after, idle, strict=True)
    ]


async def _board(args, ports, processes, data) -> dict:
    from asgiref.sync import sync_to_async
    from django.conf import settings

    from exchange import services
    from exchange.models import Exchange
    from school_portal.core.jp_holidays import japanese_holiday
    from school_portal.core.models import User

    inbox: asyncio.Queue = asyncio.Queue()
    failures: list[str] = []
    await asyncio.sleep(2)
    rss_before = [_rss_kib(p.pid) for p in processes]
    started = time.perf_counter()
    clients = await asyncio.gather(
        *(
            _client(
                i,
                f"ws://127.0.0.1:{ports[i % len(ports)]}/ws/exchange/",
                f"http://127.0.0.1:{ports[i % len(ports)]}",
                f"{settings.SESSION_COOKIE_NAME}={data['sessions'][i]}",
                inbox,
                failures,
            )
            for i in range(args.sockets)
        )
    )
    clients = [c for c in clients if c is not None]
    print(f"opened {len(clients)} of {args.sockets} board sockets in {time.perf_counter() - started:.1f} s")
    idle_from, idle_started = _cpu_of(processes), time.monotonic()
    await asyncio.sleep(5)
    idle = [
        (last - first) / (time.monotonic() - idle_started)
        for first, last in zip(idle_from, _cpu_of(processes), strict=True)
    ]
    rss_after = [_rss_kib(p.pid) for p in processes]
    per_socket = (sum(rss_after) - sum(rss_before)) / max(1, len(clients))

    # Reference: a ping answered by the workers (one socket per worker, 20 each).
    pings = []
    for ws, _task in clients[: len(ports)]:
        for _ in range(20):
            sent = time.time()
            await ws.send('{"type": "ping"}')
            while True:
                kind, _state, at, _index = await asyncio.wait_for(inbox.get(), 10)
                if kind == "pong":
                    pings.append(at - sent)
                    break
            await asyncio.sleep(0.15)  # under the flood guard

    exchange = await sync_to_async(Exchange.objects.select_related("partner_class__partner_school").get)(
        pk=data["exchange"]
    )
    teacher = await sync_to_async(User.objects.get)(pk=exchange.teacher_id)
    # The moment of the commit: the service's notify_groups call after it (timed here, not changed).
    commits: list[float] = []
    untimed = services.notify_groups

    def timed_notify_groups(**kwargs) -> None:
        commits.append(time.time())
        untimed(**kwargs)

    services.notify_groups = timed_notify_groups
    deliveries, from_commit, missing, duplicates = [], [], 0, 0
    cpu_before, phase_started = _cpu_of(processes), time.monotonic()
    day = datetime.date.today() + datetime.timedelta(days=21)
    day += datetime.timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    while any(japanese_holiday(day + datetime.timedelta(weeks=w)) for w in range(args.changes // 6 + 1)):
        day += datetime.timedelta(weeks=1)  # Osaka's school is open on every day proposed
    for change in range(args.changes):
        when = datetime.time(8 + change % 6, 45)
        sent = time.time()
        commits.clear()
        session = await sync_to_async(services.session_propose)(
            exchange=exchange, day=day + datetime.timedelta(weeks=change // 6), time=when, by=teacher
        )
        committed = commits[0]
        reached: set[int] = set()
        deadline = time.monotonic() + 10
        while len(reached) < len(clients) and time.monotonic() < deadline:
            try:
                pk, state, at, index = await asyncio.wait_for(inbox.get(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if pk == session.pk and state == "proposed":
                if index in reached:
                    duplicates += 1
                    continue
                reached.add(index)
                deliveries.append(at - sent)
                from_commit.append(at - committed)
        got = len(reached)
        missing += len(clients) - got
        await asyncio.sleep(0.3)  # late copies of the same change: one board refreshing twice
        while not inbox.empty():
            pk, state, _at, index = inbox.get_nowait()
            duplicates += pk == session.pk and state == "proposed" and index in reached  # not a late first
        await sync_to_async(services.session_cancel)(session=session, by=teacher, reason="bench")
        await asyncio.sleep(1.0)
        while not inbox.empty():
            inbox.get_nowait()
        print(f"  change {change + 1}: {got}/{len(clients)} boards updated, load {_loadavg()}")
        sys.stdout.flush()
    services.notify_groups = untimed
    # CPU per change (workers; this process: the 1,000 clients and the service), the idle rate subtracted.
    change_cpu = _cpu_per(cpu_before, processes, args.changes, time.monotonic() - phase_started, idle)
    cpu_before, phase_started = _cpu_of(processes), time.monotonic()
    # Reference: the same broadcast sent straight to the group (no service, no transaction), timed from the send.
    from exchange.groups import exchange_school_group
    from school_portal.core.realtime import anotify_group

    broadcasts, group_sends = [], []
    for process in processes if args.profile_workers else ():
        process.send_signal(signal.SIGUSR1)  # profile the workers during the bare broadcasts only
    for n in range(args.changes):
        marker = -1 - n
        sent = time.time()
        await anotify_group(
            group=exchange_school_group(exchange.school_id),
            event={"kind": "exchange.board", "refresh": True, "session": marker, "state": "proposed"},
        )
        group_sends.append(time.time() - sent)  # channels-redis's part: members read, one message per worker
        got, deadline = 0, time.monotonic() + 10
        while got < len(clients) and time.monotonic() < deadline:
            try:
                pk, state, at, _index = await asyncio.wait_for(inbox.get(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if pk == marker:
                got += 1
                broadcasts.append(at - sent)
        await asyncio.sleep(1.0)
    for process in processes if args.profile_workers else ():
        process.send_signal(signal.SIGUSR2)
    broadcast_cpu = _cpu_per(cpu_before, processes, args.changes, time.monotonic() - phase_started, idle)
    closed: dict[str, int] = {}  # sockets the server closed during the run, by close code
    for ws, _task in clients:
        if ws.close_code is not None:
            closed[str(ws.close_code)] = closed.get(str(ws.close_code), 0) + 1
    await asyncio.gather(*(ws.close() for ws, _ in clients), return_exceptions=True)
    return {
        "from_commit": from_commit,
        "broadcasts": broadcasts,
        "group_sends": group_sends,
        "opened": len(clients),
        "closed": closed,
        "failed": failures,
        "per_socket": per_socket,
        "deliveries": deliveries,
        "missing": missing,
        "duplicates": duplicates,
        "pings": pings,
        "change_cpu": change_cpu,
        "idle_cpu": idle,
        "broadcast_cpu": broadcast_cpu,
    }


def _no_board(args) -> dict:
    return {"opened": 0, "failed": [], "per_socket": 0.0, "deliveries": [], "missing": 0, "duplicates": 0, "pings": []}


def _matching(data: dict, runs: int = 20, profile: bool = False) -> dict:
    from exchange.models import PartnerClass
    from exchange.slots import partner_matches
    from school_portal.core.models import ClassGroup

    class_group = ClassGroup.objects.select_related("school").get(pk=data["class_group"])
    start = datetime.date.today() + datetime.timedelta(days=1)
    times, reference = [], []
    found = []
    for _ in range(runs):
        began = time.perf_counter()
        found = partner_matches(class_group=class_group, start_day=start, days=30, language="en", subject="science")
        times.append(time.perf_counter() - began)
        began = time.perf_counter()
        list(PartnerClass.objects.select_related("partner_school").filter(partner_school__verified=True))
        reference.append(time.perf_counter() - began)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(
            partner_matches, class_group=class_group, start_day=start, days=30, language="en", subject="science"
        )
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return {"times": times, "reference": reference, "found": len(found)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--part", choices=["all", "board", "matching"], default="all")
    parser.add_argument("--profile", action="store_true", help="print the matching's cProfile top 25")
    parser.add_argument(
        "--profile-workers", action="store_true", help="print the first worker's cProfile during the broadcasts"
    )
    args = parser.parse_args()

    claim_redis(REDIS_URL)  # empty, or the benchmarks' own (marked): anything else is refused
    _raise_open_files(args.sockets * 2 + 1024)
    print(f"\n== exchange: {args.sockets} live boards over {args.workers} Daphne workers; matching {args.schools}")
    print(f"machine: {machine_description()}")
    print(f"load average before: {_loadavg()}")
    with database("postgres", bench_database_name("exchange")) as url:
        env = bench_env(url, REDIS_URL=REDIS_URL)
        prefix = env["CHANNELS_PREFIX"]
        try:
            manage(env, "migrate", "--noinput", "-v0")
            os.environ.update(env)
            import django

            django.setup()
            data = _prepare(args.sockets, args.schools)
            from django.db import connections

            connections.close_all()
            board = _no_board(args)
            with (
                contextlib.ExitStack()
                if args.part == "matching"
                else tempfile.TemporaryDirectory(prefix="bench-exchange-") as folder
            ):
                ports = [_free_port() for _ in range(args.workers)] if args.part != "matching" else []
                processes = []
                try:
                    for port in ports:
                        with (Path(folder) / f"daphne-{port}.log").open("w") as out:
                            daphne = [DAPHNE]
                            if args.profile_workers:
                                daphne = [sys.executable, str(Path(__file__).parent / "profiled_daphne.py")]
                            processes.append(
                                subprocess.Popen(
                                    [*daphne, "-b", "127.0.0.1", "-p", str(port), *DAPHNE_FLAGS,
                                     "school_portal.asgi:application"],
                                    env={**env, "DAPHNE_PROFILE_OUT": f"{folder}/worker-{port}.prof"},
                                    cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                )
                            )  # fmt: skip
                    for port in ports:
                        _wait_for(port)
                    if ports:
                        board = asyncio.run(_board(args, ports, processes, data))
                    if args.profile_workers and ports:
                        import pstats

                        time.sleep(2)  # the worker writes its figures on SIGUSR2
                        print(f"\n== cProfile of one worker ({len(board.get('broadcasts', []))} deliveries in all)")
                        stats = pstats.Stats(f"{folder}/worker-{ports[0]}.prof").sort_stats("tottime")
                        stats.print_stats(25)
                finally:
                    for process in processes:
                        process.terminate()
                    for process in processes:
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            process.wait(timeout=10)
                        if process.poll() is None:
                            process.kill()
            connections.close_all()
            matching = _matching(data, profile=args.profile) if args.part != "board" else None
        finally:
            removed = _delete_own_keys(prefix)
            print(f"load average after: {_loadavg()}; removed this run's {removed} Redis keys")

    ms = 1000.0
    print("\n== figures")
    if board["opened"]:
        _print_board(args, board)
    if matching is not None:
        t, r = matching["times"], matching["reference"]
        print(
            f"partner matching            median {statistics.median(t) * ms:.0f} ms, "
            f"p95 {_percentile(t, 95) * ms:.0f} ms"
            f" over {args.schools} partner schools, 30 days ({matching['found']} ranked shown)"
        )
        print(
            f"  the first run (the process's first): {t[0] * ms:.0f} ms; the others: "
            f"median {statistics.median(t[1:]) * ms:.0f} ms, max {max(t[1:]) * ms:.0f} ms"
        )
        print(
            f"reference: reading them     median {statistics.median(r) * ms:.0f} ms; "
            f"matching / reading = {statistics.median(t) / statistics.median(r):.1f}x"
        )


def _print_board(args, board: dict) -> None:
    ms = 1000.0
    d, pings = board["deliveries"], board["pings"]
    p95, ping95 = _percentile(d, 95), _percentile(pings, 95)
    print(
        f"board sockets               {board['opened']} of {args.sockets}, failed handshakes {len(board['failed'])}, "
        f"closed by the server during the run {board.get('closed') or 0}"
    )
    print(f"memory per idle connection  {board['per_socket']:.1f} KiB (RSS delta of the workers / sockets)")
    print(
        f"change delivery             p50 {_percentile(d, 50) * ms:.0f} / p95 {p95 * ms:.0f} / "
        f"max {max(d, default=float('nan')) * ms:.0f} ms over {args.changes} changes; missing {board['missing']}, "
        f"duplicates {board['duplicates']}"
    )
    print(f"reference: ping round trip  p95 {ping95 * ms:.1f} ms; delivery p95 / ping p95 = {p95 / ping95:.0f}x")
    c, b = board["from_commit"], board["broadcasts"]
    print(
        f"delivery from the commit    p50 {_percentile(c, 50) * ms:.0f} / p95 {_percentile(c, 95) * ms:.0f} ms "
        f"(the service's notify_groups call to the socket's read)"
    )
    print(
        f"reference: bare broadcast   p50 {_percentile(b, 50) * ms:.0f} / p95 {_percentile(b, 95) * ms:.0f} ms "
        f"(group_send from this process to the same sockets, no service)"
    )
    if board.get("group_sends"):
        g = board["group_sends"]
        print(
            f"group_send itself           p50 {_percentile(g, 50) * ms:.1f} / max {max(g) * ms:.1f} ms "
            f"(channels-redis: read 1,000 members, queue one message per worker)"
        )
    if board.get("idle_cpu"):
        *workers, own = board["idle_cpu"]
        print(
            f"CPU while idle              workers {' + '.join(f'{w * 100:.1f}' for w in workers)} % of a CPU, "
            f"this process {own * 100:.1f} % (subtracted from the figures below)"
        )
    for name in ("change_cpu", "broadcast_cpu"):
        if board.get(name):
            *workers, own = board[name]
            print(
                f"CPU per {name.split('_')[0]:<9}        workers {' + '.join(f'{w * ms:.0f}' for w in workers)} ms, "
                f"this process (clients) {own * ms:.0f} ms"
            )


if __name__ == "__main__":
    main()
