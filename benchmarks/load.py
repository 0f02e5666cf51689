"""Real Daphne workers on PostgreSQL + Redis under 50 concurrent clients (target: guardian dashboard p95 < 50 ms).

    .venv/bin/python benchmarks/load.py [--workers 1,2] [--clients 50] [--seconds 20] [--interval 1.0]

1. A fresh PostgreSQL database ``bench_portal`` (``BENCH_DATABASE_PREFIX``): migrated, ``seed_demo --scale 10``,
   static files collected.
2. Sessions: one guardian per client (``bench-load-guardian-N``, two children each in different schools), signed
   in by writing their sessions through Django's own session engine, exactly what the sign-in view stores
   (signing 50 people in through the form would measure the password hasher, not the dashboard).
3. For 1 and for 2 Daphne processes (``school_portal.settings.production``, a psycopg pool of 8 connections per
   process (``DB_POOL_SIZE``; ``--db persistent`` tries ``DB_CONN_MAX_AGE=60`` instead), Redis db 14):
   the school home page (visitors) and the guardian dashboard (each client its own guardian), first as a closed
   loop (each client sends its next request as soon as the previous one came back: the saturation throughput),
   then paced (each client one request every ``--interval`` seconds: 50 people using the portal at once).
The load generator runs on the same 2 cores as the server and PostgreSQL: it takes CPU from them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from http_load import Outcome, Target, run_load
from support import (
    DAPHNE,
    PYTHON,
    ROOT,
    bench_database_name,
    bench_env,
    manage,
    postgres_database,
    postgres_database_exists,
    prepare_static,
    print_header,
)

BASE_PORT = 8470  # the default of daphne_workers (other benchmarks use it)
LOAD_BASE_PORT = 8570  # this benchmark's own, so that it may run beside them
DB_MODES = {
    "pool": {"DB_POOL_SIZE": "8", "DB_CONN_MAX_AGE": "0"},
    "persistent": {"DB_POOL_SIZE": "0", "DB_CONN_MAX_AGE": "60"},
    "per-request": {"DB_POOL_SIZE": "0", "DB_CONN_MAX_AGE": "0"},
}
TARGET_P95_MS = 50.0


def make_sessions(count: int) -> None:
    """Inside a configured Django: ``count`` guardians signed in; print their session keys as JSON."""
    import django

    django.setup()

    import people

    from school_portal.core.models import School

    guardians = [people.guardian_with_children(f"bench-load-guardian-{i}", 2, offset=i) for i in range(count)]
    keys = people.signed_in_sessions(guardians)
    school = School.objects.filter(code__startswith="SCALE-").order_by("code").first()
    print(json.dumps({"sessions": keys, "school_host": f"{school.slug}.localhost:8000"}))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(all, idle) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def _wait_until_serving(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
            if sock.recv(12).startswith(b"HTTP/1.1 200"):
                return
        time.sleep(0.3)
    raise RuntimeError(f"Daphne on port {port} did not answer 200 within {timeout:.0f} s")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def daphne_workers(env: dict[str, str], count: int, base_port: int = BASE_PORT) -> Iterator[list[subprocess.Popen]]:
    """``count`` Daphne processes on ports base_port.. (loopback only); stopped (by their pid) afterwards.

    Refuses ports already taken (another benchmark's workers would answer in ours' place).
    """
    ports = [base_port + i for i in range(count)]
    if not all(_port_is_free(port) for port in ports):
        raise RuntimeError(f"ports {ports} are in use: is another benchmark running?")
    processes = []
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [DAPHNE, "-b", "127.0.0.1", "-p", str(port), "-v", "0", "school_portal.asgi:application"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                )
            )
        for port, process in zip(ports, processes, strict=True):
            _wait_until_serving(port)
            if process.poll() is not None:
                raise RuntimeError(f"Daphne on port {port} exited with {process.returncode}")
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _row(
    workers: int, target: Target, mode: str, clients: int, outcome: Outcome, server_cpu: float, machine_busy: float
) -> str:
    ms = 1000.0
    cores = os.cpu_count() or 1
    return (
        f"{workers:>7} {target.name:22} {mode:14} {clients:>7} {len(outcome.latencies):>8} "
        f"{outcome.throughput:>8.1f} {outcome.percentile(50) * ms:>7.1f} {outcome.percentile(95) * ms:>7.1f} "
        f"{outcome.percentile(99) * ms:>7.1f} {outcome.errors:>6}  "
        f"{server_cpu / max(1, outcome.completed) * 1000:>8.1f} "
        f"{server_cpu / outcome.wall_seconds / cores * 100:>9.0f}% "
        f"{outcome.cpu_seconds / outcome.wall_seconds / cores * 100:>10.0f}% {machine_busy * 100:>10.0f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2", help="numbers of Daphne processes to try, comma-separated")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per run (after 2 s warm-up)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a paced client's requests")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument(
        "--db",
        default="pool",
        choices=["pool", "persistent", "per-request"],
        help="the workers' database connections: a psycopg pool (DB_POOL_SIZE=8, the default), persistent "
        "connections (DB_CONN_MAX_AGE=60: they pile up under ASGI), or a new connection per request",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave bench_portal behind for --reuse-db")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a kept bench_portal (not for figures)")
    parser.add_argument("--make-sessions", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_sessions:
        make_sessions(args.make_sessions)
        return

    print_header(
        f"load: {args.clients} concurrent clients against real Daphne workers on PostgreSQL "
        f"(target: guardian dashboard p95 < {TARGET_P95_MS:.0f} ms)"
    )
    print("note: the load generator runs on the same cores as Daphne, PostgreSQL and Redis, and takes CPU from them.")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    reuse = args.reuse_db and postgres_database_exists(bench_database_name())
    with postgres_database(bench_database_name(), keep=args.keep_db, reuse=reuse) as url:
        env = bench_env(url, **DB_MODES[args.db])
        started = time.perf_counter()
        if not reuse:
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "seed_demo", "--scale", str(args.scale), "--quiet")
        prepare_static(env)
        made = subprocess.run(
            [PYTHON, os.path.abspath(__file__), "--make-sessions", str(args.clients)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        made_data = json.loads(made.stdout.strip().splitlines()[-1])
        print(
            f"prepared in {time.perf_counter() - started:.0f} s: seed scale {args.scale}, "
            f"{len(made_data['sessions'])} guardians signed in (sessions written through the session engine), "
            f"database connections: {args.db} (DB_POOL_SIZE={env['DB_POOL_SIZE']}, "
            f"DB_CONN_MAX_AGE={env['DB_CONN_MAX_AGE']})"
        )
        targets = [
            Target("school home (visitor)", "/", made_data["school_host"]),
            Target("guardian dashboard", "/dashboard/", "localhost:8000", made_data["sessions"]),
        ]
        print(
            f"\n{'workers':>7} {'page':22} {'mode':14} {'clients':>7} {'requests':>8} {'req/s':>8} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}  {'CPU ms/req':>8} "
            f"{'server CPU':>10} {'loadgen CPU':>11} {'machine CPU':>11}"
        )
        verdicts = []
        for workers in [int(n) for n in args.workers.split(",")]:
            with daphne_workers(env, workers, base_port=LOAD_BASE_PORT) as processes:
                ports = [LOAD_BASE_PORT + i for i in range(workers)]
                for target in targets:
                    for mode, interval in (("closed loop", 0.0), (f"paced {args.interval:g} s", args.interval)):
                        before = sum(_cpu_seconds(p.pid) for p in processes)
                        ticks_before = _machine_ticks()
                        outcome = run_load(
                            target, ports=ports, clients=args.clients, seconds=args.seconds, interval=interval
                        )
                        server_cpu = sum(_cpu_seconds(p.pid) for p in processes) - before
                        ticks_after = _machine_ticks()
                        busy = 1 - (ticks_after[1] - ticks_before[1]) / max(1, ticks_after[0] - ticks_before[0])
                        print(_row(workers, target, mode, args.clients, outcome, server_cpu, busy))
                        if outcome.error_samples:
                            print(f"        errors, e.g.: {outcome.error_samples}")
                        sys.stdout.flush()
                        if target.cookies:
                            verdicts.append((workers, mode, outcome.percentile(95) * 1000))
        print(
            "\nCPU ms/req: the Daphne processes' CPU time per response. The other CPU columns: share of all cores"
            "\nover the run; server = the Daphne processes, loadgen = this process, machine = everything (with"
            "\nPostgreSQL, Redis and any other process on the machine)."
        )
        print(f"load average after the runs: {Path('/proc/loadavg').read_text().strip()}")
        for workers, mode, p95 in verdicts:
            verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
            print(f"guardian dashboard, {workers} worker(s), {mode}: p95 {p95:.1f} ms -> target {verdict}")


if __name__ == "__main__":
    main()
