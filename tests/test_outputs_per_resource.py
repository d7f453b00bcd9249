"""Fewer `Output`s per resource: `derived_outputs` keeps `Output.all(...).apply(...)`'s
semantics with one Output per derived attribute, and a Service program creates far fewer
Outputs than it did with the `Output.all`/`apply` chains. Fewer still are *tracked* (the
SDK's end-of-program wait is quadratic in those), and a failed await still fails the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import Output
from pulumi.runtime.settings import SETTINGS

import pulumi_kalix
from pulumi_kalix._program import derived_outputs
from tests.harness.engine import EngineError
from tests.lifecycle.conftest import make_engine
from tests.support.local_server import KalixLocalServer


def _unknown() -> Output[Any]:
    known: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    known.set_result(False)
    value: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    value.set_result(None)
    return Output(set(), value, known)


async def _data(out: Output[Any]) -> tuple[Any, bool, bool]:
    return await out.future(), await out.is_known(), await out.is_secret()


def test_values_secrets_and_plain_sources() -> None:
    ran: list[list[Any]] = []

    async def main() -> None:
        async def run(values: list[Any]) -> dict[str, Any]:
            ran.append(values)
            return {"a": values[0] + 1, "b": values[2]}

        outs = derived_outputs(
            (Output.from_input(1), Output.secret("s"), "plain"),
            run,
            {"a": lambda r: r["a"], "b": lambda r: r["b"]},
        )
        assert await _data(outs["a"]) == (2, True, True)  # a secret source: all secret
        assert await _data(outs["b"]) == ("plain", True, True)

    asyncio.run(main())
    assert ran == [[1, "s", "plain"]]  # run once for every pick


def test_an_unknown_source_skips_run_and_every_pick_is_unknown() -> None:
    ran: list[Any] = []

    async def main() -> None:
        async def run(values: list[Any]) -> int:
            ran.append(values)
            return 1

        outs = derived_outputs((Output.from_input(1), _unknown()), run, {"x": int, "y": int})
        for out in outs.values():
            assert await _data(out) == (None, False, False)

    asyncio.run(main())
    assert ran == []


def test_a_failure_fails_every_pick() -> None:
    async def main() -> None:
        async def run(values: list[Any]) -> int:
            raise RuntimeError("rollout failed")

        outs = derived_outputs((Output.from_input(1),), run, {"x": int, "y": int})
        for out in outs.values():
            with pytest.raises(RuntimeError, match="rollout failed"):
                await out.future()

    asyncio.run(main())


@pytest.fixture
def counted() -> Iterator[list[int]]:
    """How many Outputs are created (both of the SDK's ways of making one)."""
    count = [0]
    init, from_data = Output.__init__, Output._from_data.__func__  # type: ignore[attr-defined]

    def counting_init(self: Output[Any], *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        init(self, *args, **kwargs)

    def counting_from_data(cls: type[Output[Any]], data: Any) -> Output[Any]:
        count[0] += 1
        return from_data(cls, data)  # type: ignore[no-any-return]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Output, "__init__", counting_init)
        mp.setattr(Output, "_from_data", classmethod(counting_from_data))
        yield count


def test_a_service_program_creates_at_most_40_outputs_per_service(
    kalix: KalixLocalServer, tmp_path: Path, counted: list[int]
) -> None:
    engine = make_engine(kalix, tmp_path / "state.json")
    n = 5

    def program() -> None:
        made = [pulumi_kalix.Service(f"svc-{i}", image="registry.example/b:1") for i in range(n)]
        pulumi.export("ready", Output.all(*(s.status for s in made)))

    engine.up(program)
    assert engine.stack_outputs["ready"] == ["Ready"] * n
    # The SDK makes one per registered property, and ~8 for its URN: 40 properties made
    # 55 per service; unset inputs are no longer registered (UnsetInputs). This program
    # made 96 per service with the awaits' and the claim's Output.all/apply chains, 62
    # with the shared derivations.
    assert counted[0] / n <= 40, counted[0] / n


def test_a_service_leaves_one_tracked_output_and_derived_ones_stay_tracked(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    """`SETTINGS.outputs` and `Output._untrack` are the SDK's internals: if an SDK
    upgrade renames them, this fails rather than `up` silently turning quadratic again."""
    engine = make_engine(kalix, tmp_path / "state.json")
    n = 5
    tracked: dict[str, int] = {}

    def program() -> None:
        first = pulumi_kalix.Service("svc-first", image="registry.example/b:1")
        before = len(SETTINGS.outputs)  # the stack identity's, made by the first resource
        made = [pulumi_kalix.Service(f"svc-{i}", image="registry.example/b:1") for i in range(n)]
        tracked["services"] = len(SETTINGS.outputs) - before
        before = len(SETTINGS.outputs)
        derived = [s.image.apply(lambda image: f"{image}!") for s in made]
        tracked["derived"] = len(SETTINGS.outputs) - before
        pulumi.export("derived", Output.all(*derived))
        pulumi.export("first", first.status)

    engine.up(program)
    # One per service: the awaited rollout's (its failure must fail the run). The SDK
    # made ~45 (one per property, its URN and ID, the claim), all resolved by the
    # registration it awaits itself.
    assert tracked["services"] == n, tracked
    assert tracked["derived"] == n, tracked  # a program's own applies: tracked as ever
    assert engine.stack_outputs["derived"] == ["registry.example/b:1!"] * n


def test_a_failed_rollout_fails_the_up_though_the_program_reads_no_output(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    kalix.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*:broken": {"reason": "ImagePullBackOff", "message": "image not found"}}},
    )
    engine = make_engine(kalix, tmp_path / "state.json")

    def program() -> None:
        pulumi_kalix.Service("cart", image="registry.example/cart:broken")

    with pytest.raises(EngineError, match="service 'cart' in project 'default' failed"):
        engine.up(program)


def test_an_unset_input_is_not_a_property_and_reads_as_none_once_registered(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    """A Service's None inputs are left out of its registration (the SDK made a task, four
    futures and a resolver for each); reading one still gives an Output: None once the
    service is registered, unknown in a preview, as the echoed property was."""
    engine = make_engine(kalix, tmp_path / "state.json")
    applied: list[Any] = []
    registered: list[set[str]] = []

    def program() -> None:
        svc = pulumi_kalix.Service("cart", image="registry.example/b:1")
        registered.append({k for k, v in vars(svc).items() if isinstance(v, Output)})
        svc.runtime_mode.apply(applied.append)
        assert svc.runtime_mode is svc.runtime_mode  # one Output, made on first read
        with pytest.raises(AttributeError, match="no attribute 'runtime_modes'"):
            _ = svc.runtime_modes  # type: ignore[attr-defined]
        pulumi.export("image", svc.image)
        pulumi.export("runtime_mode", svc.runtime_mode)

    engine.preview(program)
    assert applied == []  # unknown in a preview: no apply ran
    engine.up(program)
    assert applied == [None]
    assert engine.stack_outputs["image"] == "registry.example/b:1"
    assert engine.stack_outputs.get("runtime_mode") is None
    assert "runtime_mode" not in registered[0] and "env" not in registered[0]
    assert {"image", "name", "project", "status", "ready_instances"} <= registered[0]
    # The state holds what it held before: None inputs were never sent.
    entry = next(e for u, e in engine.load().items() if u.endswith("::cart"))
    assert "runtime_mode" not in entry["inputs"]
