"""Tests of the engine harness itself, driven with the toy provider (tests/harness/toy_provider)."""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.harness import (
    DIFF_NONE,
    DIFF_SOME,
    UNKNOWN,
    DiffResult,
    Engine,
    EngineError,
    LogEntry,
    ResourceHandler,
    Step,
)
from tests.harness.toy_provider import ITEMS_ENV, LOG_ENV, Item, read_log

REPO = Path(__file__).resolve().parents[1]
ITEM = "pulumi-python:dynamic/toy:Item"
STACK = "pulumi:pulumi:Stack"


@dataclass
class Toy:
    tmp: Path
    engine: Engine

    def calls(self, *methods: str) -> list[tuple[str, Any]]:
        """(method, name-or-id) of every provider call, optionally only the given methods."""
        log = read_log(self.tmp / "calls.log")
        return [
            (c["method"], c.get("name", c.get("id")))
            for c in log
            if not methods or c["method"] in methods
        ]

    def items(self) -> dict[str, Any]:
        return dict(json.loads((self.tmp / "items.json").read_text())["items"])

    def write_items(self, items: dict[str, Any]) -> None:
        data = json.loads((self.tmp / "items.json").read_text())
        (self.tmp / "items.json").write_text(json.dumps({**data, "items": items}))

    def clear_log(self) -> None:
        (self.tmp / "calls.log").unlink(missing_ok=True)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Toy]:
    env = {ITEMS_ENV: str(tmp_path / "items.json"), LOG_ENV: str(tmp_path / "calls.log")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    engine = Engine(
        tmp_path / "state.json",
        config={"toy:apiUrl": "http://127.0.0.1:1", "toy:token": "t0k3n-s3cr3t"},
        secret_keys={"toy:token"},
        program_dir=REPO,
        provider_env={**env, "PYTHONPATH": str(REPO)},
    )
    yield Toy(tmp_path, engine)


def ops(steps: list[Step]) -> list[tuple[str, str]]:
    return [(s.op, s.name) for s in steps]


def chain(a_value: Any = 1, a_name: str = "a", **a_opts: Any) -> Callable[[], None]:
    """a <- b (b.parent_id = a.item_id) <- c (depends_on b); c.value is a secret."""

    def program() -> None:
        a = Item("a", value=a_value, name=a_name, opts=pulumi.ResourceOptions(**a_opts))
        b = Item("b", value=2, parent_id=a.item_id)
        Item("c", value=pulumi.Output.secret("hush"), opts=pulumi.ResourceOptions(depends_on=[b]))
        pulumi.export("a_id", a.item_id)

    return program


def test_create_then_second_up_is_all_same(toy: Toy) -> None:
    assert ops(toy.engine.up(chain())) == [("create", "a"), ("create", "b"), ("create", "c")]
    assert toy.engine.stack_outputs == {"a_id": "item-1"}
    toy.clear_log()
    assert ops(toy.engine.up(chain())) == [("same", "a"), ("same", "b"), ("same", "c")]
    assert {m for m, _ in toy.calls()} == {"configure", "check", "diff"}
    assert toy.engine.outputs("b")["parent_id"] == "item-1"


def test_update_in_place(toy: Toy) -> None:
    toy.engine.up(chain())
    toy.clear_log()
    assert ops(toy.engine.up(chain(a_value=5))) == [("update", "a"), ("same", "b"), ("same", "c")]
    assert toy.calls("update") == [("update", "a")]
    assert toy.items()["item-1"]["value"] == 5.0  # ints come back as floats, as with the engine
    assert toy.engine.outputs("a")["value"] == 5.0


def test_replace_is_create_before_delete(toy: Toy) -> None:
    toy.engine.up(chain())
    toy.clear_log()
    steps = toy.engine.up(chain(a_name="a2"))
    assert ops(steps) == [
        ("replace", "a"),
        ("update", "b"),
        ("same", "c"),
        ("delete-replaced", "a"),
    ]
    # The replacement is checked again as a create (olds={}), created first, the old deleted last.
    assert toy.calls("create", "delete", "update") == [
        ("create", "a2"),
        ("update", "b"),
        ("delete", "a"),
    ]
    assert toy.engine.outputs("b")["parent_id"] == "item-4"
    assert set(toy.items()) == {"item-2", "item-3", "item-4"}


@pytest.mark.parametrize("how", ["option", "provider"])
def test_delete_before_replace(toy: Toy, how: str) -> None:
    def program(name: str) -> Callable[[], object]:
        if how == "option":
            opts = pulumi.ResourceOptions(delete_before_replace=True)
            return lambda: Item("a", name=name, opts=opts)
        return lambda: Item("a", name=name, dbr=True)

    toy.engine.up(program("a"))
    toy.clear_log()
    assert ops(toy.engine.up(program("a2"))) == [("delete-replaced", "a"), ("replace", "a")]
    assert toy.calls("create", "delete") == [("delete", "a"), ("create", "a2")]
    assert toy.engine.outputs("a")["name"] == "a2"


def test_dropped_resources_are_deleted_in_reverse_dependency_order(toy: Toy) -> None:
    toy.engine.up(chain())
    toy.clear_log()
    assert ops(toy.engine.up(lambda: None)) == [("delete", "c"), ("delete", "b"), ("delete", "a")]
    assert toy.calls("delete") == [("delete", "c"), ("delete", "b"), ("delete", "a")]
    assert [v["type"] for v in toy.engine.load().values()] == ["pulumi:pulumi:Stack"]


def test_preview_calls_no_create_and_check_sees_unknowns(toy: Toy) -> None:
    seen: list[bool] = []

    def program() -> None:
        seen.append(pulumi.runtime.is_dry_run())
        chain()()

    assert ops(toy.engine.preview(program)) == [("create", "a"), ("create", "b"), ("create", "c")]
    assert seen == [True]
    assert {m for m, _ in toy.calls()} == {"configure", "check"}
    checks = [c for c in read_log(toy.tmp / "calls.log") if c["method"] == "check"]
    assert {c["name"]: c["unknown"] for c in checks} == {"a": [], "b": ["parent_id"], "c": []}
    assert toy.engine.stack_outputs == {"a_id": UNKNOWN}
    assert not (toy.tmp / "state.json").exists()
    # A replace in preview: dependents see an unknown in check and diff, nothing is deleted.
    toy.engine.up(chain())
    toy.clear_log()
    steps = toy.engine.preview(chain(a_name="a2"))
    assert ops(steps) == [
        ("replace", "a"),
        ("update", "b"),
        ("same", "c"),
        ("delete-replaced", "a"),
    ]
    assert {m for m, _ in toy.calls()} == {"configure", "check", "diff"}


def test_refresh_after_out_of_band_change_and_delete(toy: Toy) -> None:
    toy.engine.up(chain())
    items = toy.items()
    del items["item-1"]  # a deleted out of band
    items["item-2"]["value"] = 99  # b drifted
    toy.write_items(items)
    steps = toy.engine.refresh()
    assert sorted(ops(steps)) == [("deleted", "a"), ("same", "c"), ("update", "b")]
    state = toy.engine.load()
    assert not any(u.endswith("::a") for u in state)
    assert toy.engine.outputs("b")["value"] == 99  # read's inputs replace the stored inputs
    b = next(e for u, e in state.items() if u.endswith("::b"))
    assert b["inputs"]["value"] == 99
    assert ops(toy.engine.up(chain())) == [("create", "a"), ("update", "b"), ("same", "c")]
    assert toy.items()["item-2"]["value"] == 2.0


def test_destroy_deletes_in_reverse_dependency_order(toy: Toy) -> None:
    toy.engine.up(chain())
    assert ops(toy.engine.destroy()) == [("delete", "c"), ("delete", "b"), ("delete", "a")]
    assert toy.engine.load() == {}
    assert toy.items() == {}


def test_secrets_never_plain_in_state(toy: Toy) -> None:
    def program() -> None:
        c = Item(
            "c",
            value=pulumi.Output.secret("hush"),
            opts=pulumi.ResourceOptions(additional_secret_outputs=["item_id"]),
        )
        pulumi.export("c_value", c.value)

    toy.engine.up(program)
    text = (toy.tmp / "state.json").read_text()
    assert "hush" not in text
    (stack,) = [e for e in toy.engine.load().values() if e["type"] == "pulumi:pulumi:Stack"]
    assert stack["secret_paths"] == ["outputs.c_value"]  # the program saw c.value as secret
    (c,) = [e for e in toy.engine.load().values() if e["type"] == ITEM]
    assert {"inputs.value", "outputs.value", "outputs.item_id", "outputs.__provider"} <= set(
        c["secret_paths"]
    )
    assert toy.engine.stack_outputs == {"c_value": "hush"}  # unwrapped for convenience
    # The provider got the value and the config token in plain text, and printed neither.
    (configure,) = [c for c in read_log(toy.tmp / "calls.log") if c["method"] == "configure"]
    assert configure["keys"] == ["toy:apiUrl", "toy:token"]
    assert configure["token_plain"] == "t0k3n-s3cr3t"
    assert toy.items()["item-1"]["value"] == "hush"
    assert toy.engine.last_provider is not None
    assert "t0k3n-s3cr3t" not in toy.engine.last_provider.stderr_text


def test_check_failure_surfaces(toy: Toy) -> None:
    with pytest.raises(EngineError, match=r"check failed: \[\('value', \"value must not be 'bad'"):
        toy.engine.up(lambda: Item("a", value="bad") and None)
    assert toy.calls("create") == []


def test_program_exception_surfaces(toy: Toy) -> None:
    def program() -> None:
        Item("a", value=1)
        raise ValueError("bad program")

    with pytest.raises(EngineError, match="program failed: ValueError: bad program"):
        toy.engine.up(program)


def test_provider_exception_fails_up_but_state_keeps_earlier(toy: Toy) -> None:
    def program() -> None:
        a = Item("a", value=1)
        Item("b", value=2, fail="create", opts=pulumi.ResourceOptions(depends_on=[a]))

    with pytest.raises(EngineError, match=r"RuntimeError: toy create failed: boom$") as info:
        toy.engine.up(program)
    assert "b" in str(info.value)
    assert ops(info.value.steps) == [("create", "a")]
    assert [s.split("::")[-1] for s, e in toy.engine.load().items() if e["type"] == ITEM] == ["a"]
    assert "Traceback" in info.value.details  # the full provider traceback travels as gRPC details


class Things(ResourceHandler):
    """An in-memory stand-in for a non-dynamic provider type."""

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        id_ = f"thing-{len(self.objects) + 1}"
        self.objects[id_] = dict(inputs)
        return id_, {**inputs, "arn": f"arn:{id_}"}

    def update(self, id: str, old_outputs: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        self.objects[id] = dict(news)
        return {**news, "arn": f"arn:{id}"}

    def delete(self, id: str, outputs: dict[str, Any]) -> None:
        del self.objects[id]

    def diff(self, id: str, old_outputs: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult()  # DIFF_UNKNOWN: the engine diffs the inputs itself


class Thing(pulumi.CustomResource):
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, size: pulumi.Input[float], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("test:index:Thing", name, {"size": size, "arn": None}, opts)


def test_handler_runs_custom_types(toy: Toy) -> None:
    things = Things()
    toy.engine.handlers["test:index:Thing"] = things

    def program(size: int) -> Callable[[], None]:
        def run() -> None:
            a = Item("a", value=1)
            t = Thing("t", size=a.item_id.apply(lambda _: size))
            pulumi.export("arn", t.arn)

        return run

    assert ops(toy.engine.up(program(1))) == [("create", "a"), ("create", "t")]
    assert toy.engine.stack_outputs == {"arn": "arn:thing-1"}
    assert ops(toy.engine.up(program(1))) == [("same", "a"), ("same", "t")]
    assert ops(toy.engine.up(program(2))) == [("same", "a"), ("update", "t")]
    assert things.objects == {"thing-1": {"size": 2.0}}
    toy.engine.destroy()
    assert things.objects == {}
    del toy.engine.handlers["test:index:Thing"]
    with pytest.raises(EngineError, match="no handler for custom resource type 'test:index:Thing'"):
        toy.engine.up(program(1))


def test_program_given_as_path_to_main(toy: Toy, tmp_path: Path) -> None:
    prog_dir = tmp_path / "prog"
    prog_dir.mkdir()
    (prog_dir / "helper.py").write_text("VALUE = 7\n")
    (prog_dir / "__main__.py").write_text(
        "import os, pulumi\n"
        "from helper import VALUE\n"
        "from tests.harness.toy_provider import Item\n"
        "class Group(pulumi.ComponentResource):\n"
        "    def __init__(self, name):\n"
        "        super().__init__('toy:index:Group', name)\n"
        "        opts = pulumi.ResourceOptions(parent=self)\n"
        "        self.item = Item(name + '-item', value=VALUE, opts=opts)\n"
        "g = Group('g')\n"
        "pulumi.export('cwd', os.getcwd())\n"
        "pulumi.export('item_id', g.item.item_id)\n"
    )
    cwd = os.getcwd()
    steps = toy.engine.up(prog_dir / "__main__.py")
    assert os.getcwd() == cwd
    assert "helper" not in sys.modules  # the program's own modules are forgotten
    assert ops(steps) == [("create", "g"), ("create", "g-item")]
    assert (
        steps[1].urn
        == "urn:pulumi:dev::proj::toy:index:Group$pulumi-python:dynamic/toy:Item::g-item"
    )
    assert steps[0].urn == "urn:pulumi:dev::proj::toy:index:Group::g"
    assert toy.engine.stack_outputs == {"cwd": str(prog_dir), "item_id": "item-1"}
    assert ops(toy.engine.up(prog_dir)) == [("same", "g"), ("same", "g-item")]


def test_provider_blob_is_by_reference_and_small(toy: Toy) -> None:
    toy.engine.up(lambda: Item("a", value=1) and None)
    (a,) = [e for e in toy.engine.load().values() if e["type"] == ITEM]
    blob = a["inputs"]["__provider"]["value"]
    assert len(blob) < 1024
    assert a["outputs"]["__provider"] == a["inputs"]["__provider"]
    timings = toy.engine.last_provider.timings if toy.engine.last_provider else {}
    assert set(timings) == {"Configure", "Check", "Create"}


def test_ignore_changes_keeps_the_old_value(toy: Toy) -> None:
    toy.engine.up(chain(a_value=1))
    toy.clear_log()
    assert ops(toy.engine.up(chain(a_value=9, ignore_changes=["value"])))[0] == ("same", "a")
    assert toy.calls("create", "update", "delete") == []
    assert toy.engine.outputs("a")["value"] == 1.0


def test_replace_on_changes_does_nothing_when_the_provider_diff_says_some(toy: Toy) -> None:
    # The toy's diff answers DIFF_SOME without `diffs` (pulumi.dynamic never sends them), so
    # the engine has no ChangedKeys to match replaceOnChanges against: an update.
    toy.engine.up(chain(a_value=1))
    toy.clear_log()
    steps = toy.engine.up(chain(a_value=9, replace_on_changes=["value"]))
    assert ops(steps) == [("update", "a"), ("same", "b"), ("same", "c")]
    assert toy.calls("create", "update", "delete") == [("update", "a")]


@pytest.mark.parametrize(
    ("roc", "op"), [(["value"], "replace"), (["*"], "replace"), (["parent_id"], "update")]
)
def test_replace_on_changes_applies_when_the_provider_diff_is_unknown(
    toy: Toy, roc: list[str], op: str
) -> None:
    def program(value: int, **opts: Any) -> Callable[[], object]:
        return lambda: Item(
            "a", value=value, diff_unknown=True, opts=pulumi.ResourceOptions(**opts)
        )

    toy.engine.up(program(1, replace_on_changes=roc))
    toy.clear_log()
    steps = toy.engine.up(program(9, replace_on_changes=roc))
    assert [s.op for s in steps] == ([op, "delete-replaced"] if op == "replace" else [op])
    expected = [("create", "a"), ("delete", "a")] if op == "replace" else [("update", "a")]
    assert toy.calls("create", "update", "delete") == expected


class SizedThings(Things):
    """Answers DIFF_SOME and names the changed keys in `diffs`, as a native provider can."""

    def diff(self, id: str, old_outputs: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in news if old_outputs.get(k) != news[k]]
        return DiffResult(DIFF_SOME if changed else DIFF_NONE, diffs=changed)


def test_replace_on_changes_matches_the_diffs_a_provider_sends(toy: Toy) -> None:
    things = SizedThings()
    toy.engine.handlers["test:index:Thing"] = things
    opts = pulumi.ResourceOptions(replace_on_changes=["size"])
    toy.engine.up(lambda: Thing("t", size=1, opts=opts) and None)
    assert ops(toy.engine.up(lambda: Thing("t", size=2, opts=opts) and None)) == [
        ("replace", "t"),
        ("delete-replaced", "t"),
    ]
    assert things.objects == {"thing-2": {"size": 2.0}}


def test_protect_refuses_a_replace_only_when_old_and_new_are_protected(toy: Toy) -> None:
    toy.engine.up(chain(protect=True))
    before = toy.engine.load()
    toy.clear_log()
    with pytest.raises(EngineError, match="protected and cannot be replaced") as info:
        toy.engine.up(chain(a_name="a2", protect=True))
    assert info.value.steps == [] and toy.calls("create", "delete") == []
    assert toy.engine.load() == before
    # A preview plans everything, then reports the error.
    with pytest.raises(EngineError, match="protected and cannot be replaced") as info:
        toy.engine.preview(chain(a_name="a2", protect=True))
    assert ("replace", "a") in ops(info.value.steps) and ("same", "c") in ops(info.value.steps)
    # Unprotect and replace in one run: the old state's protect alone does not refuse it.
    assert ops(toy.engine.up(chain(a_name="a2")))[0] == ("replace", "a")
    # Protecting in the run that replaces: the old state is unprotected, so it goes ahead.
    steps = toy.engine.up(chain(a_name="a3", protect=True))
    assert ops(steps)[0] == ("replace", "a") and ("delete-replaced", "a") in ops(steps)
    assert toy.engine.load()[steps[0].urn]["protect"] is True


def test_protect_refuses_a_delete_from_state(toy: Toy) -> None:
    toy.engine.up(chain(protect=True))
    with pytest.raises(EngineError, match="protected and cannot be deleted"):
        toy.engine.up(lambda: None)
    assert any(u.endswith("::a") for u in toy.engine.load())
    assert "item-1" in toy.items()
    with pytest.raises(EngineError, match="protected and cannot be deleted"):
        toy.engine.destroy()
    assert "item-1" in toy.items()
    toy.engine.up(chain())  # unprotect
    toy.engine.destroy()
    assert toy.items() == {}


def test_retain_on_delete_drops_state_without_a_provider_delete(toy: Toy) -> None:
    def program(name: str = "a", retain: bool = True) -> Callable[[], object]:
        opts = pulumi.ResourceOptions(retain_on_delete=retain)
        return lambda: Item("a", name=name, opts=opts) and None

    toy.engine.up(program())
    toy.clear_log()
    # The replacement of a retained resource: the old one is left alone (DeleteStep.Apply).
    assert ops(toy.engine.up(program(name="a2"))) == [("replace", "a"), ("delete-replaced", "a")]
    assert toy.calls("create", "delete") == [("create", "a2")]
    assert set(toy.items()) == {"item-1", "item-2"}
    toy.clear_log()
    assert ops(toy.engine.up(lambda: None)) == [("delete", "a")]
    assert toy.calls("delete") == []
    assert set(toy.items()) == {"item-1", "item-2"}
    assert [e["type"] for e in toy.engine.load().values()] == ["pulumi:pulumi:Stack"]
    # Retained on destroy too.
    toy.engine.up(program(name="b"))
    toy.clear_log()
    assert ops(toy.engine.destroy()) == [("delete", "a")]
    assert toy.calls("delete") == [] and toy.engine.load() == {}


def pair(a_name: str = "a", b_fail: str | None = None) -> Callable[[], None]:
    """a <- b (b.parent_id = a.item_id)."""

    def program() -> None:
        a = Item("a", name=a_name)
        Item("b", parent_id=a.item_id, fail=b_fail)

    return program


def test_a_pending_delete_survives_a_failed_run_and_the_next_up_deletes_it(toy: Toy) -> None:
    toy.engine.up(pair())
    assert toy.engine.pending_deletes() == []
    # a is replaced (create-before-delete), then b's update fails: no delete phase.
    with pytest.raises(EngineError, match="toy update failed"):
        toy.engine.up(pair(a_name="a2", b_fail="update"))
    ((urn, old),) = toy.engine.pending_deletes()
    assert urn.endswith("::a") and old["id"] == "item-1" and old["outputs"]["name"] == "a"
    assert toy.engine.load()[urn]["id"] == "item-3"  # load() keeps only the live entry
    assert set(toy.items()) == {"item-1", "item-2", "item-3"}
    # A preview plans the delete, and does it not.
    assert ("delete-replaced", "a") in ops(toy.engine.preview(pair(a_name="a2")))
    assert len(toy.engine.pending_deletes()) == 1
    toy.clear_log()
    assert ops(toy.engine.up(pair(a_name="a2"))) == [
        ("same", "a"),
        ("update", "b"),
        ("delete-replaced", "a"),
    ]
    assert toy.calls("diff", "delete") == [("diff", "item-3"), ("diff", "item-2"), ("delete", "a")]
    assert toy.engine.pending_deletes() == []
    assert set(toy.items()) == {"item-2", "item-3"}


def test_a_failed_delete_replaced_stays_pending(toy: Toy) -> None:
    toy.engine.up(lambda: Item("a", fail="delete") and None)
    renamed = lambda: Item("a", name="a2") and None  # noqa: E731
    with pytest.raises(EngineError, match="toy delete failed") as info:
        toy.engine.up(renamed)
    assert ops(info.value.steps) == [("replace", "a")]
    assert [e["id"] for _, e in toy.engine.pending_deletes()] == ["item-1"]
    items = toy.items()
    items["item-1"]["fail"] = None  # fixed out of band; Delete gets the outputs, so refresh
    toy.write_items(items)
    assert sorted(ops(toy.engine.refresh())) == [("same", "a"), ("update", "a")]
    assert [e["outputs"].get("fail") for _, e in toy.engine.pending_deletes()] == [None]
    assert ops(toy.engine.up(renamed)) == [("same", "a"), ("delete-replaced", "a")]
    assert set(toy.items()) == {"item-2"} and toy.engine.pending_deletes() == []


def test_destroy_and_refresh_handle_pending_deletes(toy: Toy) -> None:
    toy.engine.up(pair())
    with pytest.raises(EngineError):
        toy.engine.up(pair(a_name="a2", b_fail="update"))
    assert len(toy.engine.pending_deletes()) == 1
    steps = toy.engine.destroy()
    assert sorted(ops(steps)) == [("delete", "a"), ("delete", "b"), ("delete-replaced", "a")]
    assert ops(steps)[0] == ("delete", "b")  # b depends on a, so it goes first
    assert toy.items() == {} and toy.engine.pending_deletes() == [] and toy.engine.load() == {}
    # refresh: a pending delete that is gone is dropped.
    toy.engine.up(pair())
    with pytest.raises(EngineError):
        toy.engine.up(pair(a_name="a2", b_fail="update"))
    ((_, old),) = toy.engine.pending_deletes()
    items = toy.items()
    del items[old["id"]]
    toy.write_items(items)
    assert ("deleted", "a") in ops(toy.engine.refresh())
    assert toy.engine.pending_deletes() == []
    assert any(u.endswith("::a") for u in toy.engine.load())  # the live one stays


def delete_windows(toy: Toy) -> dict[str, tuple[float, float]]:
    """name -> (start, end) of each completed provider delete, from the toy's call log."""
    log = read_log(toy.tmp / "calls.log")
    start = {c["name"]: c["t"] for c in log if c["method"] == "delete"}
    return {c["name"]: (start[c["name"]], c["t"]) for c in log if c["method"] == "deleted"}


def call_windows(toy: Toy, method: str) -> dict[str, tuple[float, float]]:
    """name -> (start, end) of each `method` call (check, create, read), from the log."""
    log = read_log(toy.tmp / "calls.log")
    return {c["name"]: (c["t0"], c["t"]) for c in log if c["method"] == method}


def test_checks_run_one_at_a_time_and_the_creates_at_once(toy: Toy) -> None:
    """As the engine: its deployment executor generates steps (Check, then Diff) for one
    registration at a time; only the steps run at once, on `--parallel` workers."""
    names = ["a", "b", "c", "d"]

    def program() -> None:
        for n in names:
            Item(n, sleeps={"check": 0.1, "create": 1.0})

    toy.engine.up(program)
    checks = sorted(call_windows(toy, "check").values())
    assert len(checks) == len(names)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(checks)), checks  # never overlap
    creates = call_windows(toy, "create").values()
    assert max(start for start, _ in creates) < min(end for _, end in creates)  # all at once


def test_refresh_reads_at_once_and_lists_its_steps_in_state_order(toy: Toy) -> None:
    names = ["a", "b", "c", "d"]

    def program() -> None:
        for n in names:
            Item(n, sleeps={"read": 0.5})

    toy.engine.up(program)
    toy.clear_log()
    steps = toy.engine.refresh()
    reads = call_windows(toy, "read").values()
    assert len(reads) == len(names)
    assert max(start for start, _ in reads) < min(end for _, end in reads)  # all at once
    custom = [u for u, e in toy.engine.load().items() if e.get("custom")]
    assert [s.urn for s in steps] == custom and {s.op for s in steps} == {"same"}


def test_deletes_run_in_parallel_along_the_dependency_graph(toy: Toy) -> None:
    def program() -> None:
        x = Item("x", delete_sleep=0.4)
        Item("y", delete_sleep=0.4)
        Item("z", delete_sleep=0.4)
        p = Item("p", delete_sleep=0.4)
        # c is a child of p; d depends on x: both go before what they depend on.
        Item("c", delete_sleep=0.4, opts=pulumi.ResourceOptions(parent=p))
        Item("d", delete_sleep=0.4, opts=pulumi.ResourceOptions(depends_on=[x]))

    toy.engine.up(program)
    toy.clear_log()
    steps = toy.engine.destroy()
    assert sorted(s.name for s in steps) == ["c", "d", "p", "x", "y", "z"]
    w = delete_windows(toy)

    def overlap(names: list[str]) -> bool:
        return max(w[n][0] for n in names) < min(w[n][1] for n in names)

    # ScheduleDeletes peels off the roots (depending on no other victim) first and reverses:
    # [c, d], then [p, x, y, z]; each antichain runs at once, the next after it finished.
    assert overlap(["c", "d"]) and overlap(["p", "x", "y", "z"])
    assert max(w[n][1] for n in "cd") <= min(w[n][0] for n in "pxyz")
    assert toy.items() == {} and toy.engine.load() == {}


def test_a_failed_delete_lets_in_flight_deletes_finish_and_keeps_the_rest(toy: Toy) -> None:
    def program() -> None:
        base = Item("base")
        Item("bad", fail="delete", opts=pulumi.ResourceOptions(depends_on=[base]))
        Item("slow", delete_sleep=0.5, opts=pulumi.ResourceOptions(depends_on=[base]))

    toy.engine.up(program)
    with pytest.raises(EngineError, match="toy delete failed") as info:
        toy.engine.destroy()
    # bad and slow form one antichain: slow, in flight when bad failed, finishes.
    assert ops(info.value.steps) == [("delete", "slow")]
    assert sorted(toy.calls("delete")) == [("delete", "bad"), ("delete", "slow")]
    left = {_name_of(u) for u, e in toy.engine.load().items() if e["type"] == ITEM}
    assert left == {"base", "bad"}  # base was never attempted


def test_a_protected_delete_does_not_stop_unrelated_deletes(toy: Toy) -> None:
    def program() -> None:
        Item("free")  # registered first, so deleted last by a serial reverse order
        q = Item("q")
        Item("p", opts=pulumi.ResourceOptions(protect=True, depends_on=[q]))

    toy.engine.up(program)
    with pytest.raises(EngineError, match="protected and cannot be deleted") as info:
        toy.engine.up(lambda: None)
    # cancelDueToError continues past a protected delete, but not into what p depends on.
    assert ops(info.value.steps) == [("delete", "free")]
    left = {_name_of(u) for u, e in toy.engine.load().items() if e["type"] == ITEM}
    assert left == {"p", "q"}


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def checks_of(toy: Toy, name: str) -> list[bool]:
    """For each Check of ``name``: whether it was given old inputs."""
    log = read_log(toy.tmp / "calls.log")
    return [c["olds"] for c in log if c["method"] == "check" and c["name"] == name]


@pytest.mark.parametrize("target", ["a", "urn:pulumi:dev::proj::pulumi-python:dynamic/toy:Item::a"])
def test_targeted_replace_asks_no_diff_and_checks_once(toy: Toy, target: str) -> None:
    toy.engine.up(chain())
    toy.clear_log()
    steps = toy.engine.up(chain(), replace=[target])
    assert ops(steps) == [
        ("replace", "a"),
        ("update", "b"),
        ("same", "c"),
        ("delete-replaced", "a"),
    ]
    assert checks_of(toy, "a") == [False]  # no olds, and no second Check for the replacement
    assert toy.calls("diff") == [("diff", "item-2"), ("diff", "item-3")]  # b and c only
    assert toy.calls("create", "delete") == [("create", "a"), ("delete", "a")]
    assert toy.engine.outputs("b")["parent_id"] == "item-4"


def test_targeted_replace_is_create_before_delete_unless_the_option_says(toy: Toy) -> None:
    # The provider would ask for delete-before-replace (dbr=True) but is never asked to Diff.
    toy.engine.up(lambda: Item("a", dbr=True) and None)
    toy.clear_log()
    assert ops(toy.engine.up(lambda: Item("a", dbr=True) and None, replace=["a"])) == [
        ("replace", "a"),
        ("delete-replaced", "a"),
    ]
    assert toy.calls("create", "delete") == [("create", "a"), ("delete", "a")]
    opts = pulumi.ResourceOptions(delete_before_replace=True)
    toy.clear_log()
    assert ops(toy.engine.up(lambda: Item("a", opts=opts) and None, replace=["a"])) == [
        ("delete-replaced", "a"),
        ("replace", "a"),
    ]
    assert toy.calls("create", "delete") == [("delete", "a"), ("create", "a")]


def test_targeted_replace_preview_unknown_target_and_protect(toy: Toy) -> None:
    toy.engine.up(chain(protect=True))
    before = toy.engine.load()
    toy.clear_log()
    with pytest.raises(EngineError, match="could not be found in the stack"):
        toy.engine.up(chain(), replace=["nope"])
    assert toy.calls() == []  # refused before the program ran
    with pytest.raises(EngineError, match="protected and cannot be replaced"):
        toy.engine.up(chain(protect=True), replace=["a"])
    steps = toy.engine.preview(chain(), replace=["a"])
    assert ops(steps)[0] == ("replace", "a") and ("delete-replaced", "a") in ops(steps)
    assert toy.calls("create", "delete") == [] and toy.engine.load() == before


def test_taint_replaces_on_the_next_up_and_is_cleared(toy: Toy) -> None:
    toy.engine.up(chain())
    toy.engine.taint("b")
    (urn,) = [u for u in toy.engine.load() if u.endswith("::b")]
    assert toy.engine.load()[urn]["taint"] is True
    toy.clear_log()
    steps = toy.engine.up(chain())
    assert ops(steps) == [("same", "a"), ("replace", "b"), ("same", "c"), ("delete-replaced", "b")]
    assert checks_of(toy, "b") == [False] and ("diff", "item-2") not in toy.calls("diff")
    assert "taint" not in toy.engine.load()[urn]
    assert toy.engine.load()[urn]["id"] == "item-4"
    assert [s.op for s in toy.engine.up(chain())] == ["same"] * 3
    with pytest.raises(KeyError):
        toy.engine.taint("nope")


def item_urn(name: str, stack: str = "dev", project: str = "proj", parent_type: str = "") -> str:
    qualified = f"{parent_type}${ITEM}" if parent_type else ITEM
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


@pytest.mark.parametrize("alias", ["spec", "urn"])
def test_an_alias_makes_a_rename_a_same_and_moves_the_state(toy: Toy, alias: str) -> None:
    toy.engine.up(lambda: Item("a", value=1) and None)
    toy.clear_log()
    old: str | pulumi.Alias = pulumi.Alias(name="a") if alias == "spec" else item_urn("a")
    opts = pulumi.ResourceOptions(aliases=[old])
    steps = toy.engine.up(lambda: Item("renamed", name="a", value=1, opts=opts) and None)
    assert ops(steps) == [("same", "renamed")]
    assert toy.calls("diff", "create", "delete") == [("diff", "item-1")]
    items = {u: e["id"] for u, e in toy.engine.load().items() if e["type"] == ITEM}
    assert items == {item_urn("renamed"): "item-1"}
    # Once moved, the alias no longer matters; without it the name is simply the new one.
    assert ops(toy.engine.up(lambda: Item("renamed", name="a", value=1) and None)) == [
        ("same", "renamed")
    ]


def test_an_aliased_rename_can_update_or_replace(toy: Toy) -> None:
    toy.engine.up(lambda: Item("a", value=1) and None)
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")])
    steps = toy.engine.up(lambda: Item("b", name="a", value=2, opts=opts) and None)
    assert ops(steps) == [("update", "b")] and toy.calls("update") == [("update", "a")]
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="b")])
    toy.clear_log()
    steps = toy.engine.up(lambda: Item("c", name="c", value=2, opts=opts) and None)
    # The replacement is made at the new URN, the old one deleted under the URN it had.
    assert [(s.op, s.urn) for s in steps] == [
        ("replace", item_urn("c")),
        ("delete-replaced", item_urn("b")),
    ]
    assert toy.calls("create", "delete") == [("create", "c"), ("delete", "a")]
    assert [u for u, e in toy.engine.load().items() if e["type"] == ITEM] == [item_urn("c")]


