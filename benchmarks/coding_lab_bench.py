"""The coding lab's server check: how long the evaluator takes for a 200-block program, and checks per second on
one core, beside a reference measured in the same run (Python's C JSON reader on the same text: the check reads
the program with its own iterative reader, then runs it, so the ratio says what the safety costs).

    .venv/bin/python benchmarks/coding_lab_bench.py [--seconds 5]

Needs no database and no Redis: the check is pure Python (coding_lab/evaluator). Not yet measured here (see
docs/benchmarks.md): autosave p95 at 400 students on PostgreSQL, the class grid's update latency across two
Daphne processes, the first-load bytes in Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school_portal.settings.test")

import django  # noqa: E402

django.setup()

from benchmarks.support import print_header  # noqa: E402
from coding_lab.evaluator import Goal, check  # noqa: E402
from coding_lab.testing import dumps, move, program, repeat, tturn  # noqa: E402


def two_hundred_blocks() -> tuple[str, Goal]:
    """A turtle program of 200 blocks: 20 loops of (move, turn) x 4 with their numbers, drawing a row of squares."""
    statements = []
    for i in range(20):
        statements += [repeat(4, [move(20), tturn(90)]), move(5 + i % 3), tturn(0)]
    source = dumps(program(statements))
    target = check(source, Goal("turtle")).trace.segments
    return source, Goal("turtle", target_segments=target)


def timed(fn, seconds: float) -> list[float]:
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print_header("coding_lab: the server's check of a program")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    source, goal = two_hundred_blocks()
    outcome = check(source, goal)
    print(f"program: {outcome.block_count} blocks, {len(source)} bytes, result {outcome.result}")
    checks = timed(lambda: check(source, goal), args.seconds)
    reference = timed(lambda: json.loads(source), args.seconds / 2)
    per_check = statistics.median(checks)
    p95 = sorted(checks)[int(len(checks) * 0.95)]
    print(f"check: median {per_check * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (target < 20 ms)")
    print(f"checks per second on one core: {1 / per_check:.0f} (target >= 300)")
    print(f"reference, json.loads of the same text: {statistics.median(reference) * 1e6:.0f} µs;"
          f" check / reference = {per_check / statistics.median(reference):.0f}x")  # fmt: skip
    statements = []
    for i in range(20):
        statements += [repeat(4, [move(21 if i == 0 else 20), tturn(90)]), move(5 + i % 3), tturn(0)]
    near = dumps(program(statements))
    near_outcome = check(near, goal)
    near_times = timed(lambda: check(near, goal), args.seconds / 2)
    print(f"a drawing 1 px off the target (compared cell by cell, result {near_outcome.result}):"
          f" median {statistics.median(near_times) * 1000:.2f} ms")  # fmt: skip
    chain = dumps(program([tturn(1) for _ in range(2000)]))
    chain_times = timed(lambda: check(chain, Goal("turtle")), args.seconds / 2)
    chain_ms = statistics.median(chain_times) * 1000
    print(f"2,000-block chain ({len(chain)} bytes, ~4,000 levels deep): median {chain_ms:.1f} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
