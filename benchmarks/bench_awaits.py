"""The program side's awaits: one shared control-plane client vs one client per await.

    .venv/bin/python benchmarks/bench_awaits.py [--services 100] [--rollout-step 0.5]

Runs an `up` of N `kalix.Service`s through the engine harness twice in the same run:
once as the program does it now (the awaits running at once share one AsyncControlPlane,
`pulumi_kalix._program._SharedClients`), once with a client made and closed per await
(what it did before: the baseline). Prints wall time, the clients made, and the TCP
connections kalix-local accepted (from /proc, when readable). Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common
import pulumi
from _common import header, load

import pulumi_kalix as kalix
from pulumi_kalix import _program
from pulumi_kalix.client.session import Session
from tests.lifecycle.conftest import make_engine
from tests.support.local_server import KalixLocalServer

IMAGE = "registry.example/bench:1"


def program(count: int, prefix: str) -> Callable[[], None]:
    def run() -> None:
        for i in range(count):
            kalix.Service(f"{prefix}-{i:03d}", image=IMAGE, min_instances=1)

    return run


class PerAwait:
    """The baseline: a client per await, closed after it (the behaviour before)."""

    def __init__(self) -> None:
        self._clients: dict[int, Any] = {}

    async def acquire(self, settings: Any, project: str) -> Any:
        import asyncio

        session = settings.session()
        client = await asyncio.to_thread(session.async_control_plane, project)
        self._clients[id(asyncio.current_task())] = client
        return client

    async def release(self, settings: Any, project: str) -> None:
        import asyncio

        await self._clients.pop(id(asyncio.current_task())).aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--rollout-step", type=float, default=0.5)
    args = parser.parse_args(argv)
    header("bench_awaits: shared vs per-await program clients", [sys.executable, *sys.argv])

    made: list[str] = []
    real = Session.async_control_plane

    def counting(self: Session, project: str) -> Any:
        made.append(project)
        return real(self, project)

    Session.async_control_plane = counting  # type: ignore[method-assign]
    shared = _program._shared_clients
    results: dict[str, tuple[float, int]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-awaits-") as tmp,
        KalixLocalServer(
            rollout_step_seconds=args.rollout_step, dns_resolver="static", record=False
        ) as server,
    ):
        for label, clients in (("per-await clients (baseline)", PerAwait), ("shared", None)):
            _program._shared_clients = shared if clients is None else clients  # type: ignore[assignment]
            engine = make_engine(server, Path(tmp) / f"{label[:6]}.json")
            made.clear()
            started = time.perf_counter()
            engine.up(program(args.services, label[:6].rstrip(" -")))
            wall = time.perf_counter() - started
            results[label] = (wall, len(made))
            print(
                f"  up, {args.services} services, {label:<30} {wall:7.2f} s, "
                f"{len(made)} clients made"
            )
            engine.destroy()
        _program._shared_clients = shared
    base, now = results["per-await clients (baseline)"], results["shared"]
    print(
        f"\n  shared / baseline wall time: {now[0] / base[0]:.2f}x; clients {now[1]} vs {base[1]}"
    )
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    assert _common.REPO and pulumi  # imported for their side effects
    sys.exit(main())
