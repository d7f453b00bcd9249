"""Fault soak: whole-stack `up`s and `destroy`s under injected faults and a restart.

    .venv/bin/python benchmarks/bench_faults.py [--rounds 3] [--services 50]
        [--hostnames 25] [--routes 25] [--rate 0.2] [--restart-after 0.3] [--down 5]

Each round runs a fault-free `up` + `destroy` of the stack (the baseline, in the same
run), then the same under faults: on the control plane a `--rate` share of requests
fail, by method, with a different fault each (GET: HTTP 500, POST: the request applied
and its answer lost, PUT: 503 with Retry-After, DELETE: the connection dropped before
the request is read); on the federation plane the first CreateHostname answers are lost
and ListHostnames is unavailable a few times; and the server is stopped once, when
`--restart-after` of the services exist, and started again `--down` seconds later
(faults are in-memory: after the restart the run is fault-free). A failed `up` is run
again (at most twice) and counted.

Printed per round and in total: failed ups, orphans (live objects no state entry
holds), duplicates (more live objects of a kind than the program declares), what is
left after destroy, and the time overhead against the baseline. Asserts nothing about
timing; the loop is bounded by --rounds and the engine's own timeouts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _common
from _common import header, load
from bench_stack import stack_program

from pulumi_kalix.claims import HOSTNAME_LEDGER
from tests.harness import Engine, EngineError
from tests.lifecycle.conftest import make_engine
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

#: method -> the fault a share of its requests meets
MIXED_FAULTS: dict[str, dict[str, Any]] = {
    "GET": {"mode": "status", "status": 500},
    "POST": {"mode": "drop-after"},
    "PUT": {"mode": "status", "status": 503, "retryAfter": 1},
    "DELETE": {"mode": "drop"},
}
#: federation method -> (mode, count)
GRPC_FAULTS = {"CreateHostname": ("lost-answer", 3), "ListHostnames": ("unavailable", 3)}
UP_ATTEMPTS = 3


def inject(server: KalixLocalServer, rate: float) -> None:
    for method, fault in MIXED_FAULTS.items():
        rule = {**fault, "methods": [method], "rate": rate, "count": 10_000}
        server.admin("POST", "/faults", rule)
    for grpc_method, (mode, count) in GRPC_FAULTS.items():
        server.admin(
            "POST", "/federation/faults", {"method": grpc_method, "mode": mode, "count": count}
        )


def live(server: KalixLocalServer) -> dict[str, set[str]]:
    with control_plane(server) as api:
        return {
            "service": {s.metadata.name for s in api.services.list()},
            "route": {r.metadata.name for r in api.routes.list()},
            "secret": {
                s.metadata.name for s in api.secrets.list() if s.metadata.name != HOSTNAME_LEDGER
            },
            "hostname": {h.name for h in api.hostnames.list()},
        }


def in_state(engine: Engine) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {k: set() for k in ("service", "route", "secret", "hostname")}
    for urn, entry in engine.load().items():
        kind = urn.rsplit("::", 2)[-2].rsplit(":", 1)[-1].lower()
        if kind in held:
            outs = entry.get("outputs") or {}
            held[kind].add(str(outs.get("hostname") if kind == "hostname" else outs.get("name")))
    return held


def up_until_done(engine: Engine, program: Any) -> int:
    """Run `up` until it succeeds (at most UP_ATTEMPTS); the number of failed ups."""
    failed = 0
    for _ in range(UP_ATTEMPTS):
        try:
            engine.up(program)
            return failed
        except EngineError as exc:
            failed += 1
            print(f"      up failed: {str(exc).splitlines()[0][:200]}", flush=True)
    return failed


def one_round(args: argparse.Namespace, n: int, tmp: Path, totals: dict[str, float]) -> None:
    program = stack_program(args.services, args.hostnames, args.routes)
    declared = {"service": args.services, "route": args.routes, "hostname": args.hostnames}
    with KalixLocalServer(
        rollout_step_seconds=args.rollout_step, dns_resolver="static", record=False
    ) as server:
        base = make_engine(server, tmp / f"base-{n}.json")
        started = time.perf_counter()
        base.up(program)
        base_up = time.perf_counter() - started
        started = time.perf_counter()
        base.destroy()
        base_destroy = time.perf_counter() - started

        engine = make_engine(server, tmp / f"faulted-{n}.json")
        inject(server, args.rate)
        restart: dict[str, Any] = {}

        def restart_midway() -> None:
            # Once that share of the services exists: the `up` is under way, faults met.
            wanted = max(1, int(args.services * args.restart_after))
            deadline = time.monotonic() + 300
            with control_plane(server) as api:
                while len(api.services.list()) < wanted and time.monotonic() < deadline:
                    time.sleep(0.2)
            rules = server.admin("GET", "/faults")["faults"]
            restart["injected"] = sum(int(r["injected"]) for r in rules)
            restart["thread"] = server.restart_later(args.down)

        timer = threading.Thread(target=restart_midway, daemon=True)
        timer.start()
        started = time.perf_counter()
        failed = up_until_done(engine, program)
        faulted_up = time.perf_counter() - started
        timer.join()
        if "thread" in restart:
            restart["thread"].join()
        now, held = live(server), in_state(engine)
        orphans = sum(len(now[k] - held[k]) for k in now)
        duplicates = sum(max(0, len(now[k]) - count) for k, count in declared.items())
        started = time.perf_counter()
        try:
            engine.destroy()
            destroy_failed = 0
        except EngineError as exc:
            destroy_failed = 1
            print(f"      destroy failed: {str(exc).splitlines()[0][:200]}; destroying again")
            engine.destroy()
        faulted_destroy = time.perf_counter() - started
        left = sum(len(v) for v in live(server).values())
    print(
        f"  round {n}: up {base_up:.2f} s -> {faulted_up:.2f} s ({faulted_up / base_up:.2f}x), "
        f"destroy {base_destroy:.2f} s -> {faulted_destroy:.2f} s; failed ups {failed}, "
        f"failed destroys {destroy_failed}, orphans {orphans}, duplicates {duplicates}, "
        f"left after destroy {left}; HTTP faults injected before the restart "
        f"{restart.get('injected', 0)}",
        flush=True,
    )
    for key, value in (
        ("base_up", base_up),
        ("faulted_up", faulted_up),
        ("failed", failed),
        ("orphans", orphans),
        ("duplicates", duplicates),
        ("left", left),
    ):
        totals[key] = totals.get(key, 0) + value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--hostnames", type=int, default=25)
    parser.add_argument("--routes", type=int, default=25)
    parser.add_argument("--rate", type=float, default=0.2, help="share of requests faulted")
    parser.add_argument(
        "--restart-after", type=float, default=0.3, help="share of services created first"
    )
    parser.add_argument("--down", type=float, default=5.0, help="seconds the server is down")
    parser.add_argument("--rollout-step", type=float, default=0.05, help="server rollout step (s)")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be 1..20")
    header("bench_faults: a stack under mixed faults and one restart", [sys.executable, *sys.argv])
    resources = args.services + args.hostnames + args.routes
    http = ", ".join(f"{m} {f['mode']}" for m, f in MIXED_FAULTS.items())
    grpc = ", ".join(f"{m} {mode} x{c}" for m, (mode, c) in GRPC_FAULTS.items())
    print(
        f"stack: {resources} resources ({args.services} services, {args.hostnames} generated "
        f"hostnames, {args.routes} routes); faults: {args.rate:.0%} of control-plane requests "
        f"({http}), federation {grpc}, one restart "
        f"({args.down:g} s down) once {args.restart_after:.0%} of the services exist\n"
    )
    totals: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        for n in range(1, args.rounds + 1):
            one_round(args, n, Path(tmp), totals)
    overhead = totals["faulted_up"] / totals["base_up"]
    print(
        f"\nsummary over {args.rounds} rounds: failed ups {totals['failed']:.0f} "
        f"(each run again), orphans {totals['orphans']:.0f}, duplicates "
        f"{totals['duplicates']:.0f}, left after destroy {totals['left']:.0f}; up time "
        f"{overhead:.2f}x the fault-free baseline (target: 0 orphans, 0 duplicates, 0 left)"
    )
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    assert _common.REPO  # imported for its sys.path side effect
    sys.exit(main())