class Group(pulumi.ComponentResource):
    def __init__(self, name: str, type_: str = "toy:index:Group", **opts: Any) -> None:
        super().__init__(type_, name, None, pulumi.ResourceOptions(**opts))
        self.item = Item(f"{name}-item", name="x", opts=pulumi.ResourceOptions(parent=self))


def test_a_component_rename_or_retype_carries_its_children(toy: Toy) -> None:
    toy.engine.up(lambda: Group("g") and None)
    assert toy.engine.load()[item_urn("g-item", parent_type="toy:index:Group")]["id"] == "item-1"
    # The child, named after its parent, inherits the parent's alias (inheritedChildAlias).
    steps = toy.engine.up(lambda: Group("h", aliases=[pulumi.Alias(name="g")]) and None)
    assert ops(steps) == [("same", "h"), ("same", "h-item")]
    toy.engine.up(
        lambda: (
            Group("h", "toy:index:Team", aliases=[pulumi.Alias(type_="toy:index:Group")]) and None
        )
    )
    state = toy.engine.load()
    assert state[item_urn("h-item", parent_type="toy:index:Team")]["id"] == "item-1"
    assert [e["type"] for e in state.values()] == [STACK, "toy:index:Team", ITEM]
    assert toy.calls("create") == [("create", "x")]


