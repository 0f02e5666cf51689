"""Serving: the same pages under each server set-up in one run, as ratios to that set-up's static-file rate;
then the chosen set-up (``LAYOUT``) with one and with two app processes (and two task workers) on one PostgreSQL.

    .venv/bin/python benchmarks/serving.py [--seconds 10] [--setups daphne,daphne-once,uvicorn,granian,gunicorn]
                                           [--processes 2] [--no-scale-out]

Set-ups (each ``--processes`` server processes on ports 8590.., the clients spread over them as an nginx
upstream of that many servers would; production settings, a psycopg pool of 8 per process, Redis):
- ``daphne``: Daphne and Django's ASGI handler, as the portal ran until now;
- ``daphne-once``: Daphne, the request crossing sync/async once (``ASGI_HTTP=wsgi-threads``, 8 threads);
- ``uvicorn``: uvicorn (h11) and Django's ASGI handler;
- ``uvicorn-once``: uvicorn, crossing once;
- ``granian``: granian's WSGI interface (Rust HTTP, 1 worker x 8 blocking threads per process), the chosen layout;
  WebSockets on Daphne apart;
- ``gunicorn``: gunicorn, WSGI, gthread worker (1 worker x 8 threads per process), the layout until 7 Dec 2026;
- ``gunicorn-shared``: one gunicorn master with ``--processes`` workers on ONE port (how gunicorn is usually run):
  shows how keep-alive connections are shared between its workers.
Pages: a static file (WhiteNoise: the reference), the school home for a visitor, the guardian dashboard (two
children), a student's day (the dashboard of a child with five lessons), the lesson page of 20 questions,
autosave (POST). Each first as a closed loop (``--clients`` clients; the saturation rate), then what the targets
ask: the school home at 50 req/s, the guardian dashboard with 100 people each once a second, the lesson page
with one class (40 students) each once a second. CPU ms/req counts every process of the set-up (the gunicorn
master and workers); "busiest" is the share of the set-up's CPU taken by its busiest process (0.5 with two
processes evenly loaded).

The load generator, PostgreSQL and Redis share the machine's cores with the servers; other people's work on the
machine shows in the load average printed with every row. Compare within a run: the ratios to the same set-up's
static-file rate are the figures that count.
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

from classrooms_bench import CSRF, run_autosave
from http_load import Outcome, Target, run_load
from load import _machine_ticks, _wait_until_serving
from support import (
    DAPHNE,
    PYTHON,
    ROOT,
    bench_database_name,
    bench_env,
    flush_bench_redis,
    manage,
    postgres_database,
    postgres_database_exists,
    prepare_static,
    print_header,
)

BASE_PORT = 8590
BIN = ROOT / ".venv" / "bin"
PREPARED = ROOT / "var" / "bench" / "serving-prepared.json"
SETUPS = ["daphne", "daphne-once", "uvicorn", "uvicorn-once", "granian", "gunicorn", "gunicorn-shared"]
LAYOUT = "granian"  # the set-up production runs (docs/operations.md, section 5): the other benchmarks' default
HOST = "localhost:8000"


def _command(setup: str, port: int, processes: int) -> tuple[list[str], dict[str, str]]:
    """The command line and extra environment of one server process of ``setup`` on ``port``."""
    once = {"ASGI_HTTP": "wsgi-threads", "ASGI_HTTP_THREADS": "8"}
    bind = ["127.0.0.1", str(port)]
    if setup == "daphne":
        return [DAPHNE, "-b", bind[0], "-p", bind[1], "-v", "0", "school_portal.asgi:application"], {}
    if setup == "daphne-once":
        return [DAPHNE, "-b", bind[0], "-p", bind[1], "-v", "0", "school_portal.asgi:application"], once
    if setup in ("uvicorn", "uvicorn-once"):
        command = [str(BIN / "uvicorn"), "--host", bind[0], "--port", bind[1], "--no-access-log"]
        command += ["--log-level", "warning", "--lifespan", "off", "school_portal.asgi:application"]
        return command, once if setup == "uvicorn-once" else {}
    if setup == "granian":
        command = [str(BIN / "granian"), "--interface", "wsgi", "--host", bind[0], "--port", bind[1], "--http", "1"]
        command += ["--no-ws", "--workers", "1", "--blocking-threads", "8", "--no-access-log", "--log-level", "warning"]
        return [*command, "school_portal.wsgi:application"], {}
    if setup in ("gunicorn", "gunicorn-shared"):
        workers = processes if setup == "gunicorn-shared" else 1
        command = [str(BIN / "gunicorn"), "--bind", f"{bind[0]}:{bind[1]}", "--worker-class", "gthread"]
        command += ["--workers", str(workers), "--threads", "8", "--log-level", "warning", "--keep-alive", "75"]
        return [*command, "school_portal.wsgi:application"], {}
    raise ValueError(f"unknown set-up {setup!r}")


def _port_is_free(port: int) -> bool:
    """Nobody listens on ``port`` (connections of the previous set-up in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a gunicorn master and its workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _cpu(pid: int) -> float:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


@contextlib.contextmanager
def servers(
    env: dict[str, str], setup: str, processes: int, base_port: int = BASE_PORT
) -> Iterator[tuple[list[int], list[subprocess.Popen]]]:
    """The set-up's server processes (one per port from ``base_port``, or one gunicorn master with its workers on
    one port)."""
    count = 1 if setup == "gunicorn-shared" else processes
    ports = [base_port + i for i in range(count)]
    if not all(_port_is_free(port) for port in ports):
        raise RuntimeError(f"ports {ports} are in use: is another benchmark running?")
    started = []
    try:
        for port in ports:
            command, extra = _command(setup, port, processes)
            started.append(
                subprocess.Popen(
                    command, env={**env, **extra}, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True
                )
            )
        for port in ports:
            _wait_until_serving(port)
        yield ports, started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


ENGINES = {"postgres": "PostgreSQL", "redis-server": "Redis"}


def engines_cpu() -> dict[str, float]:
    """CPU seconds used so far by every PostgreSQL and Redis process of the machine (theirs is shared: measure
    with nothing else using them)."""
    used = dict.fromkeys(ENGINES.values(), 0.0)
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError, ValueError):
            name = ENGINES.get(comm.read_text().strip())
            if name is not None:
                used[name] += _cpu(int(comm.parent.name))
    return used


