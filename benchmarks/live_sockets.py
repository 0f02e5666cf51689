"""1,000 live-update sockets over two real Daphne workers sharing Redis, held for minutes (issue 8, item 8).

    .venv/bin/python benchmarks/live_sockets.py [--sockets 1000] [--workers 2] [--minutes 5]
    .venv/bin/python benchmarks/live_sockets.py --sockets 200 --seconds 20      # a short run

1. A fresh database (``BENCH_POSTGRES`` server, default the local PostgreSQL, database ``bench_live_sockets``,
   dropped afterwards; ``--engine sqlite`` for a temporary SQLite file), migrated; one school and one teacher
   per socket (each its own signed-in session), so every socket joins the school's group.
2. The Redis database of ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``). Refused unless empty: the
   benchmark deletes only its own keys (its run prefix) afterwards and never empties a database it found in use.
3. ``--workers`` Daphne processes (``school_portal.settings.production``, the channel layer's pool from the
   environment: ``CHANNELS_REDIS_POOL_SIZE``, ``CHANNELS_REDIS_POOL_TIMEOUT``) on free loopback ports.
4. All sockets open at once (a class period starting), spread evenly over the workers: failed handshakes.
   RSS of the workers before and after: memory per idle connection. Held for the given time with a broadcast to
   the school's group every ``--broadcast-every`` seconds from this process (as a task worker would send):
   delivery p50/p95/max to all clients, deliveries missing after 10 s, unexpected closes.
5. All close at once (the group_discard storm), then the school's group in Redis must be empty (stale
   members = failed group_discard), and the workers' logs are searched for failed group operations and
   tracebacks. Then a second wave of 30 % new sockets opens straight away: failed handshakes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from support import DAPHNE, ROOT, bench_env, database, machine_description, manage

sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
MISSING_AFTER = 10.0
# As in docs/operations.md's systemd unit (a socket's handshake may wait for its turn in a burst up to 30 s).
DAPHNE_FLAGS = [
    "--websocket_connect_timeout", "30",
    "--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
    "--ping-interval", "20", "--ping-timeout", "30",
    "--application-close-timeout", "10",
]  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def _raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            print(f"warning: open files limited to {target} (hard limit); {needed} wanted")


def _require_empty_redis() -> None:
    import redis

    keys = redis.Redis.from_url(REDIS_URL).dbsize()
    if keys:
        sys.exit(
            f"refused: Redis {REDIS_URL} holds {keys} keys that this benchmark did not create. Point BENCH_REDIS_URL "
            "at an empty database (the benchmark deletes only its own keys afterwards)."
        )


def _delete_own_keys(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


def _prepare_people(count: int) -> tuple[int, list[str]]:
    """Inside the configured Django: a school and ``count`` teachers of it, signed in. (school id, sessions)"""
    sys.path.insert(0, str(Path(__file__).parent))
    import people
    from django.contrib.auth.hashers import make_password

    from school_portal.core import services
    from school_portal.core.models import City, Role, RoleAssignment, School, User

    city = City.objects.create(slug="bench-live", name="ベンチ市")
    school = services.school_create(
        city=city, name="ライブ小学校", kind=School.Kind.ELEMENTARY, code="LIVE-1", slug="live"
    )
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench-live-{i}", display_name=f"先生{i}", password=unusable) for i in range(count)]
    )
    users = list(User.objects.filter(username__startswith="bench-live-").order_by("pk"))
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.TEACHER, school=school) for u in users])
    return school.pk, people.signed_in_sessions(users)


class Figures:
    def __init__(self) -> None:
        self.failed_handshakes = 0
        self.handshake_errors: dict[str, int] = {}
        self.unexpected_closes = 0
        self.close_codes: dict[str, int] = {}
        self.deliveries: list[float] = []
        self.missing = 0


async def _client(url: str, origin: str, cookie: str, figures: Figures, inbox: asyncio.Queue, stop: asyncio.Event):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    try:
        ws = await connect(url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=60, max_queue=64)
    except Exception as error:  # noqa: BLE001 - every way a handshake fails counts as one
        figures.failed_handshakes += 1
        name = f"{type(error).__name__}: {error}"[:120]
        figures.handshake_errors[name] = figures.handshake_errors.get(name, 0) + 1
        return None

    async def read() -> None:
        try:
            async for raw in ws:
                data = json.loads(raw)
                if data.get("type") == "event":
                    await inbox.put((data["event"]["n"], time.time()))
        except ConnectionClosed as closed:
            if not stop.is_set():
                figures.unexpected_closes += 1
                code = str(closed.rcvd.code if closed.rcvd else "no close frame")
                figures.close_codes[code] = figures.close_codes.get(code, 0) + 1

    task = asyncio.create_task(read())
    return ws, task


async def _open_wave(count, ports, sessions, session_cookie_name, figures, inbox, stop):
    clients = []
    for i in range(count):
        port = ports[i % len(ports)]
        clients.append(
            _client(
                f"ws://127.0.0.1:{port}/ws/notifications/",
                f"http://127.0.0.1:{port}",
                f"{session_cookie_name}={sessions[i % len(sessions)]}",
                figures,
                inbox,
                stop,
            )
        )
    opened = await asyncio.gather(*clients)
    return [c for c in opened if c is not None]


async def _close_all(clients) -> None:
    await asyncio.gather(*(ws.close() for ws, _ in clients), return_exceptions=True)
    await asyncio.gather(*(task for _, task in clients), return_exceptions=True)


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _run(args, ports, processes, school_id, sessions, prefix) -> None:
    from django.conf import settings

    from school_portal.core.realtime import anotify_group, school_group_name

    figures = Figures()
    inbox: asyncio.Queue = asyncio.Queue()
    stop = asyncio.Event()
    await asyncio.sleep(2)
    rss_before = [_rss_kib(p.pid) for p in processes]
    started = time.perf_counter()
    clients = await _open_wave(args.sockets, ports, sessions, settings.SESSION_COOKIE_NAME, figures, inbox, stop)
    opened_in = time.perf_counter() - started
    print(
        f"opened {len(clients)} of {args.sockets} sockets in {opened_in:.1f} s; failed handshakes: "
        f"{figures.failed_handshakes} {figures.handshake_errors or ''}"
    )
    await asyncio.sleep(5)
    rss_after = [_rss_kib(p.pid) for p in processes]
    per_socket = (sum(rss_after) - sum(rss_before)) / max(1, len(clients))
    print(
        f"worker RSS before {[r // 1024 for r in rss_before]} MiB, with sockets {[r // 1024 for r in rss_after]} "
        f"MiB: {per_socket:.1f} KiB per idle connection"
    )

    hold_until = time.monotonic() + args.seconds
    broadcasts = 0
    while time.monotonic() < hold_until:
        await asyncio.sleep(min(args.broadcast_every, max(0.0, hold_until - time.monotonic())))
        if time.monotonic() >= hold_until and broadcasts:
            break
        broadcasts += 1
        sent = time.time()
        await anotify_group(group=school_group_name(school_id), event={"message": "bench", "n": broadcasts})
        got = 0
        deadline = time.monotonic() + MISSING_AFTER
        while got < len(clients) and time.monotonic() < deadline:
            try:
                n, at = await asyncio.wait_for(inbox.get(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if n == broadcasts:
                got += 1
                figures.deliveries.append(at - sent)
        figures.missing += len(clients) - got
        print(f"  broadcast {broadcasts}: {got}/{len(clients)} delivered, load {_loadavg()}")
        sys.stdout.flush()

    stop.set()
    await _close_all(clients)
    await asyncio.sleep(3)
    import redis

    stale = redis.Redis.from_url(REDIS_URL).zcard(f"{prefix}__group__{school_group_name(school_id)}")

    wave = Figures()
    second = await _open_wave(
        max(1, args.sockets * 3 // 10), ports, sessions, settings.SESSION_COOKIE_NAME, wave, inbox, stop
    )
    await _close_all(second)

    ms = 1000.0
    print("\n== figures")
    print(f"sockets                      {args.sockets} over {len(ports)} workers, held {args.seconds:.0f} s")
    print(f"failed handshakes            {figures.failed_handshakes}")
    print(f"unexpected closes            {figures.unexpected_closes} {figures.close_codes or ''}")
    print(f"memory per idle connection   {per_socket:.1f} KiB (RSS delta of the workers / sockets)")
    print(
        f"broadcasts                   {broadcasts} to {len(clients)} clients, missing after "
        f"{MISSING_AFTER:.0f} s: {figures.missing}"
    )
    print(
        f"delivery p50 / p95 / max     {_percentile(figures.deliveries, 50) * ms:.0f} / "
        f"{_percentile(figures.deliveries, 95) * ms:.0f} / {max(figures.deliveries, default=float('nan')) * ms:.0f} ms"
        f" (mean {statistics.fmean(figures.deliveries) * ms if figures.deliveries else float('nan'):.0f} ms)"
    )
    print(f"stale group members          {stale} (group_discard that did not happen)")
    print(f"second wave                  {len(second)} opened, {wave.failed_handshakes} failed handshakes")


def _log_figures(logs: list[Path]) -> None:
    text = "".join(log.read_text(errors="replace") for log in logs)
    if os.environ.get("BENCH_SHOW_LOGS"):
        print(text[-6000:])
    print(
        f"worker log: failed group operations {text.count('uncleanly') + text.count('could not join')}, "
        f"'Too many connections' {text.count('Too many connections')}, tracebacks {text.count('Traceback')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the sockets are held")
    parser.add_argument("--seconds", type=float, default=None, help="overrides --minutes (short runs)")
    parser.add_argument("--broadcast-every", type=float, default=30.0, help="seconds between broadcasts")
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    args.seconds = args.seconds if args.seconds is not None else args.minutes * 60

    _require_empty_redis()
    _raise_open_files(args.sockets * 2 + 1024)
    print(f"\n== live sockets: {args.sockets} WebSocket clients over {args.workers} Daphne workers sharing Redis")
    print(f"machine: {machine_description()}")
    print(f"load average before: {_loadavg()}")
    with database(args.engine, "bench_live_sockets") as url:
        env = bench_env(url, REDIS_URL=REDIS_URL)
        prefix = env["CHANNELS_PREFIX"]
        print(
            f"channel layer pool: CHANNELS_REDIS_POOL_SIZE={env.get('CHANNELS_REDIS_POOL_SIZE', '100 (default)')}, "
            f"CHANNELS_REDIS_POOL_TIMEOUT={env.get('CHANNELS_REDIS_POOL_TIMEOUT', '20 (default)')}"
        )
        try:
            manage(env, "migrate", "--noinput", "-v0")
            os.environ.update(env)
            import django

            django.setup()
            school_id, sessions = _prepare_people(args.sockets)
            from django.db import connections

            connections.close_all()
            with tempfile.TemporaryDirectory(prefix="bench-live-") as folder:
                ports = [_free_port() for _ in range(args.workers)]
                logs = [Path(folder) / f"daphne-{port}.log" for port in ports]
                processes = []
                try:
                    for port, log in zip(ports, logs, strict=True):
                        with log.open("w") as out:
                            processes.append(
                                subprocess.Popen(
                                    [
                                        DAPHNE,
                                        "-b",
                                        "127.0.0.1",
                                        "-p",
                                        str(port),
                                        *DAPHNE_FLAGS,
                                        "school_portal.asgi:application",
                                    ],
                                    env=env,
                                    cwd=ROOT,
                                    stdout=out,
                                    stderr=subprocess.STDOUT,
                                )
                            )
                    for port in ports:
                        _wait_for(port)
                    asyncio.run(_run(args, ports, processes, school_id, sessions, prefix))
                finally:
                    for process in processes:
                        process.terminate()
                    for process in processes:
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            process.wait(timeout=10)
                        if process.poll() is None:
                            process.kill()
                _log_figures(logs)
        finally:
            removed = _delete_own_keys(prefix)
            print(f"load average after: {_loadavg()}; removed this run's {removed} Redis keys")


def _wait_for(port: int, timeout: float = 60.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"Daphne on port {port} did not listen within {timeout:.0f} s")


if __name__ == "__main__":
    main()
