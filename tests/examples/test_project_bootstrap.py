"""examples/project-bootstrap through the engine harness: a project and what lives in
it, kept by `protect` and `allow_delete` until the user opts in, then destroyed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.harness import EngineError
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import example_engine, op_set, ops, program

EXAMPLE = "project-bootstrap"


def test_project_bootstrap_is_protected_until_the_deletion_is_opted_into(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    # A token (and home project) of its own: the projects it makes are seen by it only.
    home = f"home-{uuid.uuid4().hex[:10]}"
    token = kalix.new_token(home)
    config = {
        "projectName": f"bootstrap-{uuid.uuid4().hex[:10]}",
        **kalix.pulumi_config(home, token),
    }
    eng = example_engine(EXAMPLE, kalix, tmp_path / "state.json", config)
    assert ops(eng.up(program(EXAMPLE))) == [
        ("create", "bootstrap-api"),
        ("create", "ci"),
        ("create", "project"),
        ("create", "viewer"),
    ]
    out = eng.stack_outputs
    assert out["service_status"] == "Ready"
    assert [r["primary"] for r in out["regions"]] == [True]
    with control_plane(kalix, config["projectName"], token) as api:
        assert [s.metadata.name for s in api.services.list()] == ["bootstrap-api"]
    assert op_set(eng.up(program(EXAMPLE))) == {"same"}
    # As the engine's DeleteStep: what depends on the project is deleted first, then the
    # protected project refuses.
    with pytest.raises(EngineError, match="protect"):
        eng.destroy()
    with control_plane(kalix, config["projectName"], token) as api:
        assert api.services.list() == []
    # The README's way out: opt in, up (the project updated in place), destroy.
    eng.config[f"{eng.project}:allowDelete"] = "true"
    steps = ops(eng.up(program(EXAMPLE)))
    assert ("update", "project") in steps and ("create", "bootstrap-api") in steps
    assert op_set(eng.destroy()) == {"delete"}
    assert eng.load() == {} or all("Stack" in urn for urn in eng.load())
