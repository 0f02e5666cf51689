"""Push fan-out: N messages (default 160,000 devices) to a local push service with two ``db_worker`` processes.

One command: ``.venv/bin/python benchmarks/push_fanout.py [--devices N] [--workers 2]``. It prints

* the reference: one process encrypting, signing and POSTing the same messages to the same local push service
  with no database and no worker (``--reference`` messages), its rate;
* run 1: the fan-out of one message to N devices by the workers: wall time from the workers' start to the job's
  end, the rate and its ratio to the reference, the workers' memory (RSS) sampled over time;
* run 2: a second message to the same N devices, the worker running the job killed with SIGKILL halfway and a
  new worker started: devices reached (none missing?), devices pushed twice, wall time;
* the load average before and after (the machine may be shared: say so with the figures).

The push service is tests/push_endpoint.py in a process of its own: it decrypts every message (RFC 8291) and
verifies every VAPID signature, as the tests' does. The portal runs with the development settings (DEBUG off)
on PostgreSQL + Redis, because production refuses a push endpoint that is not HTTPS on a public address.
Databases: ``<BENCH_DATABASE_PREFIX>_push`` on ``BENCH_POSTGRES`` (created, marked, dropped), ``BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import (  # noqa: E402
    PYTHON,
    ROOT,
    bench_database_name,
    bench_env,
    manage,
    postgres_database,
    print_header,
)

SEED = "bench-push"

MAKE_DEVICES = r"""
import sys
from school_portal.core.models import PushSubscription, User
from tests.push_endpoint import PushEndpoint

count, port, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
endpoint = PushEndpoint(seed=seed, port=port)
User.objects.get_or_create(username="bench-sender", defaults={"is_superuser": True})
for start in range(0, count, 5000):
    users = User.objects.bulk_create(
        User(username=f"bench-g{n:06d}", display_name=f"保護者{n}") for n in range(start, min(count, start + 5000))
    )
    subscriptions = []
    for user in users:
        info = endpoint.subscription(user.username)
        subscriptions.append(
            PushSubscription(user=user, endpoint=info["endpoint"], p256dh=info["keys"]["p256dh"],
                             auth=info["keys"]["auth"])
        )
    PushSubscription.objects.bulk_create(subscriptions)
print(User.objects.filter(username__startswith="bench-g").count())
"""

START_PUSH = r"""
from school_portal.core import push
from school_portal.core.models import PushPreference, User

ids = list(User.objects.filter(username__startswith="bench-g").values_list("pk", flat=True))
job = push.push_start(users=ids, title="暴風警報による臨時休校", body="本日は臨時休校です。", url="/notices/1/",
                      urgency="high", emergency=True, by=User.objects.get(username="bench-sender"))
print(job.pk)
"""

REFERENCE = r"""
import sys, time
from school_portal.core import push, push_crypto
from tests.push_endpoint import PushEndpoint

count, port, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
endpoint = PushEndpoint(seed=seed, port=port)
infos = [endpoint.subscription(f"reference-{n}") for n in range(count)]
data = b'{"id": 0, "title": "reference", "url": "/"}'
started = time.perf_counter()
for info in infos:
    headers = {**push._vapid_authorization(info["endpoint"]), "Urgency": "high", "Topic": "reference", "TTL": "60",
               "Content-Encoding": "aes128gcm"}
    body = push_crypto.push_encrypt(data, p256dh=info["keys"]["p256dh"], auth=info["keys"]["auth"])
    status = push_crypto.push_post(info["endpoint"], body, headers, timeout=10)
    assert status == 201, status
print(count / (time.perf_counter() - started))
"""


def vapid_keys() -> tuple[str, str]:
    """A key pair for this run (as ``manage.py push_vapid_keys`` makes, without starting Django here)."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return encode(key.private_numbers().private_value.to_bytes(32, "big")), encode(point)


