"""A small asyncio HTTP/1.1 load generator: N clients, one keep-alive connection each, loopback only.

Written on the standard library so that the generator, which shares the machine's cores with the server,
spends as little CPU as it can (no HTTP library parses headers it does not need). Every run stops by itself
at its deadline.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

# The CSRF cookie a signed-in browser sends with every request after its first page (without it each page would
# make a new secret and set the cookie again, which a real visit does once).
BROWSER_CSRF = secrets.token_hex(16)


@dataclass
class Target:
    name: str
    path: str
    host: str
    cookies: list[str] = field(default_factory=list)  # one per client, round robin; empty: a visitor


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the measured part of the run
    wall_seconds: float = 0.0  # the whole run, warm-up included
    cpu_seconds: float = 0.0  # the load generator's own CPU time over the whole run
    completed: int = 0  # every response, warm-up included (to divide the server's CPU time by)
    sent: dict[int, int] = field(default_factory=dict)  # requests each client sent, warm-up included
    last_done: float = 0.0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(text)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies) if self.latencies else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep-alive) of one response; its body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") != "close"


def _request(target: Target, cookie: str | None) -> bytes:
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: {target.host}",
        "X-Forwarded-Proto: https",  # what the TLS-terminating proxy in front of Daphne sends
        "Accept: text/html",
        "Accept-Language: ja",
    ]
    if cookie:
        lines.append(f"Cookie: sessionid={cookie}; csrftoken={BROWSER_CSRF}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _client(
    index: int,
    target: Target,
    ports: list[int],
    start: float,
    warm_until: float,
    deadline: float,
    interval: float,
    clients: int,
    outcome: Outcome,
) -> None:
    port = ports[index % len(ports)]
    cookie = target.cookies[index % len(target.cookies)] if target.cookies else None
    await drive(_request(target, cookie), port, index, start, warm_until, deadline, interval, clients, outcome)


async def drive(
    request: bytes | Sequence[bytes],
    port: int,
    index: int,
    start: float,
    warm_until: float,
    deadline: float,
    interval: float,
    clients: int,
    outcome: Outcome,
) -> None:
    """One client sending ``request`` over a keep-alive connection until ``deadline`` (paced when ``interval``);
    a sequence of requests is sent in turn (each a different handshake, say)."""
    requests = [request] if isinstance(request, bytes) else list(request)
    sent_count = 0
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    # Paced clients start spread over one interval and keep to a schedule; a late request is measured from
    # the moment it should have been sent (no coordinated omission).
    scheduled = start + (interval * index / clients if interval else 0.0)
    while True:
        if interval:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        sent = scheduled if interval else time.perf_counter()
        if sent >= deadline:
            break
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            reader, writer = connection
            writer.write(requests[sent_count % len(requests)])
            sent_count += 1
            status, keep_alive = await _read_response(reader)
            done = time.perf_counter()
            outcome.completed += 1
            outcome.last_done = max(outcome.last_done, done)
            if sent >= warm_until:
                if status == 200:
                    outcome.latencies.append(done - sent)
                else:
                    outcome.error(f"HTTP {status}")
            if not keep_alive:
                writer.close()
                connection = None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if sent >= warm_until:
                outcome.error(f"{type(exc).__name__}: {exc}")
            if connection is not None:
                connection[1].close()
            connection = None
            await asyncio.sleep(0.05)
        scheduled += interval
    outcome.sent[index] = sent_count
    if connection is not None:
        connection[1].close()


async def _run(
    target: Target, ports: list[int], clients: int, seconds: float, warmup: float, interval: float
) -> Outcome:
    outcome = Outcome()
    start = time.perf_counter()
    warm_until = start + warmup
    deadline = warm_until + seconds
    cpu_before = os.times()
    await asyncio.gather(
        *(_client(i, target, ports, start, warm_until, deadline, interval, clients, outcome) for i in range(clients))
    )
    cpu_after = os.times()
    # An overloaded server answers the last requests after the deadline: count the time it really took.
    outcome.seconds = max(seconds, outcome.last_done - warm_until)
    outcome.wall_seconds = time.perf_counter() - start
    outcome.cpu_seconds = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return outcome


def run_load(
    target: Target, *, ports: list[int], clients: int, seconds: float, warmup: float = 2.0, interval: float = 0.0
) -> Outcome:
    """Drive ``clients`` concurrent clients at ``target`` for ``warmup + seconds``; measure the last ``seconds``.

    ``interval`` 0 is a closed loop (each client sends its next request as soon as the last one came back);
    otherwise each client sends one request every ``interval`` seconds.
    """
    return asyncio.run(_run(target, ports, clients, seconds, warmup, interval))
