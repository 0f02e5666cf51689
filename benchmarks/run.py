"""Run every benchmark in turn and print their figures (about 35 minutes on a quiet 2-core machine).

    .venv/bin/python benchmarks/run.py

Needs the local PostgreSQL (postgres://postgres@127.0.0.1:5432, which may create databases) and Redis
(database 14, or BENCH_REDIS_URL, may be emptied if a benchmark created it). Each benchmark creates and drops its
own ``bench_portal*`` database (prefix: BENCH_DATABASE_PREFIX) and refuses one it did not create.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["seed_speed.py", "queries_per_request.py", "load.py", "classrooms_bench.py", "serving.py"]


def main() -> int:
    started = time.perf_counter()
    failed = []
    for script in BENCHMARKS:
        result = subprocess.run([sys.executable, str(HERE / script)], check=False)
        if result.returncode:
            failed.append(script)
    print(f"\nall benchmarks done in {time.perf_counter() - started:.0f} s" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
