"""How the product scales with stack size, each figure beside its baseline.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 50 100 200 400]
        [--deploy 1 100 400] [--deploy-rounds 3] [--provider-waits 100] [--rollout-step 2]

Every scenario runs in a fresh child process (so its peak RSS is its own) with its own
kalix-local, through the engine harness (`tests/harness/engine.py`):

- deploy: `up` of N `kalix.Service`s with a `--rollout-step` rollout each, the ratio to
  N = 1 and the control-plane requests it made (kalix-local's record, by method); the
  floor's `up` of the same N (below) against the time the ratio target leaves; and
  the baseline of a provider that waits for Ready inside `create` (on the dynamic
  provider's 4 worker threads), for N = `--provider-waits`.
- phases: preview (empty state), up, no-op up, refresh and destroy of N services
  (rollout 0.05 s), beside the same phases of the harness's toy resource (a do-nothing
  stack of the same shape) and of the floor: the toy with its registration Outputs
  untracked as the kalix resources untrack theirs, so the SDK's end-of-program loop
  (quadratic in tracked Outputs) costs both alike. The floor is the harness's own cost;
  the product's share is the difference; its growth exponent from the smallest to the
  largest size is log(t_large / t_small) / log(N_large / N_small) (1.0 is linear).
- the no-op `up`'s control-plane requests (from kalix-local's record) and the program
  process's CPU per resource beyond the floor's; peak RSS of the program process (the
  harness runs the program in-process: every stack carries that alike) against the
  toy's, and of the provider process.

Bounded: every child has a timeout; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common
from _common import header, load

CHILD_TIMEOUT = 900
HERE = Path(__file__).resolve().parent


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def _exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    (n1, t1), (n2, t2) = small, large
    if t1 <= 0 or t2 <= 0:
        return math.nan
    return math.log(t2 / t1) / math.log(n2 / n1)


# -- child side -------------------------------------------------------------------------


def _services_program(count: int, wait: bool) -> Any:
    import pulumi

    import pulumi_kalix as kalix

    def program() -> None:
        made = [
            kalix.Service(f"svc-{i:03d}", image="registry.example/b:1", min_instances=1, wait=wait)
            for i in range(count)
        ]
        pulumi.export("count", len(made))

    return program


def _toy_program(count: int, untracked: bool = False) -> Any:
    """The toy stack; `untracked`: with the same tracking discipline as the kalix
    resources (their registration Outputs untracked, :func:`untrack_registration_outputs`),
    so the SDK's end-of-program loop costs both alike: the floor the product is measured
    against."""
    import pulumi

    from pulumi_kalix._program import untrack_registration_outputs
    from tests.harness.toy_provider import Item

    def program() -> None:
        made = [Item(f"item-{i:03d}", value=i) for i in range(count)]
        if untracked:
            for item in made:
                untrack_registration_outputs(item)
        pulumi.export("count", len(made))

    return program


def _requests(record: Path | None, since: int) -> int:
    from tests.contract.validator import read_records

    return 0 if record is None else sum(1 for _ in read_records(record, since))


def _requests_by_method(record: Path | None) -> dict[str, int]:
    """Control-plane requests in kalix-local's record: "GET", "POST", ..., "watch"."""
    from tests.contract.validator import read_records

    counts: dict[str, int] = {}
    for _, r in read_records(record) if record is not None else ():
        key = "watch" if r.get("watch") else str(r.get("method"))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _count_outputs() -> list[int]:
    """Count every `pulumi.Output` made from now on (both of the SDK's constructors)."""
    from pulumi import Output

    made = [0]
    init, from_data = Output.__init__, Output._from_data.__func__  # type: ignore[attr-defined]

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        made[0] += 1
        init(self, *args, **kwargs)

    def counting_from_data(cls: Any, data: Any) -> Any:
        made[0] += 1
        return from_data(cls, data)

    Output.__init__ = counting_init  # type: ignore[method-assign]
    Output._from_data = classmethod(counting_from_data)  # type: ignore[assignment,method-assign]
    return made


