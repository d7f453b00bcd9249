"""The engine harness persists each step through a journal and rewrites the state file once
at the end of a run (tests/harness/engine.py): what a step wrote is there mid-run, and a
run stopped half-way leaves a journal the next load replays."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.harness import Engine, EngineError
from tests.harness.toy_provider import ITEMS_ENV, LOG_ENV, Item

REPO = Path(__file__).resolve().parents[1]
CONFIG = {"toy:apiUrl": "http://127.0.0.1:1", "toy:token": "t0k3n-s3cr3t"}


def _engine(state: Path) -> Engine:
    return Engine(
        state,
        config=CONFIG,
        secret_keys={"toy:token"},
        program_dir=REPO,
        provider_env={
            ITEMS_ENV: str(state.parent / "items.json"),
            LOG_ENV: str(state.parent / "calls.log"),
            "PYTHONPATH": str(REPO),
        },
    )


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv(ITEMS_ENV, str(tmp_path / "items.json"))
    monkeypatch.setenv(LOG_ENV, str(tmp_path / "calls.log"))
    yield _engine(tmp_path / "state.json")


def _names(state: dict[str, Any]) -> set[str]:
    return {u.rsplit("::", 1)[1] for u, e in state.items() if e.get("custom")}


def test_a_step_is_persisted_before_the_run_ends_and_a_stopped_run_is_replayed(
    engine: Engine, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    seen_mid_run: list[set[str]] = []

    def snapshot(_: Any) -> str:
        # Mid-run (a's create is done, b's is not): the files as a process stopped now
        # would leave them.
        seen_mid_run.append(_names(engine.load()))
        for f in (engine.state_path, engine.journal_path):
            if f.exists():
                shutil.copy(f, copy / f.name)
        return "x"

    def program() -> None:
        a = Item("a", value=1)
        Item("b", value=pulumi.Output.secret("hush"), parent_id=a.item_id.apply(snapshot))

    engine.up(program)
    assert seen_mid_run == [{"a"}]
    assert not engine.journal_path.exists()  # folded into the state file at the end
    assert _names(engine.load()) == {"a", "b"}
    assert "hush" not in engine.state_path.read_text()

    # The copy is a run stopped after a's create: only a journal, which loads.
    assert not (copy / "state.json").exists()
    assert "t0k3n-s3cr3t" not in (copy / "state.json.journal").read_text()
    stopped = _engine(copy / "state.json")
    assert _names(stopped.load()) == {"a"}
    assert stopped.stored_config() == CONFIG


def test_a_failed_run_keeps_its_steps_and_manual_edits_between_runs_count(
    engine: Engine,
) -> None:
    engine.up(lambda: [Item("a", value=1), Item("b", value=2)])
    with pytest.raises(EngineError, match="toy update failed"):
        engine.up(lambda: [Item("a", value=3), Item("b", value=4, fail="update")])
    assert not engine.journal_path.exists()
    state = engine.load()
    assert sorted(e["outputs"].get("value") for e in state.values() if e.get("custom")) == [2, 3]
    # A test edits state.json between runs: the next run starts from the edit.
    data = json.loads(engine.state_path.read_text())
    data.pop(next(u for u in data if u.endswith("::b")))
    engine.state_path.write_text(json.dumps(data))
    steps = engine.up(lambda: [Item("a", value=3), Item("b", value=4)])
    assert sorted((s.op, s.name) for s in steps if s.type != "pulumi:pulumi:Stack") == [
        ("create", "b"),
        ("same", "a"),
    ]
