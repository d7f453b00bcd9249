"""A whole stack through the engine harness: services, generated hostnames and routes.

    .venv/bin/python benchmarks/bench_stack.py [--services 100] [--hostnames 50] [--routes 50]

Prints the wall time of preview (empty state), up, no-op up, refresh and destroy with
a fast simulated rollout (0.05 s). Route i is on hostname i and sends two path prefixes
to services 2i and 2i+1 (modulo the number of services). Asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _common
import pulumi
from _common import header, latency_summary, load

import pulumi_kalix as kalix
from pulumi_kalix.client import ControlPlane
from tests.harness import Engine, Step
from tests.lifecycle.conftest import make_engine
from tests.support.local_server import KalixLocalServer

IMAGE = "registry.example/bench:1"


def stack_program(services: int, hostnames: int, routes: int) -> Callable[[], None]:
    def program() -> None:
        svcs = [
            kalix.Service(f"svc-{i:03d}", image=IMAGE, min_instances=1) for i in range(services)
        ]
        hosts = [kalix.Hostname(f"host-{i:03d}") for i in range(hostnames)]
        statuses = []
        for i in range(routes):
            a, b = svcs[(2 * i) % services], svcs[(2 * i + 1) % services]
            route = kalix.Route(
                f"route-{i:03d}",
                hostname=hosts[i % hostnames].hostname,
                paths={f"/svc{2 * i}": a.name, f"/svc{2 * i + 1}": b.name},
            )
            statuses.append(route.status)
        pulumi.export("route_statuses", pulumi.Output.all(*statuses).apply(_count))
        pulumi.export(
            "service_statuses", pulumi.Output.all(*[s.status for s in svcs]).apply(_count)
        )

    return program


def _count(values: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[str(v)] = counts.get(str(v), 0) + 1
    return counts


def op_counts(steps: list[Step]) -> str:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.op] = counts.get(step.op, 0) + 1
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))


def live_counts(server: KalixLocalServer) -> str:
    with ControlPlane(server.url, server.access_token(), server.project_id()) as api:
        return (
            f"{len(api.services.list())} services, {len(api.hostnames.list())} hostnames, "
            f"{len(api.routes.list())} routes"
        )


def phase(
    label: str, run: Callable[[], list[Step]], engine: Engine, walls: dict[str, float]
) -> None:
    started = time.perf_counter()
    steps = run()
    walls[label] = time.perf_counter() - started
    print(f"  {label:<22} {walls[label]:8.2f} s   ({op_counts(steps)})", flush=True)
    provider = engine.last_provider
    if provider is not None:
        for method, samples in sorted(provider.timings.items()):
            if method != "Configure" and samples:
                print(f"      {method:<8} {latency_summary(samples)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--hostnames", type=int, default=50)
    parser.add_argument("--routes", type=int, default=50)
    parser.add_argument("--rollout-step", type=float, default=0.05, help="server rollout step (s)")
    args = parser.parse_args(argv)
    if args.services < 1 or (args.routes and args.hostnames < 1):
        parser.error("routes need at least one service and one hostname")
    header("bench_stack: preview/up/no-op up/refresh/destroy", [sys.executable, *sys.argv])
    program = stack_program(args.services, args.hostnames, args.routes)
    print(
        f"stack: {args.services} services, {args.hostnames} generated hostnames, "
        f"{args.routes} routes (2 paths each); rollout step {args.rollout_step:g} s"
    )
    print("per-RPC provider latency (engine side) printed under each phase\n")

    walls: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp,
        KalixLocalServer(
            rollout_step_seconds=args.rollout_step, dns_resolver="static", record=False
        ) as server,
    ):
        engine = make_engine(server, Path(tmp) / "state.json")
        phase("preview (empty state)", lambda: engine.preview(program), engine, walls)
        phase("up", lambda: engine.up(program), engine, walls)
        print(f"      outputs: {engine.stack_outputs}")
        print(f"      kalix-local: {live_counts(server)}")
        phase("no-op up", lambda: engine.up(program), engine, walls)
        phase("refresh", engine.refresh, engine, walls)
        phase("destroy", engine.destroy, engine, walls)
        print(f"      kalix-local after destroy: {live_counts(server)}")

    print("\nsummary: " + ", ".join(f"{k} {v:.2f} s" for k, v in walls.items()))
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    assert _common.REPO  # imported for its sys.path side effect
    sys.exit(main())