def test_an_alias_to_an_old_parent_stack_or_project(toy: Toy) -> None:
    toy.engine.up(lambda: Group("g") and None)
    # The child leaves its component: Alias(parent=<old parent URN>).
    old_parent = "urn:pulumi:dev::proj::toy:index:Group::g"
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=old_parent)])
    steps = toy.engine.up(lambda: Item("g-item", name="x", opts=opts) and None)
    assert ops(steps) == [("same", "g-item"), ("delete", "g")]
    assert toy.engine.load()[item_urn("g-item")]["id"] == "item-1"
    # Another stack and project sharing the state file, as after `pulumi stack rename`.
    env = toy.engine.provider_env
    other = Engine(toy.engine.state_path, "proj2", "prod", program_dir=REPO, provider_env=env)
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(stack="dev", project="proj")])
    steps = other.up(lambda: Item("g-item", name="x", opts=opts) and None)
    assert ("same", "g-item") in ops(steps)
    assert other.load()[item_urn("g-item", "prod", "proj2")]["id"] == "item-1"
    assert toy.calls("create") == [("create", "x")]


def test_two_resources_cannot_claim_one_alias(toy: Toy) -> None:
    toy.engine.up(lambda: Item("a") and None)

    def program() -> None:
        first = Item("b", name="a", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")]))
        opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name="a")], depends_on=[first])
        Item("c", name="a", opts=opts)

    with pytest.raises(EngineError, match="already taken"):
        toy.engine.up(program)


