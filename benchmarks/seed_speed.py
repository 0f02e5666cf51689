"""How long ``manage.py seed_demo --scale 10`` takes on a fresh database (target: under 60 s).

    .venv/bin/python benchmarks/seed_speed.py [--scale 10] [--engines postgres,sqlite]

For each engine: create an empty database, migrate it (timed apart), then time the seed command as a whole
process (wall clock, Python start-up included) and print the seconds and what it built.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time

from support import PYTHON, ROOT, bench_database_name, bench_env, database, manage, print_header

TARGET_SECONDS = 60.0


def timed_seed(env: dict[str, str], scale: int) -> tuple[float, list[tuple[str, float]], str]:
    """Run the seed command; its wall time, the time of each phase (from its progress lines), its output."""
    started = last = time.perf_counter()
    phases: dict[str, float] = {}
    lines = []
    with subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "seed_demo", "--scale", str(scale), "--quiet"],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        for line in process.stdout:
            now = time.perf_counter()
            lines.append(line)
            if line.strip().startswith("scale school"):
                phases["core: start-up, demo schools, scale schools"] = now - started
                last = now
            elif line.strip().startswith("seeded "):
                phases[f"plug-in seeder {line.split()[-1]}"] = now - last
                last = now
    if process.returncode:
        raise RuntimeError("seed_demo failed:\n" + "".join(lines))
    return time.perf_counter() - started, list(phases.items()), "".join(lines)


def seed_once(engine: str, scale: int) -> dict[str, float | str]:
    with database(engine, bench_database_name("seed")) as url:
        env = bench_env(url)
        started = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v0")
        migrate_seconds = time.perf_counter() - started
        seed_seconds, phases, output = timed_seed(env, scale)
        inner = re.search(r"ready in ([\d.]+) s", output)
        counts = manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from school_portal.core.models import School, ClassGroup, Student, Guardian, User; "
            "print(School.objects.count(), ClassGroup.objects.count(), Student.objects.count(), "
            "Guardian.objects.count(), User.objects.count())",
        ).stdout.split()
    return {
        "engine": engine,
        "migrate": migrate_seconds,
        "seed": seed_seconds,
        "inner": float(inner.group(1)) if inner else float("nan"),
        "built": "{} schools, {} classes, {} students, {} guardians, {} users".format(*counts),
        "phases": phases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--engines", default="postgres,sqlite")
    args = parser.parse_args()
    print_header(f"seed_demo --scale {args.scale} on a fresh database (target < {TARGET_SECONDS:.0f} s)")
    print(f"{'engine':10} {'migrate s':>10} {'seed_demo s':>12} {'(in-command s)':>15}  verdict  built")
    for engine in args.engines.split(","):
        row = seed_once(engine, args.scale)
        verdict = "met" if row["seed"] < TARGET_SECONDS else "MISSED"
        print(
            f"{row['engine']:10} {row['migrate']:10.1f} {row['seed']:12.1f} {row['inner']:15.1f}  {verdict:7}  "
            f"{row['built']}"
        )
        for phase, seconds in row["phases"]:
            print(f"{'':10} {'':10} {seconds:12.1f}  of which {phase}")


if __name__ == "__main__":
    main()
