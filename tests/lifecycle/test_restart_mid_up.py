"""A platform restart in the middle of an `up` (both planes: kalix-local is one
process) is ridden out within kalix:retrySeconds (30 s): the run succeeds and leaves
exactly the declared objects, no orphan, no duplicate."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest

import pulumi_kalix as kalix
from tests.lifecycle.conftest import kinds, make_engine
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

SERVICES = 4


@pytest.fixture
def own_server() -> Iterator[KalixLocalServer]:
    with KalixLocalServer(rollout_step_seconds=0.5) as server:
        yield server


def program() -> None:
    svcs = [kalix.Service(f"svc-{i}", image="registry.example/cart:1.0") for i in range(SERVICES)]
    host = kalix.Hostname("gen")
    route = kalix.Route("shop", hostname=host.hostname, paths={"/": svcs[0].name})
    pulumi.export("route_status", route.status)


def restart_when_a_service_exists(server: KalixLocalServer, down: float) -> threading.Thread:
    """Once the `up` has created its first service, stop the server for `down` s."""
    started: dict[str, threading.Thread] = {}

    def run() -> None:
        deadline = time.monotonic() + 60
        with control_plane(server) as api:
            while not api.services.list() and time.monotonic() < deadline:
                time.sleep(0.05)
        started["restart"] = server.restart_later(down)
        started["restart"].join(timeout=down + 30)

    watcher = threading.Thread(target=run, daemon=True)
    watcher.start()
    watcher.started = started  # type: ignore[attr-defined]
    return watcher


@pytest.mark.parametrize("down", [5.0, 20.0])
def test_an_up_rides_out_a_restart(
    own_server: KalixLocalServer, tmp_path: Path, down: float
) -> None:
    engine = make_engine(own_server, tmp_path / "state.json")
    watcher = restart_when_a_service_exists(own_server, down)
    started = time.monotonic()
    steps = engine.up(program)
    took = time.monotonic() - started
    watcher.join(timeout=down + 60)
    restart = watcher.started["restart"]  # type: ignore[attr-defined]
    assert restart.error is None
    assert took >= down  # it did meet the outage
    assert sorted(s.op for s in kinds(steps)) == ["create"] * (SERVICES + 2)
    assert engine.stack_outputs["route_status"] == "Ready"
    with control_plane(own_server) as api:
        assert sorted(s.metadata.name for s in api.services.list()) == [
            f"svc-{i}" for i in range(SERVICES)
        ]
        assert [r.metadata.name for r in api.routes.list()] == ["shop"]
        assert [h.name for h in api.hostnames.list()] == [engine.outputs("gen")["hostname"]]
    engine.destroy()
    with control_plane(own_server) as api:
        assert api.services.list() == [] and api.hostnames.list() == []
