"""The controller reacts to a spec write after ``statusLagSeconds``, not at once.

The lag is made long (60 s) to look at the stale status without any timing assumption,
then set to 0, which brings the waiting reactions forward to now.
"""

from __future__ import annotations

import httpx

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    get_json,
    route,
    route_state,
    service,
    wait_for_rollout,
    wait_for_route,
    wait_until,
)

LONG_LAG = 60
MERGE = {"Content-Type": "application/merge-patch+json"}


def set_lag(kalix: KalixLocalServer, seconds: float) -> None:
    assert (
        kalix.admin("PATCH", "/settings", {"statusLagSeconds": seconds})["statusLagSeconds"]
        == seconds
    )


def test_settings__status_lag_default_and_reset(kalix: KalixLocalServer) -> None:
    assert kalix.admin("GET", "/settings")["statusLagSeconds"] == 0.05  # the fixture's
    set_lag(kalix, 2)
    kalix.reset()
    assert kalix.admin("GET", "/settings")["statusLagSeconds"] == 0.05


def test_lag__new_service_has_no_status_until_the_controller_reacts(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    set_lag(kalix, LONG_LAG)
    created = api.post(kalix.api_path("kalixservices"), json=service("cart"))
    assert "status" not in created.json()
    assert "status" not in get_json(api, kalix.api_path("kalixservices", "cart"))
    set_lag(kalix, 0)
    wait_for_rollout(api, kalix.api_path("kalixservices", "cart"), "registry.example/cart:1")


def test_lag__update_shows_the_old_ready_status_then_rolls(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    path = kalix.api_path("kalixservices", "cart")
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    ready = wait_for_rollout(api, path, "registry.example/cart:1")
    set_lag(kalix, LONG_LAG)
    written = api.patch(
        path,
        json={"spec": {"containers": [{"name": "main", "image": "registry.example/cart:2"}]}},
        headers=MERGE,
    ).json()
    # The write's answer and a read right after it: the status of generation 1, Ready.
    assert written["metadata"]["generation"] == 2
    assert written["status"] == ready["status"]
    assert get_json(api, path)["status"] == ready["status"]
    set_lag(kalix, 0)
    rolled = wait_for_rollout(api, path, "registry.example/cart:2")
    assert rolled["status"]["replicas"] == 1


def test_lag__route_keeps_its_old_conditions_then_validates(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    [host] = api.post(kalix.hostnames_path(), json={}).json()["hostnames"]
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    path = kalix.api_path("kalixroutes", "shop")
    api.post(
        kalix.api_path("kalixroutes"), json=route("shop", host["name"], {"/": "cart"})
    ).raise_for_status()
    ready = wait_for_route(api, path, "Ready")
    set_lag(kalix, LONG_LAG)
    written = api.patch(
        path, json={"spec": {"corsPolicy": {"allowMethods": ["GET"]}}}, headers=MERGE
    ).json()
    assert written["status"] == ready["status"]
    # A service write schedules every route of the project: the lag still holds.
    api.post(kalix.api_path("kalixservices"), json=service("web")).raise_for_status()
    kalix.admin("POST", "/dns/recheck")
    current = get_json(api, path)
    assert current["status"] == ready["status"]
    assert route_state(current) == "Validating"  # conditions of generation 1
    set_lag(kalix, 0)
    # The controller first marks generation 2 Validating, then the route checker sets
    # the outcome: wait for the outcome, not for the first status of generation 2.
    validated = wait_until(
        lambda: get_json(api, path),
        lambda o: (
            [c.get("observedGeneration") for c in o["status"]["conditions"]] == [2, 2]
            and route_state(o) != "Validating"
        ),
    )
    assert route_state(validated) == "Ready"


def test_lag_off__the_write_answer_carries_the_reaction(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    set_lag(kalix, 0)
    created = api.post(kalix.api_path("kalixservices"), json=service("cart", min_instances=2))
    assert created.json()["status"]["summary"] == "UpdateInProgress"
    [host] = api.post(kalix.hostnames_path(), json={}).json()["hostnames"]
    routed = api.post(kalix.api_path("kalixroutes"), json=route("r", host["name"], {"/": "cart"}))
    conditions = {c["type"]: c for c in routed.json()["status"]["conditions"]}
    assert (conditions["HostValidation"]["status"], conditions["Ready"]["reason"]) == (
        "Unknown",
        "Validating",
    )
    wait_for_route(api, kalix.api_path("kalixroutes", "r"), "Ready")


def test_lag__from_the_command_line(tmp_path: object) -> None:
    with KalixLocalServer(status_lag_seconds=None) as server:
        assert server.admin("GET", "/settings")["statusLagSeconds"] == 0.5  # the default
    with KalixLocalServer(status_lag_seconds=7) as server:
        assert server.admin("GET", "/settings")["statusLagSeconds"] == 7
