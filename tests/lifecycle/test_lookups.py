"""Lookups (`get_project`, `get_regions`, `get_service`, `get_hostnames`): read from the
program process, no call while an input is unknown, one clear error when not found."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

import pulumi_kalix as kalix
from tests.harness import UNKNOWN, EngineError
from tests.lifecycle.conftest import Stack, kinds, make_engine


def test_lookups_read_what_the_program_does_not_manage(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(lambda: kalix.Service("legacy", image="registry.example/legacy:3"))
    stack.api.hostnames.create("shop.example.com")

    def program() -> None:
        project = kalix.get_project()
        pulumi.export("project_id", project["id"])
        pulumi.export("regions", kalix.get_regions(project["id"]))
        svc = kalix.get_service("legacy")
        pulumi.export("image", svc.apply(lambda s: s["spec"]["containers"][0]["image"]))
        pulumi.export("hostnames", kalix.get_hostnames())

    other = make_engine(stack.server, tmp_path / "other.json")  # another stack: reads only
    assert [s.op for s in kinds(other.up(program))] == []
    out = other.stack_outputs
    assert out["project_id"] == stack.api.project
    (region,) = out["regions"]
    assert region["primary"] is True and region["cname"] == "us-east1.kalix.app"
    assert region["endpoint"].startswith("http://127.0.0.1:")
    assert out["image"] == "registry.example/legacy:3"
    assert [h["hostname"] for h in out["hostnames"]] == ["shop.example.com"]
    assert stack.api.services.get("legacy").metadata.generation == 1  # untouched


def test_no_call_while_an_input_is_unknown_in_a_preview(stack: Stack) -> None:
    def program() -> None:
        svc = kalix.Service("cart", image="registry.example/cart:1.0")
        # The name is unknown until the service is created: nothing to read yet.
        pulumi.export("looked_up", kalix.get_service(svc.uid))

    stack.engine.preview(program)
    assert stack.engine.stack_outputs["looked_up"] == UNKNOWN


def test_a_missing_service_fails_with_one_line_naming_the_lookup(stack: Stack) -> None:
    def program() -> None:
        pulumi.export("svc", kalix.get_service("nope"))

    with pytest.raises(EngineError) as err:
        stack.engine.up(program)
    text = str(err.value)
    assert "get_service('nope'): no service 'nope' in project 'default'" in text
    assert "Traceback" not in text
