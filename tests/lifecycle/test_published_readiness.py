"""Readiness from published fields only, against a control plane that behaves like one.

The servers here lag 0.5 s behind every write (the status a write answers with, and
every read for half a second, is the old one) or not at all, and serve watch or not
(`--no-watch`: the published contract only). A provider that trusted a stale `Ready` would return
before the new rollout ran; these tests look at the live object after `up` to prove
it did not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.awaiting import route_summary
from pulumi_kalix.client import ControlPlane
from tests.harness import Engine, EngineError
from tests.lifecycle.conftest import make_engine, ops
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

LAG = 0.5
#: Short windows keep the suite quick; the rule is the same with the defaults.
FAST_WINDOWS = {"kalix:settleSeconds": "1", "kalix:failureGraceSeconds": "1.5"}


@pytest.fixture(
    scope="module",
    params=[(LAG, True), (LAG, False), (0.0, True)],
    ids=["lag-watch", "lag-no-watch", "no-lag-watch"],
)
def lagging(request: pytest.FixtureRequest) -> Iterator[KalixLocalServer]:
    lag, watch = request.param
    with KalixLocalServer(rollout_step_seconds=0.2, status_lag_seconds=lag, watch=watch) as server:
        yield server


@pytest.fixture
def server(lagging: KalixLocalServer) -> KalixLocalServer:
    lagging.reset()
    return lagging


@pytest.fixture
def engine(server: KalixLocalServer, tmp_path: Path) -> Engine:
    return make_engine(server, tmp_path / "state.json", FAST_WINDOWS)


@pytest.fixture
def api(server: KalixLocalServer) -> Iterator[ControlPlane]:
    with control_plane(server) as client:
        yield client


def service(image: str = "registry.example/cart:1", **kw: Any) -> Any:
    def program() -> None:
        svc = kalix.Service("cart", image=image, min_instances=2, **kw)
        pulumi.export("status", svc.status)
        pulumi.export("ready", svc.ready_instances)

    return program


def test_a_new_service_is_ready_only_when_its_instances_run(
    engine: Engine, api: ControlPlane
) -> None:
    engine.up(service())
    live = api.services.get("cart")
    assert live.status is not None and live.status.summary == "Ready"
    assert live.status.replicas == 2 and live.status.mapped_image == "registry.example/cart:1"
    assert engine.stack_outputs == {"status": "Ready", "ready": 2}


def test_an_image_change_is_not_ready_before_the_new_rollout_finished(
    engine: Engine, api: ControlPlane
) -> None:
    engine.up(service())
    assert ops(engine.up(service("registry.example/cart:2"))) == [("update", "cart")]
    live = api.services.get("cart")
    # Right after `up`: the new image runs on every instance, not the old Ready.
    assert live.status is not None and live.status.summary == "Ready"
    assert live.status.mapped_image == "registry.example/cart:2"
    assert engine.stack_outputs["status"] == "Ready"


def test_a_restart_is_ready_when_the_platform_applied_it(engine: Engine, api: ControlPlane) -> None:
    engine.up(service())
    at = "2026-12-01T10:00:00Z"
    engine.up(service(restart_requested=at))
    live = api.services.get("cart")
    assert live.status is not None and live.status.last_applied_restart_time == at


def test_a_label_only_change_finishes_after_the_settle_window(
    engine: Engine, api: ControlPlane
) -> None:
    engine.up(service())
    generation = api.services.get("cart").metadata.generation
    assert ops(engine.up(service(labels={"team": "cart"}))) == [("update", "cart")]
    live = api.services.get("cart")
    assert live.metadata.labels == {"team": "cart"}
    assert live.metadata.generation == generation  # metadata only: nothing to roll
    assert engine.stack_outputs["status"] == "Ready"
    state = engine.load()
    (cart,) = [r for r in state.values() if r["outputs"].get("name") == "cart"]
    assert cart["outputs"]["last_write"]["rollout"] is False


def test_after_adding_a_missing_secret_the_next_up_succeeds(engine: Engine) -> None:
    def program(with_secret: bool) -> Any:
        def run() -> None:
            if with_secret:
                kalix.Secret("db-creds", data={"password": "hunter2"})
            kalix.Service(
                "cart",
                image="registry.example/cart:1",
                secret_env={"DB_PASSWORD": "db-creds/password"},
                wait_timeout=30,
            )

        return run

    with pytest.raises(EngineError) as err:
        engine.up(program(False))
    assert 'secret "db-creds" not found' in str(err.value)
    steps = engine.up(program(True))  # the service itself is unchanged
    assert ops(steps) == [("create", "db-creds"), ("same", "cart")]


def test_a_route_status_is_derived_from_its_conditions(
    engine: Engine, server: KalixLocalServer, api: ControlPlane
) -> None:
    def program(wait_for_dns: bool) -> Any:
        def run() -> None:
            svc = kalix.Service("cart", image="registry.example/cart:1")
            host = kalix.Hostname("shop", hostname="shop.example.com")
            route = kalix.Route(
                "shop",
                hostname=host.hostname,
                paths={"/": svc.name},
                wait_for_dns=wait_for_dns,
                dns_timeout=20,
            )
            pulumi.export("route", route.status)

        return run

    engine.up(program(False))
    assert engine.stack_outputs["route"] == "DnsNotVerified"
    server.admin("PUT", "/dns/records", {"shop.example.com": "us-east1.kalix.app"})
    server.admin("POST", "/dns/recheck")
    engine.up(program(True))
    assert engine.stack_outputs["route"] == "Ready"
    live = api.routes.get("shop")
    assert live.status is not None and route_summary(live.status.conditions) == "Ready"
    assert "summary" not in live.status.to_wire()


def test_fields_set_by_other_tools_survive_an_up(
    engine: Engine, server: KalixLocalServer, api: ControlPlane
) -> None:
    engine.up(service())
    # What the akka CLI or the console may have set, written by hand as curl would.
    url = server.url + server.api_path("kalixservices", "cart", project=api.project)
    headers = {"authorization": f"Bearer {api.current_token()}"}
    body = httpx.get(url, headers=headers).json()
    spec = body["spec"]
    spec["replication"] = {"mode": "replicated-read"}
    spec["resources"]["runtime"] = {"mode": "embedded"}
    spec["jwt"] = {"keySets": [{"jwksUrl": "https://id.example/jwks", "issuer": "id"}]}
    spec["labels"] = {"tier": "gold"}
    spec["annotations"] = {"note": "by hand"}
    spec["telemetry"] = {"resourceAttributes": ["tier"]}  # a key of the spec labels
    spec["resourceSync"] = {"mode": "regional"}
    spec["containers"][0]["volumeMounts"] = [
        {"mountPath": "/var/vault", "externalSecret": {"provider": "vault"}},
        {"mountPath": "/var/token", "workloadIdentityToken": {"audience": "a", "path": "t"}},
    ]
    answer = httpx.put(url, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    hand = answer.json()["spec"]

    engine.up(service("registry.example/cart:2", tracing=True))
    live = api.services.get("cart").spec.to_wire()
    assert live["containers"][0]["image"] == "registry.example/cart:2"
    for key in ("replication", "jwt", "labels", "annotations", "resourceSync"):
        assert live[key] == hand[key], key
    assert live["resources"]["runtime"] == {"mode": "embedded"}
    assert live["telemetry"]["resourceAttributes"] == ["tier"]
    assert live["telemetry"]["tracing"] == {"enabled": True}
    assert live["containers"][0]["volumeMounts"] == hand["containers"][0]["volumeMounts"]
    # Refresh reads no drift from fields the program does not manage.
    assert ops(engine.refresh()) == [("same", "cart")]
