"""Shared bits of the benchmark scripts: the repo root on sys.path, statistics, output.

Each script does ``import _common`` first (the script's own directory is sys.path[0]),
which puts the repo root on sys.path so ``tests.support`` / ``tests.harness`` import.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sample."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def latency_summary(samples: Sequence[float]) -> str:
    """`n=.. p50=.. p99=.. max=..` in milliseconds."""
    return (
        f"n={len(samples)} p50={ms(percentile(samples, 50))} "
        f"p99={ms(percentile(samples, 99))} max={ms(max(samples))}"
    )


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def header(title: str, argv: Sequence[str]) -> None:
    print(f"# {title}")
    print(f"# machine: {machine()}")
    print(f"# command: {' '.join(argv)}")
    print(f"# load average at start: {load()}")
    print()


def load() -> str:
    """1/5/15-minute load averages: other work on the machine skews the figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    """Store the wall time of the block under `label` and print it."""
    start = time.perf_counter()
    try:
        yield
    finally:
        results[label] = time.perf_counter() - start
        print(f"  {label:<34} {results[label]:8.2f} s", flush=True)
