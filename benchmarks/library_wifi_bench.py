"""The library Wi-Fi portal on PostgreSQL + Redis and real app servers: the splash page's weight and external
requests in Chromium, and accept-and-grant handshakes per second with p50/p95/p99 and server CPU per handshake,
as a ratio to the static-file rate of the same server set-up in the same run.

    .venv/bin/python benchmarks/library_wifi_bench.py [--seconds 20] [--processes 2] [--clients 32]
                                                      [--setups granian,daphne] [--rate 500]

Set-ups (``serving.py``'s): ``serving.LAYOUT`` is the chosen layout (docs/operations.md: granian, gunicorn until
7 Dec 2026; one process per core, one worker of 8 threads each, on a port of its own, the clients spread over the
ports as nginx would);
``daphne`` (Django's ASGI handler, as the portal ran before) is kept as a comparison row.

Targets (figures, not asserts): the splash page under 30 KB with everything it loads and zero requests off the
portal; at least 500 accept-and-grant handshakes per second with p99 under 100 ms (libraries opening at 9:00).

1. A fresh PostgreSQL database ``<BENCH_DATABASE_PREFIX>_library_wifi``, migrated; inside Django (production
   settings, ``BENCH_REDIS_URL``): a library, its page and terms, a Meraki click-through gateway, and 40,000
   visitors' signed splash forms (each a different device, so the per-device flood limit never trips).
2. Daphne: Chromium loads a splash page (every request off the portal recorded and refused); then closed-loop
   clients GET a static file (the reference), then POST accepts (CSRF cookie and token, the terms ticked): each
   accept records the session, the terms revision, the statistics and answers with the grant. Then accepts paced
   at ``--rate`` a second (the target's 500), each latency from the moment the request was due.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from http_load import Outcome, Target, drive, run_load
from serving import LAYOUT, Meter, servers
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

BASE_PORT = 8490
SETUPS = (LAYOUT, "daphne")
HOST = "localhost:8000"
VISITORS = 60_000
CSRF = secrets.token_hex(16)  # 32 characters: Django's CSRF secret, sent as cookie and as the form's token


def prepare() -> None:
    """Build the library and the visitors' forms inside Django; print JSON."""
    import django

    django.setup()
    from django.core import signing

    from library_wifi import testing
    from library_wifi.adapters import Handshake
    from library_wifi.models import Gateway
    from school_portal.core.models import City, Library

    city = City.objects.create(name="ベンチ市", slug="bench")
    library = Library.objects.create(city=city, name="ベンチ中央図書館", slug="bench-central")
    testing.portal_page(library)
    terms = testing.terms_page()
    gateway = testing.gateway(library, Gateway.Kind.MERAKI)
    salt = f"library_wifi.handshake.{gateway.pk}.{gateway.key}"
    base = "https://n143.network-auth.com/splash/grant"
    bodies = []
    for n in range(VISITORS):
        mac = ":".join(f"{b:02x}" for b in n.to_bytes(6, "big"))
        handshake = Handshake(client=mac, continue_url="http://example.com/", data={"base_grant_url": base})
        blob = signing.dumps(handshake.as_dict(), salt=salt, compress=True)
        form = {"handshake": blob, "agree": "yes", "terms": terms.live_revision_id}  # the token: added by the parent
        bodies.append(urlencode(form))
    print(
        json.dumps(
            {
                "splash": f"/library-wifi/portal/{gateway.key}/?" + urlencode(testing.meraki_query()),
                "accept": f"/library-wifi/portal/{gateway.key}/accept/",
                "bodies": bodies,
            }
        )
    )


def _accept_request(path: str, body: str) -> bytes:
    data = f"csrfmiddlewaretoken={CSRF}&{body}".encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}",
        "X-Forwarded-Proto: https",
        f"Origin: https://{HOST}",
        "Accept-Language: ja",
        f"Cookie: csrftoken={CSRF}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(data)}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data


def run_accepts(
    path: str, bodies: list[str], ports: list[int], clients: int, seconds: float, interval: float = 0.0
) -> Outcome:
    """``clients`` sending accepts in a closed loop (``interval`` 0) or each once every ``interval`` seconds."""
    requests = [_accept_request(path, body) for body in bodies]

    async def main() -> Outcome:
        outcome = Outcome()
        start = time.perf_counter()
        warm_until, deadline = start + 2.0, start + 2.0 + seconds
        await asyncio.gather(
            *(
                drive(
                    requests[i::clients],
                    ports[i % len(ports)],
                    i,
                    start,
                    warm_until,
                    deadline,
                    interval,
                    clients,
                    outcome,
                )
                for i in range(clients)
            )
        )
        outcome.seconds = max(seconds, outcome.last_done - warm_until)
        return outcome

    return asyncio.run(main())