def child(kind: str, count: int, rollout_step: float) -> dict[str, Any]:
    """Run one scenario; return its figures."""
    from tests.harness import Engine
    from tests.harness.provider import ProviderProcess
    from tests.lifecycle.conftest import make_engine
    from tests.support.local_server import KalixLocalServer

    out: dict[str, Any] = {"kind": kind, "count": count, "provider_rss_kib": 0}
    close = ProviderProcess.close

    def close_noting_peak(self: ProviderProcess) -> None:
        # The provider's peak RSS (VmHWM), read before the harness stops it.
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            peak = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmHWM"))
            out["provider_rss_kib"] = max(out["provider_rss_kib"], peak)
        except (OSError, StopIteration, ValueError):
            pass
        close(self)

    ProviderProcess.close = close_noting_peak  # type: ignore[method-assign]

    made = _count_outputs()

    def phase(label: str, run: Any) -> None:
        cpu, started, outputs = time.process_time(), time.perf_counter(), made[0]
        run()
        out[label] = time.perf_counter() - started
        out[f"{label}_cpu"] = time.process_time() - cpu
        out[f"{label}_outputs"] = made[0] - outputs

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if kind in ("toy", "floor", "floor-up"):
            env = {"TOY_ITEMS_FILE": f"{tmp}/items.json", "TOY_CALL_LOG": os.devnull}
            os.environ.update(env)
            engine = Engine(
                Path(tmp) / "state.json",
                program_dir=_common.REPO,
                provider_env={**env, "PYTHONPATH": str(_common.REPO)},
            )
            program = _toy_program(count, untracked=kind != "toy")
            phases = (
                ("preview", lambda: engine.preview(program)),
                ("up", lambda: engine.up(program)),
                ("noop", lambda: engine.up(program)),
                ("refresh", engine.refresh),
                ("destroy", engine.destroy),
            )
            for label, run in phases[1:2] if kind == "floor-up" else phases:
                phase(label, run)
        else:
            with KalixLocalServer(
                rollout_step_seconds=rollout_step, record=True, check_contract=False
            ) as server:
                extra: dict[str, str] = {}
                waits = kind == "provider-waits"
                if waits:
                    # The provider process imports the waiting provider from here.
                    import _provider_waits

                    import pulumi_kalix.provider.service as service_provider

                    service_provider.ServiceProvider = _provider_waits.WaitingServiceProvider  # type: ignore[misc]
                    extra = {"PYTHONPATH": f"{_common.REPO}{os.pathsep}{HERE}"}
                engine = make_engine(server, Path(tmp) / "state.json")
                engine.provider_env.update(extra)
                program = _services_program(count, wait=not waits)
                if kind in ("deploy", "provider-waits"):
                    phase("up", lambda: engine.up(program))
                    out["up_requests"] = _requests_by_method(server.record_path)
                else:
                    phase("preview", lambda: engine.preview(program))
                    phase("up", lambda: engine.up(program))
                    since = server.contract_offset()
                    phase("noop", lambda: engine.up(program))
                    out["noop_requests"] = _requests(server.record_path, since)
                    phase("refresh", engine.refresh)
                    phase("destroy", engine.destroy)
    out["rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


# -- parent side ------------------------------------------------------------------------

PHASES = ("preview", "up", "noop", "refresh", "destroy")


def _phases(sizes: list[int]) -> None:
    print(
        "\nPhases (rollout 0.05 s), wall: kalix stack / toy stack (a do-nothing dynamic"
        "\n  resource of the same shape) / floor (the toy with its registration Outputs"
        "\n  untracked, as the kalix resources do: the engine stand-in, the SDK and a"
        "\n  do-nothing provider) / kalix - floor (the product)"
    )
    rows: dict[int, dict[str, dict[str, Any]]] = {}
    for n in sizes:
        rows[n] = {k: run_child(k, n, 0.05) for k in ("phases", "toy", "floor")}
        kx, toy, floor = rows[n]["phases"], rows[n]["toy"], rows[n]["floor"]
        cells = "  ".join(
            f"{p} {kx[p]:.2f}/{toy[p]:.2f}/{floor[p]:.2f}/{kx[p] - floor[p]:+.2f}" for p in PHASES
        )
        print(f"  N={n:<4} {cells} s", flush=True)
    for n in sizes:
        kx, toy, floor = rows[n]["phases"], rows[n]["toy"], rows[n]["floor"]
        cpu = (kx["noop_cpu"] - floor["noop_cpu"]) / n * 1000
        print(
            f"  N={n:<4} no-op up: {kx['noop_requests']} control-plane requests; program "
            f"CPU {kx['noop_cpu']:.2f} s vs floor {floor['noop_cpu']:.2f} s (toy "
            f"{toy['noop_cpu']:.2f} s) = {cpu:.1f} ms per resource beyond the floor "
            "(target <= 5 ms)"
        )
    for n in sizes:
        kx, toy = rows[n]["phases"], rows[n]["toy"]
        print(
            f"  N={n:<4} Outputs per resource: preview {kx['preview_outputs'] / n:.1f}, "
            f"no-op up {kx['noop_outputs'] / n:.1f} (toy {toy['preview_outputs'] / n:.1f} / "
            f"{toy['noop_outputs'] / n:.1f}; before the shared derivations 89 in a no-op up)"
        )
    small, large = min(rows), max(rows)
    if small != large:
        print(f"  growth exponent, N={small} -> N={large} (target <= 1.1 for preview/no-op):")
        for p in PHASES:
            share = [(n, rows[n]["phases"][p] - rows[n]["floor"][p]) for n in (small, large)]
            cpu = [
                (n, rows[n]["phases"][f"{p}_cpu"] - rows[n]["floor"][f"{p}_cpu"])
                for n in (small, large)
            ]
            whole = [(n, rows[n]["phases"][p]) for n in (small, large)]
            floor = [(n, rows[n]["floor"][p]) for n in (small, large)]
            print(
                f"    {p:<8} product wall {_exponent(*share):.2f}  product CPU "
                f"{_exponent(*cpu):.2f}  whole kalix stack {_exponent(*whole):.2f}  floor "
                f"{_exponent(*floor):.2f}"
            )
    for n in sizes:
        kx, toy, floor = rows[n]["phases"], rows[n]["toy"], rows[n]["floor"]
        print(
            f"  N={n:<4} peak RSS: program {_mib(kx['rss_kib'])} vs toy {_mib(toy['rss_kib'])} "
            f"({kx['rss_kib'] / toy['rss_kib']:.2f}x; target <= 1.2x at 200), floor "
            f"{_mib(floor['rss_kib'])}; provider {_mib(kx['provider_rss_kib'])} vs toy "
            f"{_mib(toy['provider_rss_kib'])}"
        )


def run_child(kind: str, count: int, rollout_step: float) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, str(count), str(rollout_step)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} {count} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return dict(json.loads(lines[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200, 400])
    parser.add_argument("--deploy", type=int, nargs="*", default=[1, 100, 400])
    parser.add_argument("--deploy-rounds", type=int, default=3)
    parser.add_argument("--provider-waits", type=int, default=100, help="0: skip")
    parser.add_argument("--rollout-step", type=float, default=2.0)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "STEP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, count, step = args.child
        print(json.dumps(child(kind, int(count), float(step))), flush=True)
        return 0
    header("bench_scale: stack size against the harness's own cost", [sys.executable, *sys.argv])

    if args.deploy:
        print(
            f"Deploy: up of N services, rollout {args.rollout_step:g} s each (medians of "
            f"{args.deploy_rounds} rounds, the sizes taking turns)"
        )
        samples: dict[int, list[float]] = {n: [] for n in args.deploy}
        sent_by: dict[int, dict[str, int]] = {}
        for _ in range(args.deploy_rounds):
            for n in args.deploy:
                run = run_child("deploy", n, args.rollout_step)
                samples[n].append(run["up"])
                sent_by[n] = run.get("up_requests", {})
        walls = {n: statistics.median(samples[n]) for n in args.deploy}
        for n in args.deploy:
            ratio = f"{walls[n] / walls[min(walls)]:.2f}x N={min(walls)}"
            target = {100: " (target <= 1.3x)", 400: " (target <= 1.5x)"}.get(n, "")
            sent = ", ".join(f"{k} {v}" for k, v in sorted(sent_by[n].items()))
            spread = "/".join(f"{t:.2f}" for t in samples[n])
            print(
                f"  N={n:<4} up {walls[n]:6.2f} s ({spread})   {ratio}{target}; requests: {sent}",
                flush=True,
            )
        # The same `up`s of the floor (the toy, untracked, nothing to roll out): what the
        # harness, the SDK and a do-nothing provider take for the registrations alone,
        # against the time a ratio target leaves beyond one service's `up`.
        floors = {n: run_child("floor-up", n, 0.0)["up"] for n in args.deploy}
        one = min(walls)
        for n in sorted(floors):
            if n == one:
                continue
            budget = {100: 1.3, 400: 1.5}.get(n)
            left = f"; the target leaves {walls[one] * (budget - 1):.2f} s" if budget else ""
            print(
                f"  N={n:<4} floor up {floors[n]:.2f} s (N={one}: {floors[one]:.2f} s): "
                f"{floors[n] - floors[one]:+.2f} s for the registrations alone{left}",
                flush=True,
            )
        if args.provider_waits:
            n = args.provider_waits
            waited = run_child("provider-waits", n, args.rollout_step)["up"]
            print(
                f"  N={n:<4} provider waits in create (baseline) {waited:6.2f} s   "
                f"{waited / walls[min(walls)]:.2f}x N={min(walls)}",
                flush=True,
            )

    if args.sizes:
        _phases(args.sizes)
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