def job_state(database_url: str, job_id: int) -> dict:
    """The job's row, read directly (as its page does): a Django process per poll would cost seconds here."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT status, done, total, worker, message FROM core_job WHERE id = %s", [job_id]
        ).fetchone()
    return dict(zip(["status", "done", "total", "worker", "message"], row, strict=True))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, or 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def shell(env: dict[str, str], script: str, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + script, *args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


def endpoint_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [PYTHON, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603


def run_fanout(env: dict[str, str], workers: int, log: Path, *, kill_at: float | None) -> dict:
    job_id = shell(env, START_PUSH)
    processes = [start_worker(env, log) for _ in range(workers)]
    started = time.perf_counter()
    memory: list[tuple[float, list[float]]] = []
    killed = None
    last_sample = 0.0
    state: dict = {}
    cpu: dict[int, float] = {}
    try:
        while True:
            state = job_state(env["DATABASE_URL"], int(job_id))
            now = time.perf_counter() - started
            for process in processes:
                cpu[process.pid] = max(cpu.get(process.pid, 0.0), cpu_seconds(process.pid))
            if now - last_sample >= 5:
                memory.append((now, [rss_mib(p.pid) for p in processes if p.poll() is None]))
                last_sample = now
            if state["status"] in ("succeeded", "failed"):
                break
            if kill_at is not None and killed is None and state["total"] and state["done"] >= kill_at * state["total"]:
                victim = next((p for p in processes if state["worker"].endswith(f":{p.pid}")), None)
                if victim is not None:
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.wait()
                    killed = {"at": now, "done": state["done"]}
                    processes.append(start_worker(env, log))
            time.sleep(0.5)
    finally:
        for process in processes:
            cpu[process.pid] = max(cpu.get(process.pid, 0.0), cpu_seconds(process.pid))
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return {
        "seconds": time.perf_counter() - started,
        "state": state,
        "memory": memory,
        "killed": killed,
        "worker_cpu": sum(cpu.values()),
    }


def cpu_line(run: dict, endpoint_cpu: float, devices: int) -> str:
    """The CPU each push cost, in the workers (start-up included) and in the local push service: what the
    machine's load does not change much, unlike the wall time."""
    return (
        f"  CPU: workers {run['worker_cpu']:.0f} s ({1000 * run['worker_cpu'] / devices:.2f} ms a push, start-up "
        f"included), push service {endpoint_cpu:.0f} s ({1000 * endpoint_cpu / devices:.2f} ms a push)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=160_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", type=int, default=2000)
    parser.add_argument("--no-kill-run", action="store_true")
    arguments = parser.parse_args()

    print_header(f"Push fan-out: {arguments.devices:,} devices, {arguments.workers} db_worker processes")
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    private, public = vapid_keys()
    port = free_port()
    log = ROOT / "var" / "bench" / f"push-workers-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    endpoint = subprocess.Popen(  # noqa: S603
        [PYTHON, "tests/push_endpoint.py", "--port", str(port), "--seed", SEED, "--expected-key", public],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    endpoint.stdout.readline()
    try:
        with postgres_database(bench_database_name("push")) as url:
            env = bench_env(
                url,
                DJANGO_SETTINGS_MODULE="school_portal.settings.dev",
                DEBUG="false",
                TASKS_BACKEND="database",
                PUSH_VAPID_PRIVATE_KEY=private,
                PUSH_VAPID_SUBJECT="mailto:bench@city.example.jp",
                PUSH_TEST_ENDPOINTS="http://127.0.0.1",
                JOB_HEARTBEAT_SECONDS="2",
            )
            manage(env, "migrate", "--noinput", "-v0")
            made = time.perf_counter()
            shell(env, MAKE_DEVICES, str(arguments.devices), str(port), SEED)
            print(f"{arguments.devices:,} guardians with one device each made in {time.perf_counter() - made:.0f} s")

            reference = float(shell(env, REFERENCE, str(arguments.reference), str(port), SEED))
            print(f"reference: one process, no database, no worker: {reference:,.0f} pushes/s")

            endpoint_cpu = cpu_seconds(endpoint.pid)
            first = run_fanout(env, arguments.workers, log, kill_at=None)
            stats = endpoint_stats(port)
            first_endpoint_cpu, endpoint_cpu = cpu_seconds(endpoint.pid) - endpoint_cpu, cpu_seconds(endpoint.pid)
            rate = arguments.devices / first["seconds"]
            print(
                f"run 1: {first['state']['status']} in {first['seconds']:.1f} s: {rate:,.0f} pushes/s "
                f"({rate / reference:.2f} x the reference); job: {first['state']['message']}"
            )
            print(f"  push service: {stats['delivered'] - arguments.reference:,} devices reached, "
                  f"{stats['duplicates']} twice, {stats['error_count']} not verified")  # fmt: skip
            print("  worker memory (RSS MiB) over time: " + ", ".join(
                f"{t:.0f}s: {'/'.join(f'{m:.0f}' for m in mem)}" for t, mem in first["memory"]
            ))  # fmt: skip
            print(cpu_line(first, first_endpoint_cpu, arguments.devices))
            print("  load average at its end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
            if not arguments.no_kill_run:
                before = stats
                second = run_fanout(env, arguments.workers, log, kill_at=0.5)
                after = endpoint_stats(port)
                reached = after["delivered"] - before["delivered"]
                twice = after["duplicates"] - before["duplicates"]
                print(
                    f"run 2 (the job's worker killed with SIGKILL at {second['killed']}): "
                    f"{second['state']['status']} in {second['seconds']:.1f} s; devices reached {reached:,} of "
                    f"{arguments.devices:,} (missing {arguments.devices - reached}), pushed twice {twice}, "
                    f"not verified {after['error_count'] - before['error_count']}, cut off by the kill "
                    f"{after['cut'] - before['cut']}; job: {second['state']['message']}"
                )
                print("  worker memory (RSS MiB) over time: " + ", ".join(
                    f"{t:.0f}s: {'/'.join(f'{m:.0f}' for m in mem)}" for t, mem in second["memory"]
                ))  # fmt: skip
                print(cpu_line(second, cpu_seconds(endpoint.pid) - endpoint_cpu, arguments.devices))
    finally:
        endpoint.terminate()
        endpoint.wait(timeout=30)
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