def splash_in_chromium(port: int, path: str) -> dict:
    """Chromium (Debian's) loads the splash page; what it fetched from the portal, and anything else."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
    portal, external, sizes = f"localhost:{port}", [], {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"], headless=True)
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="ja-JP")

        def route(r) -> None:
            if urlsplit(r.request.url).netloc == portal:
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(f"http://{portal}{path}")
        page.wait_for_load_state("load")
        # Read the bodies once the page has loaded: a body read inside the event handler raced the browser's
        # closing (the splash once measured as 0 KB in 0 requests).
        for response in responses:
            sizes[response.url] = len(response.body())
        browser.close()
    return {"bytes": sum(sizes.values()), "requests": len(sizes), "external": external}


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _row(name: str, outcome: Outcome, meter: tuple[float, float, float], static_rate: float) -> str:
    cpu, _busiest, busy = meter
    return (
        f"  {name:26} {outcome.throughput:>7.1f}/s  ratio {outcome.throughput / static_rate if static_rate else 1:.2f}"
        f"  p50 {outcome.percentile(50) * 1000:6.1f}  p95 {outcome.percentile(95) * 1000:6.1f}"
        f"  p99 {outcome.percentile(99) * 1000:6.1f} ms  errors {outcome.errors}"
        f"  server CPU {cpu / max(1, outcome.completed) * 1000:5.2f} ms/req  machine busy {busy * 100:3.0f}%"
        f"  load {_load()}" + (f"  e.g. {outcome.error_samples}" if outcome.errors else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--rate", type=int, default=500, help="accepts a second in the paced run (the target)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return

    print_header("library_wifi: splash page in Chromium, accept-and-grant handshakes on PostgreSQL + Redis")
    print(f"load average before: {_load()}")
    with postgres_database(bench_database_name("library_wifi")) as url:
        env = bench_env(url, DB_POOL_SIZE="8", DB_CONN_MAX_AGE="0")
        manage(env, "migrate", "--noinput", "-v0")
        prepare_static(env)
        flush_bench_redis()
        made = subprocess.run(
            [PYTHON, os.path.abspath(__file__), "--prepare"], env=env, capture_output=True, text=True, check=False
        )
        if made.returncode:
            raise RuntimeError(made.stdout + made.stderr)
        data = json.loads(made.stdout.strip().splitlines()[-1])
        bodies = data["bodies"]
        for number, setup in enumerate(args.setups.split(",")):
            with servers(env, setup, args.processes, base_port=BASE_PORT) as (ports, roots):
                if number == 0:
                    splash = splash_in_chromium(ports[0], data["splash"])
                    print("\nsplash page in Chromium, phone (target: < 30 KB in all, no request off the portal)")
                    print(
                        f"  {splash['bytes'] / 1024:.1f} KB in {splash['requests']} requests; "
                        f"requests off the portal: {len(splash['external'])} {splash['external'][:3]}"
                    )
                print(
                    f"\n{setup}: {args.processes} process(es), {args.clients} clients, closed loop, "
                    f"{args.seconds:.0f} s each after 2 s of warm-up"
                )
                meter = Meter(roots)
                static = Target("static file", "/static/library_wifi/portal.css", HOST)
                reference = run_load(static, ports=ports, clients=args.clients, seconds=args.seconds)
                print(_row("static file (reference)", reference, meter.stop(), reference.throughput))
                # Each set-up its own visitors (a device accepts once: a replayed form would be refused as a flood).
                share, bodies = bodies[: len(bodies) // 2], bodies[len(bodies) // 2 :]
                closed, paced = share[: len(share) * 2 // 3], share[len(share) * 2 // 3 :]
                meter = Meter(roots)
                accepts = run_accepts(data["accept"], closed, ports, args.clients, args.seconds)
                print(_row("accept-and-grant", accepts, meter.stop(), reference.throughput))
                # The target's own terms: 500 handshakes a second arriving on a schedule (a library's opening
                # queue), ``--rate / 5`` visitors each once every 0.2 s, latencies from when each was due.
                meter = Meter(roots)
                accepts = run_accepts(data["accept"], paced, ports, max(1, args.rate // 5), args.seconds, 0.2)
                print(_row(f"accept, paced {args.rate}/s", accepts, meter.stop(), reference.throughput))
    print(f"\nload average after: {_load()}  (targets: >= 500 handshakes/s, p99 < 100 ms)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
