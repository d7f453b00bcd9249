"""Watch streams: synthetic ADDED, events from a resourceVersion, latency, timeout."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, route_state, service, wait_for_summary


def watch(
    api: httpx.Client,
    url: str,
    params: dict[str, Any],
    until: int,
    received: list[Any],
    done: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """Read events into ``received`` (with arrival times) until ``until`` events came or
    one event is ``done``."""
    with api.stream("GET", url, params={"watch": "true", **params}, timeout=10) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                received.append((time.monotonic(), json.loads(line)))
                if done is not None and done(received[-1][1]):
                    return
            if len(received) >= until:
                return


def test_watch__synthetic_added_then_ends(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    received: list[Any] = []
    started = time.monotonic()
    watch(
        api,
        kalix.api_path("kalixservices"),
        {"fieldSelector": "metadata.name=cart", "timeoutSeconds": 1},
        99,
        received,
    )
    assert received[0][1]["type"] == "ADDED"
    assert received[0][1]["object"]["metadata"]["name"] == "cart"
    assert 0.9 < time.monotonic() - started < 3


def test_watch__from_resource_version(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(kalix.api_path("kalixservices"), json=service("cart")).json()
    received: list[Any] = []
    watch(
        api,
        kalix.api_path("kalixservices"),
        {
            "resourceVersion": created["metadata"]["resourceVersion"],
            "fieldSelector": "metadata.name=cart",
            "timeoutSeconds": 5,
        },
        20,
        received,
        lambda e: e["object"].get("status", {}).get("summary") == "Ready",
    )
    events = [event for _, event in received]
    assert {e["type"] for e in events} == {"MODIFIED"}
    # The controller's own writes, in order: it reacts, rolls, then reports Ready.
    assert [e["object"]["status"]["summary"] for e in events] == ["UpdateInProgress", "Ready"]
    assert events[-1]["object"]["status"]["mappedImage"] == "registry.example/cart:1"


def test_watch__latency(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    wait_for_summary(api, kalix.api_path("kalixservices", "cart"), "Ready")
    version = api.get(kalix.api_path("kalixservices")).json()["metadata"]["resourceVersion"]
    received: list[Any] = []
    thread = threading.Thread(
        target=watch,
        args=(
            api,
            kalix.api_path("kalixservices"),
            {"resourceVersion": version, "timeoutSeconds": 5},
            1,
            received,
        ),
    )
    thread.start()
    time.sleep(0.3)  # the stream is open and waiting
    changed_at = time.monotonic()
    api.patch(
        kalix.api_path("kalixservices", "cart"),
        json={"metadata": {"labels": {"a": "b"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
    thread.join(timeout=6)
    arrived_at, event = received[0]
    latency = arrived_at - changed_at
    print(f"watch latency: {latency * 1000:.1f} ms")
    assert event["type"] == "MODIFIED" and event["object"]["metadata"]["labels"] == {"a": "b"}
    assert latency < 0.3


def test_watch__deleted_event(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(
        kalix.api_path("kalixsecrets"),
        json={"metadata": {"name": "s"}, "spec": {"type": "generic", "data": {"k": "dg=="}}},
    ).json()
    api.delete(kalix.api_path("kalixsecrets", "s")).raise_for_status()
    received: list[Any] = []
    watch(
        api,
        kalix.api_path("kalixsecrets"),
        {"resourceVersion": created["metadata"]["resourceVersion"], "timeoutSeconds": 2},
        1,
        received,
    )
    event = received[0][1]
    assert event["type"] == "DELETED"
    # Watchers get the object itself (published shape: no data, no key names).
    assert event["object"]["kind"] == "KalixSecret" and "status" not in event["object"]
    assert event["object"]["spec"] == {"type": "generic"}


def test_watch__routes(kalix: KalixLocalServer, api: httpx.Client) -> None:
    [host] = api.post(kalix.hostnames_path(), json={}).json()["hostnames"]
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    created = api.post(
        kalix.api_path("kalixroutes"),
        json={
            "metadata": {"name": "r"},
            "spec": {
                "host": host["name"],
                "routes": [{"prefix": "/", "route": {"service": "cart"}}],
            },
        },
    ).json()
    received: list[Any] = []
    watch(
        api,
        kalix.api_path("kalixroutes"),
        {"resourceVersion": created["metadata"]["resourceVersion"], "timeoutSeconds": 3},
        20,
        received,
        lambda e: route_state(e["object"]) == "Ready",
    )
    states = [route_state(event["object"]) for _, event in received]
    assert states == ["Validating", "Ready"]
    assert set(received[-1][1]["object"]["status"]) == {"conditions"}


def test_watch__bad_parameters(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.get(
        kalix.api_path("kalixservices"), params={"watch": "true", "fieldSelector": "spec.x=1"}
    )
    assert_status(response, 400, "BadRequest")
    response = api.get(
        kalix.api_path("kalixservices"), params={"watch": "true", "resourceVersion": "abc"}
    )
    assert_status(response, 400, "BadRequest")


def test_no_watch__watch_parameters_ignored_plain_list() -> None:
    # Like a control plane that does not offer watch: the published contract only.
    with KalixLocalServer(watch=False) as server, server.client() as api:
        for name in ("cart", "shop"):
            api.post(server.api_path("kalixservices"), json=service(name)).raise_for_status()
        params = {
            "watch": "true",
            "fieldSelector": "metadata.name=cart",
            "resourceVersion": "not-a-version",
            "timeoutSeconds": "-1",
        }
        response = api.get(server.api_path("kalixservices"), params=params)
        assert response.status_code == 200, response.text
        listing = response.json()
        assert listing["kind"] == "KalixServiceList"
        assert [i["metadata"]["name"] for i in listing["items"]] == ["cart", "shop"]
        assert listing["metadata"]["resourceVersion"]