class Meter:
    """The set-up's CPU (per process of its tree) and the machine's busy share over one load run."""

    def __init__(self, roots: list[subprocess.Popen]) -> None:
        self.pids = [pid for root in roots for pid in _tree(root.pid)]
        self.before = {pid: _cpu(pid) for pid in self.pids}
        self.ticks = _machine_ticks()

    def stop(self) -> tuple[float, float, float]:
        """(server CPU seconds, busiest process's share of it, machine busy share)."""
        used = {pid: _cpu(pid) - self.before[pid] for pid in self.pids}
        total = sum(used.values())
        ticks = _machine_ticks()
        busy = 1 - (ticks[1] - self.ticks[1]) / max(1, ticks[0] - self.ticks[0])
        return total, (max(used.values()) / total if total else 0.0), busy


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


HEAD = (
    f"{'set-up':16} {'page':24} {'mode':16} {'req/s':>7} {'ratio':>6} {'p50':>6} {'p95':>6} {'p99':>7} "
    f"{'err':>4} {'CPU ms/req':>10} {'busiest':>7} {'machine':>7} {'load':>5}"
)


def _row(setup: str, page: str, mode: str, outcome: Outcome, static_rate: float, meter: tuple) -> dict:
    cpu, busiest, busy = meter
    row = {
        "setup": setup,
        "page": page,
        "mode": mode,
        "rate": outcome.throughput,
        "ratio": outcome.throughput / static_rate if static_rate else 1.0,
        "p50": outcome.percentile(50) * 1000,
        "p95": outcome.percentile(95) * 1000,
        "p99": outcome.percentile(99) * 1000,
        "errors": outcome.errors,
        "cpu_ms": cpu / max(1, outcome.completed) * 1000,
        "busiest": busiest,
        "machine": busy,
        "load": _load(),
    }
    print(
        f"{setup:16} {page:24} {mode:16} {row['rate']:>7.1f} {row['ratio']:>6.2f} {row['p50']:>6.1f} "
        f"{row['p95']:>6.1f} {row['p99']:>7.1f} {row['errors']:>4} {row['cpu_ms']:>10.1f} {busiest:>7.2f} "
        f"{busy * 100:>6.0f}% {row['load']:>5}" + (f"  errors e.g. {outcome.error_samples}" if outcome.errors else "")
    )
    sys.stdout.flush()
    return row


