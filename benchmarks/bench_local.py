"""kalix-local and the sync client: start-up, get/list/create throughput and latency,
and how long after a service becomes Ready a `wait_for` caller learns of it (watch vs
polling).

    .venv/bin/python benchmarks/bench_local.py [--services 1000] [--gets 1000] ...

Prints figures; asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import _common
import httpx
from _common import header, latency_summary, load, ms, percentile

from pulumi_kalix.api import KalixService
from pulumi_kalix.client import NO_RETRIES, ControlPlane
from tests.support.local_server import KalixLocalServer
from tests.support.objects import service as service_body

IMAGE = "registry.example/bench:1"
#: Every bounded wait in this script gives up after this long.
WAIT_LIMIT_SECONDS = 60.0


def new_service(name: str) -> KalixService:
    return KalixService.model_validate(service_body(name, IMAGE, min_instances=1))


def is_ready(obj: KalixService | None) -> bool:
    return obj is not None and obj.status is not None and obj.status.summary == "Ready"


def rate_and_latency(label: str, count: int, op: Callable[[int], object]) -> list[float]:
    """Run `op(i)` `count` times back to back; print requests/s and p50/p99."""
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        op(i)
        samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    print(f"  {label:<30} {count / total:8.1f} req/s   {latency_summary(samples)}", flush=True)
    return samples


class _WatchFails(httpx.HTTPTransport):
    """A transport on which every watch request fails to connect: the client's
    `wait_for` then falls back to polling (its real fallback path)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("watch") == "true":
            raise httpx.ConnectError("watch disabled by the benchmark", request=request)
        return super().handle_request(request)


@dataclass
class Trial:
    created_at: float = 0.0  # create() returned
    ready_seen: float = 0.0  # start of the reference poller's first GET showing Ready
    last_not_ready: float = 0.0  # start of its last GET before that (not Ready yet)
    waiter_returned: float = 0.0  # wait_for() returned
    errors: list[str] = field(default_factory=list)


def _reference_poller(
    server: KalixLocalServer, name: str, trial: Trial, stop: threading.Event, interval: float
) -> None:
    """The reference for "became Ready on the server": a GET every `interval` seconds
    on its own connection. Ready happened between the start of the last GET that did
    not show it and the start of the first that did."""
    with ControlPlane(
        server.url, server.access_token(), server.project_id(), retry=NO_RETRIES
    ) as api:
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while not stop.is_set() and time.monotonic() < deadline:
            t0 = time.perf_counter()
            obj = api.services.get_or_none(name)
            if is_ready(obj):
                trial.ready_seen = t0
                return
            trial.last_not_ready = t0
            time.sleep(interval)


def ready_trial(
    server: KalixLocalServer,
    name: str,
    mode: str,
    poll_interval: float,
    ref_interval: float,
    rng: random.Random,
) -> Trial:
    trial = Trial()
    transport = _WatchFails() if mode == "poll" else None
    waiter_client = ControlPlane(
        server.url,
        server.access_token(),
        server.project_id(),
        transport=transport,
        retry=NO_RETRIES,
    )
    stop = threading.Event()
    started = threading.Event()

    def waiter() -> None:
        started.set()
        try:
            waiter_client.services.wait_for(
                name, is_ready, timeout=WAIT_LIMIT_SECONDS, poll_interval=poll_interval
            )
            trial.waiter_returned = time.perf_counter()
        except Exception as exc:  # reported, not raised: a benchmark prints
            trial.errors.append(f"{type(exc).__name__}: {exc}")

    poller = threading.Thread(
        target=_reference_poller, args=(server, name, trial, stop, ref_interval), daemon=True
    )
    waiting = threading.Thread(target=waiter, daemon=True)
    with ControlPlane(server.url, server.access_token(), server.project_id()) as api:
        poller.start()
        if mode == "poll":
            # Start polling before the service exists and create it at a random phase of
            # the poll cycle, so the delay samples the whole interval (a fixed phase would
            # give the same delay every time).
            waiting.start()
            started.wait(5)
            time.sleep(rng.uniform(0, poll_interval))
            api.services.create(new_service(name))
            trial.created_at = time.perf_counter()
        else:
            # As the program does: create, then wait (from the created resourceVersion).
            api.services.create(new_service(name))
            trial.created_at = time.perf_counter()
            waiting.start()
        waiting.join(WAIT_LIMIT_SECONDS + 5)
        if trial.errors:
            stop.set()
        poller.join(WAIT_LIMIT_SECONDS)  # it stops at its first Ready (bounded)
    waiter_client.close()
    return trial


