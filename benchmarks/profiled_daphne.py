"""Daphne under cProfile, for ``exchange_bench.py --profile-workers``: SIGUSR1 starts the profiler, SIGUSR2 stops it
and writes the figures to ``$DAPHNE_PROFILE_OUT``. Takes Daphne's own arguments."""

from __future__ import annotations

import cProfile
import os
import signal
import sys

from daphne.cli import CommandLineInterface

profiler = cProfile.Profile()


def _start(*_args) -> None:
    profiler.enable()


def _stop(*_args) -> None:
    profiler.disable()
    profiler.dump_stats(os.environ["DAPHNE_PROFILE_OUT"])


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)
sys.argv[0] = "daphne"
CommandLineInterface.entrypoint()