def measure_setup(setup: str, env: dict, data: dict, args: argparse.Namespace) -> list[dict]:
    rows = []
    with servers(env, setup, args.processes) as (ports, roots):
        targets = [
            Target("static file", data["static_path"], HOST),
            Target("school home (visitor)", "/", data["school_host"]),
            Target("guardian dashboard", "/dashboard/", HOST, data["guardians"]),
            Target("student day", "/dashboard/", HOST, data["students"][:200]),
            Target("lesson page", data["work_path"], HOST, data["students"][:40]),
        ]
        static_rate = 0.0
        for target in targets:
            meter = Meter(roots)
            outcome = run_load(target, ports=ports, clients=args.clients, seconds=args.seconds)
            row = _row(setup, target.name, f"closed, {args.clients}", outcome, static_rate, meter.stop())
            if target.name == "static file":
                static_rate = outcome.throughput
                row["ratio"] = 1.0
            rows.append(row)
        # Autosave: every child of the five classes saving as fast as it is answered (the saturation rate).
        meter = Meter(roots)
        outcome = run_autosave(
            ports,
            data["autosave_path"],
            data["students"][: args.clients],
            data["questions"],
            seconds=args.seconds,
            interval=0.0,
        )
        rows.append(_row(setup, "autosave", f"closed, {args.clients}", outcome, static_rate, meter.stop()))
        paced = [
            (Target("school home (visitor)", "/", data["school_host"]), 50, "50 req/s"),
            (Target("guardian dashboard", "/dashboard/", HOST, data["guardians"]), 100, "100 users, 1/s"),
            (Target("lesson page", data["work_path"], HOST, data["students"][:40]), 40, "40 pupils, 1/s"),
        ]
        for target, clients, mode in paced:
            meter = Meter(roots)
            outcome = run_load(target, ports=ports, clients=clients, seconds=args.seconds, interval=1.0)
            rows.append(_row(setup, target.name, mode, outcome, static_rate, meter.stop()))
    return rows


# --- growing past one machine: one and two app processes, two task workers --------------------------------------


def enqueue_tasks(count: int) -> None:
    """Inside a configured Django: ``count`` no-op tasks for the workers (a roster import that does not exist)."""
    import django

    django.setup()
    from school_portal.core.tasks import roster_import_task

    for _ in range(count):
        roster_import_task.enqueue(roster_import_id=0)


def _tasks_done(env: dict[str, str]) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as connection:
        rows = dict(
            connection.execute(
                "SELECT status, count(*) FROM django_tasks_database_dbtaskresult"
                " WHERE task_path LIKE %s GROUP BY status",
                ["%roster_import_task"],
            )
        )
    return rows.get("SUCCESSFUL", 0), sum(rows.values())