def bench_ready(
    server: KalixLocalServer, trials: int, poll_intervals: list[float], ref_interval: float
) -> None:
    rng = random.Random(7)
    modes = [("watch", 1.0)] + [("poll", p) for p in poll_intervals]
    print()
    print("Ready -> wait_for returns (delay = wait_for return - Ready on the server)")
    print(
        "  method: per trial a fresh min_instances=1 service. Reference for the Ready moment:\n"
        f"  a separate thread GETs the service every {ref_interval * 1000:g} ms on its own "
        "connection; Ready\n"
        "  happened between the start of its last GET showing not-Ready and the start of the\n"
        "  first showing Ready: the midpoint is used, +/- half that bracket ('ref +/-').\n"
        "  The caller runs services.wait_for() on another connection: 'watch' = the real\n"
        "  client, created then awaited (watch stream from the created resourceVersion);\n"
        "  'poll' = the same client on a transport where every watch request fails, so it\n"
        "  takes its polling fallback (GET every poll_interval); the service is created at\n"
        "  a random phase of the poll cycle. 'create->Ready' = Ready minus create() return."
    )
    for mode, interval in modes:
        delays: list[float] = []
        brackets: list[float] = []
        rollout: list[float] = []
        errors: list[str] = []
        for i in range(trials):
            name = f"ready-{mode}-{int(interval * 1000)}-{i}"
            trial = ready_trial(server, name, mode, interval, ref_interval, rng)
            if trial.errors or not trial.ready_seen or not trial.waiter_returned:
                errors.extend(trial.errors or ["no Ready seen within the limit"])
                continue
            low = trial.last_not_ready or trial.created_at
            ready_at = (low + trial.ready_seen) / 2
            delays.append(trial.waiter_returned - ready_at)
            brackets.append((trial.ready_seen - low) / 2)
            rollout.append(ready_at - trial.created_at)
        label = "watch stream" if mode == "watch" else f"polling every {interval:g} s"
        if not delays:
            print(f"  {label:<22} no samples; errors: {errors[:3]}")
            continue
        print(
            f"  {label:<22} delay mean={ms(sum(delays) / len(delays))} "
            f"p50={ms(percentile(delays, 50))} "
            f"p90={ms(percentile(delays, 90))} min={ms(min(delays))} max={ms(max(delays))} "
            f"(n={len(delays)}; ref +/- {ms(percentile(brackets, 50))}; "
            f"create->Ready {ms(percentile(rollout, 50))})"
            + (f"; {len(errors)} failed: {errors[0]}" if errors else ""),
            flush=True,
        )


def wait_all_ready(api: ControlPlane, count: int) -> float:
    """Seconds until `count` services are Ready (bounded)."""
    started = time.perf_counter()
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if sum(1 for s in api.services.list() if is_ready(s)) >= count:
            break
        time.sleep(0.2)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--services", type=int, default=1000, help="services created (and listed)")
    parser.add_argument("--gets", type=int, default=500, help="GETs of one service")
    parser.add_argument("--lists", type=int, default=30, help="LISTs of every service")
    parser.add_argument("--trials", type=int, default=12, help="Ready-delay trials per method")
    parser.add_argument(
        "--poll-intervals", type=float, nargs="*", default=[0.5, 1.0], help="seconds"
    )
    parser.add_argument("--reference-interval", type=float, default=0.005, help="seconds")
    parser.add_argument("--rollout-step", type=float, default=0.05, help="server rollout step")
    parser.add_argument("--starts", type=int, default=3, help="server restarts timed")
    args = parser.parse_args(argv)
    header("bench_local: kalix-local + sync client", [sys.executable, *sys.argv])

    server = KalixLocalServer(
        rollout_step_seconds=args.rollout_step, dns_resolver="static", record=False
    )
    try:
        server.start()
        print("kalix-local start-up (process start -> /healthz 200, polled every 20 ms)")
        print(f"  fresh data dir                 {ms(server.startup_seconds)}")
        restarts: list[float] = []
        for _ in range(max(0, args.starts)):
            server.restart()
            restarts.append(server.startup_seconds)
        if restarts:
            print(f"  restart (existing data)        {latency_summary(restarts)}")

        print()
        print(
            f"Sync client, one connection, sequential requests (rollout step "
            f"{args.rollout_step:g} s; background rollouts run during create)"
        )
        with ControlPlane(server.url, server.access_token(), server.project_id()) as api:
            rate_and_latency(
                f"create ({args.services})",
                args.services,
                lambda i: api.services.create(new_service(f"svc-{i:05d}")),
            )
            settle = wait_all_ready(api, args.services)
            print(f"  (all {args.services} Ready {settle:.2f} s after the last create)")
            listed = api.services.list()
            ready = sum(1 for s in listed if is_ready(s))
            print(f"  list returns {len(listed)} services ({ready} Ready)")
            rate_and_latency(
                "get (one service)", args.gets, lambda i: api.services.get("svc-00000")
            )
            rate_and_latency(
                f"list ({len(listed)} services)", args.lists, lambda i: api.services.list()
            )
            # Where a list's time goes: the server (raw HTTP, body read, no models) and
            # the client (JSON decode + pydantic validation of every item, no HTTP).
            with server.client() as raw:
                path = server.api_path("kalixservices")
                rate_and_latency(
                    "  list: raw HTTP only", args.lists, lambda i: raw.get(path).content
                )
                body = raw.get(path).content
            rate_and_latency(
                "  list: client decode+models",
                args.lists,
                lambda i: [KalixService.model_validate(x) for x in json.loads(body)["items"]],
            )
            rate_and_latency(
                "get_or_none (404)", min(args.gets, 200), lambda i: api.services.get_or_none("nope")
            )

        bench_ready(server, args.trials, list(args.poll_intervals), args.reference_interval)
    finally:
        server.close()
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    assert _common.REPO  # imported for its sys.path side effect
    sys.exit(main())