def test_provider_and_program_logs_land_on_resource_rows(toy: Toy) -> None:
    def program() -> None:
        a = Item("a", log_warning_on_delete=item_urn("a"))
        b = Item("b")
        pulumi.log.warn("watch a", resource=a)
        pulumi.log.info("b is coming", resource=b, ephemeral=True)
        pulumi.log.info("plain")

    toy.engine.up(program)
    assert toy.engine.warnings() == ["watch a"]
    assert toy.engine.warnings("a") == ["watch a"] == toy.engine.warnings(item_urn("a"))
    assert toy.engine.warnings("b") == []
    assert LogEntry("info", "b is coming", item_urn("b"), ephemeral=True) in toy.engine.logs
    assert LogEntry("info", "plain") in toy.engine.logs
    # The provider, given the engine's address as argv[1], logs while deleting.
    a_id = toy.engine.outputs("a")["item_id"]
    toy.engine.destroy()
    assert toy.engine.logs == [LogEntry("warning", f"toy: deleting {a_id}", item_urn("a"))]
    assert toy.engine.warnings("a") == [f"toy: deleting {a_id}"]
    assert toy.engine.last_provider is not None
    assert toy.engine.last_provider.logs == toy.engine.logs


def test_import_reads_with_no_properties_which_a_dynamic_provider_cannot_serve(
    toy: Toy,
) -> None:
    """ImportStep.Apply reads the id with neither properties nor inputs; the
    `pulumi.dynamic` server then has no pickled provider to read with (pulumi/pulumi#16175)."""

    def program() -> None:
        Item("a", value=1, opts=pulumi.ResourceOptions(import_="item-a"))

    with pytest.raises(EngineError) as err:
        toy.engine.up(program)
    assert "KeyError: '__provider'" in getattr(err.value, "details", str(err.value))
    assert toy.engine.load().get(f"urn:pulumi:dev::proj::{ITEM}::a") is None