def scale_out(env: dict, data: dict, args: argparse.Namespace, setup: str) -> None:
    print(f"\nscale-out: {setup}, 1 and 2 app processes on one PostgreSQL, with 2 task workers running")
    print(HEAD)
    workers = [
        subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--worker-id", f"bench-serving-{i}", "--interval", "0.5"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(2)
    ]
    rates: dict[tuple[str, int], float] = {}
    try:
        before = _tasks_done(env)[0]
        subprocess.run([PYTHON, os.path.abspath(__file__), "--enqueue", str(args.tasks)], env=env, cwd=ROOT, check=True)
        for processes in (1, 2):
            with servers(env, setup, processes) as (ports, roots):
                targets = [
                    Target("static file", data["static_path"], HOST),
                    Target("guardian dashboard", "/dashboard/", HOST, data["guardians"]),
                    Target("lesson page", data["work_path"], HOST, data["students"][:40]),
                ]
                static_rate = 0.0
                for target in targets:
                    meter = Meter(roots)
                    outcome = run_load(target, ports=ports, clients=args.clients, seconds=args.seconds)
                    row = _row(
                        f"{setup} x{processes}",
                        target.name,
                        f"closed, {args.clients}",
                        outcome,
                        static_rate,
                        meter.stop(),
                    )
                    if target.name == "static file":
                        static_rate = outcome.throughput
                    rates[(target.name, processes)] = row["rate"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _tasks_done(env)[0] - before < args.tasks:
            time.sleep(1)
        done = _tasks_done(env)[0] - before
        print(f"task workers: {done} of the {args.tasks} tasks enqueued before the load done by the 2 workers")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    for page in ("static file", "guardian dashboard", "lesson page"):
        one, two = rates.get((page, 1), 0.0), rates.get((page, 2), 0.0)
        print(f"{page}: 2 processes serve {two / one if one else 0:.2f}x one process's rate")


# --- preparation ---------------------------------------------------------------------------------------------------


def prepare(env: dict[str, str], args: argparse.Namespace) -> dict:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--scale", str(args.scale), "--quiet")
    prepare_static(env)
    flush_bench_redis()

    def child(script: str, *extra: str) -> dict:
        made = subprocess.run(
            [PYTHON, str(ROOT / "benchmarks" / script), *extra], env=env, capture_output=True, text=True, check=False
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        return json.loads(made.stdout.strip().splitlines()[-1])

    guardians = child("load.py", "--make-sessions", "100")
    lessons = child("classrooms_bench.py", "--prepare")
    manifest = json.loads((Path(env["STATIC_ROOT"]) / "staticfiles.json").read_text())["paths"]
    css = next(name for name in manifest if name.endswith(".css"))
    return {
        "guardians": guardians["sessions"],
        "school_host": guardians["school_host"],
        "students": lessons["students"],
        "work_path": lessons["work_path"],
        "autosave_path": lessons["autosave_path"],
        "questions": lessons["questions"],
        "static_path": f"/static/{manifest[css]}",
    }


def prepared_data(env: dict[str, str], args: argparse.Namespace, reuse: bool, kept: Path) -> dict:
    """The seeded world's people and paths: prepared now (and kept in ``kept`` with ``--keep-db``), or read back
    from a kept run, whose secret key ``env`` then takes (the sessions were signed with it)."""
    if reuse:
        data = json.loads(kept.read_text())
        env["SECRET_KEY"] = data["secret_key"]
        prepare_static(env)
        return data
    data = prepare(env, args)
    if args.keep_db:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps({**data, "secret_key": env["SECRET_KEY"]}))
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per row (after 2 s warm-up)")
    parser.add_argument("--setups", default=",".join(SETUPS[:-1]) + ",gunicorn-shared")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=200, help="no-op tasks for the two workers in the scale-out")
    parser.add_argument("--scale-out-setup", default=LAYOUT, help="the set-up measured with 1 and 2 processes")
    parser.add_argument("--no-scale-out", action="store_true")
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind for --reuse-db")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a kept database (not for figures)")
    parser.add_argument("--enqueue", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.enqueue:
        enqueue_tasks(args.enqueue)
        return

    print_header(f"serving: the same pages under each server set-up, {args.processes} processes each")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    name = bench_database_name("serving")
    reuse = args.reuse_db and postgres_database_exists(name) and PREPARED.exists()
    with postgres_database(name, keep=args.keep_db, reuse=reuse) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0", TASKS_BACKEND="database")
        started = time.perf_counter()
        data = prepared_data(env, args, reuse, PREPARED)
        print(
            f"prepared in {time.perf_counter() - started:.0f} s: seed scale {args.scale}, "
            f"{len(data['guardians'])} guardians, {len(data['students'])} children signed in; csrf {CSRF[:4]}…"
        )
        print(HEAD)
        rows = []
        for setup in args.setups.split(","):
            rows += measure_setup(setup, env, data, args)
        out = ROOT / "var" / "bench" / "serving-rows.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rows, indent=1))
        if not args.no_scale_out:
            scale_out(env, data, args, args.scale_out_setup)
    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
