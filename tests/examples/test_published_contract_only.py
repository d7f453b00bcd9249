"""The examples against a control plane that offers exactly the published contract.

kalix-local with `--no-watch` (no watch, plain lists), its default strict auth (access
tokens and project UUIDs only) and a realistic 0.5 s controller lag is such a server.
With only a refresh token, the project's friendly name and the federation address,
each example goes up, refreshes clean and is destroyed without a trace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import example_engine, op_set, program


@pytest.fixture(scope="module")
def published_only() -> Iterator[KalixLocalServer]:
    with KalixLocalServer(rollout_step_seconds=0.05, status_lag_seconds=0.5, watch=False) as s:
        yield s


@pytest.mark.parametrize(
    ("example", "config"),
    [("quickstart", {}), ("grpc-routes", {"version": "2"}), ("descriptors", {})],
)
def test_example_up_refresh_destroy(
    published_only: KalixLocalServer, tmp_path: Path, example: str, config: Mapping[str, str]
) -> None:
    published_only.reset()
    engine = example_engine(example, published_only, tmp_path / "state.json", config)
    assert op_set(engine.up(program(example))) == {"create"}
    assert op_set(engine.refresh()) == {"same"}
    assert op_set(engine.up(program(example))) == {"same"}
    assert op_set(engine.destroy()) == {"delete"}
    with control_plane(published_only) as api:
        assert api.services.list() == [] and api.routes.list() == []
        assert api.secrets.list() == [] and api.hostnames.list() == []
    assert engine.load() == {}
