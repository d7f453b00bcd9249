"""Deploy N `kalix.Service`s through the engine harness with a 2-second simulated rollout.

    .venv/bin/python benchmarks/bench_deploy.py [--services 100] [--rollout-step 2]

Prints the wall time of `up` for one service (one rollout) and for N services, the
per-operation provider overhead (Check/Create RPC latency seen by the engine harness)
and a no-op second `up`. Asserts nothing about timing.
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


def services_program(count: int, prefix: str) -> Callable[[], None]:
    def program() -> None:
        services = [
            kalix.Service(f"{prefix}-{i:03d}", image=IMAGE, min_instances=1) for i in range(count)
        ]
        statuses = pulumi.Output.all(*[s.status for s in services])
        pulumi.export("ready", statuses.apply(lambda st: sum(1 for x in st if x == "Ready")))

    return program


def op_counts(steps: list[Step]) -> str:
    counts: dict[str, int] = {}
    for step in steps:
        counts[step.op] = counts.get(step.op, 0) + 1
    return ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))


def rpc_table(engine: Engine, methods: tuple[str, ...]) -> None:
    provider = engine.last_provider
    if provider is None:
        print("    (no provider process ran)")
        return
    for method in methods:
        samples = provider.timings.get(method, [])
        if samples:
            print(
                f"    {method:<10} {latency_summary(samples)} sum={sum(samples):.2f} s",
                flush=True,
            )


def run_up(engine: Engine, program: Callable[[], None], label: str) -> float:
    started = time.perf_counter()
    steps = engine.up(program)
    wall = time.perf_counter() - started
    ready = engine.stack_outputs.get("ready")
    ready = int(ready) if isinstance(ready, float) else ready
    print(f"  {label:<34} {wall:8.2f} s   ({op_counts(steps)}; Ready outputs: {ready})")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--rollout-step", type=float, default=2.0, help="server rollout step (s)")
    parser.add_argument("--no-destroy", action="store_true", help="skip the (untimed) clean-up")
    args = parser.parse_args(argv)
    header("bench_deploy: N services through the engine harness", [sys.executable, *sys.argv])

    with (
        tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp,
        KalixLocalServer(
            rollout_step_seconds=args.rollout_step, dns_resolver="static", record=False
        ) as server,
    ):
        print(
            f"kalix-local rollout step {args.rollout_step:g} s: a min_instances=1 service is "
            f"Ready one step after its create"
        )
        one = make_engine(server, Path(tmp) / "one.json")
        many = make_engine(server, Path(tmp) / "many.json")

        print("\nWall time of up (Check + Create per service, then the program awaits Ready)")
        t_one = run_up(one, services_program(1, "solo"), "up, 1 service (one rollout)")
        t_many = run_up(
            many, services_program(args.services, "svc"), f"up, {args.services} services"
        )
        print(
            f"  ratio {args.services} services / 1 service: {t_many / t_one:.2f}x; "
            f"overhead beyond one rollout: {t_many - t_one:.2f} s "
            f"({(t_many - t_one) / max(1, args.services - 1) * 1000:.1f} ms per extra service)"
        )

        print(
            f"\nProvider RPC latency during the {args.services}-service up (engine-side, per RPC)"
        )
        rpc_table(many, ("Configure", "Check", "Create"))

        with ControlPlane(server.url, server.access_token(), server.project_id()) as api:
            live = api.services.list()
        ready = sum(1 for s in live if s.status is not None and s.status.summary == "Ready")
        print(f"  kalix-local afterwards: {len(live)} services, {ready} Ready")

        print("\nNo-op second up (Check + Diff per service, all same)")
        run_up(many, services_program(args.services, "svc"), f"no-op up, {args.services} services")
        rpc_table(many, ("Configure", "Check", "Diff"))

        if not args.no_destroy:
            started = time.perf_counter()
            many.destroy()
            one.destroy()
            print(f"\n(clean-up destroy: {time.perf_counter() - started:.2f} s, not a figure)")

    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    assert _common.REPO  # imported for its sys.path side effect
    sys.exit(main())
