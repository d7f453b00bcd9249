"""Services: CRUD, validation, rollouts, status echo fields, pause, failure, soft delete."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    assert_deleted_status,
    assert_status,
    condition,
    get_json,
    secret,
    service,
    wait_for_rollout,
    wait_for_summary,
    wait_until,
)

MERGE = {"Content-Type": "application/merge-patch+json"}
CONDITION_FIELDS = {"type", "status", "reason", "message", "lastTransitionTime"}


@pytest.fixture
def api(kalix: KalixLocalServer) -> httpx.Client:
    with kalix.client() as client:
        yield client


def path(kalix: KalixLocalServer, name: str = "") -> str:
    return kalix.api_path("kalixservices", name)


def test_create_service__starts_rolling(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("PATCH", "/settings", {"rolloutStepSeconds": 30})  # stay at 0/2 instances
    response = api.post(path(kalix), json=service("cart", min_instances=2))
    assert response.status_code == 201
    created = response.json()
    meta = created["metadata"]
    assert meta["name"] == "cart" and meta["namespace"] == kalix.project_id()
    assert meta["generation"] == 1 and meta["uid"] and meta["resourceVersion"]
    assert meta["creationTimestamp"].endswith("Z")
    assert "status" not in created  # the controller has not looked yet
    obj = wait_until(lambda: get_json(api, path(kalix, "cart")), lambda o: "status" in o)
    assert obj["status"]["summary"] == "UpdateInProgress"
    assert obj["status"]["replicas"] == 0
    assert "mappedImage" not in obj["status"]  # nothing runs yet
    progressing = condition(obj, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "NewInstancesRolling")
    assert progressing["message"] == "0/2 instances updated"


def test_create_service__becomes_ready(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Ready")
    assert obj["status"] == {
        "summary": "Ready",
        "replicas": 2,
        "conditions": obj["status"]["conditions"],
        "mappedImage": "registry.example/cart:1",
        "resolvedInstanceType": "g1.general.small",  # the published platform default
        "runtimeMode": "sidecar",
    }
    assert all(set(c) == CONDITION_FIELDS for c in obj["status"]["conditions"])
    ready = condition(obj, "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "AllInstancesReady")
    assert condition(obj, "Progressing")["reason"] == "RolloutComplete"


def test_create_service__already_exists(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart")).raise_for_status()
    response = api.post(path(kalix), json=service("cart"))
    assert_status(response, 409, "AlreadyExists", 'kalixservices "cart" already exists')


def test_get_service__not_found(kalix: KalixLocalServer, api: httpx.Client) -> None:
    assert_status(api.get(path(kalix, "nope")), 404, "NotFound", 'kalixservices "nope" not found')


def test_create_service__invalid_names_every_field(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = service("Bad_Name", image="", min_instances=5)
    body["spec"]["resources"]["autoscaling"]["maxInstances"] = 2
    body["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    body["spec"]["containers"][0]["env"] = [
        {"name": "A", "value": "1"},
        {"name": "A", "value": "2"},
        {"name": "B"},
    ]
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    fields = {c["field"] for c in status["details"]["causes"]}
    assert fields == {
        "metadata.name",
        "spec.containers[0].image",
        "spec.containers[0].imagePullPolicy",
        "spec.resources.autoscaling.minInstances",
        "spec.containers[0].env[1].name",
        "spec.containers[0].env[2]",
    }
    assert status["message"].startswith('KalixService "Bad_Name" is invalid: ')


def test_create_service__instances_out_of_bounds(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    status = assert_status(
        api.post(path(kalix), json=service("cart", min_instances=11)), 422, "Invalid"
    )
    assert [c["field"] for c in status["details"]["causes"]] == [
        "spec.resources.autoscaling.minInstances"
    ]


def test_replace_service__bumps_generation_and_rolls(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Ready")
    obj["spec"]["containers"][0]["image"] = "registry.example/cart:2"
    response = api.put(path(kalix, "cart"), json=obj)
    assert response.status_code == 200
    updated = response.json()
    assert updated["metadata"]["generation"] == 2
    assert updated["status"] == obj["status"]  # the controller reacts after the lag
    replicas: list[int] = []

    def fetch() -> dict[str, object]:
        current = get_json(api, path(kalix, "cart"))
        replicas.append(current["status"]["replicas"])
        return current

    final = wait_until(
        fetch, lambda o: o["status"].get("mappedImage") == "registry.example/cart:2", 5.0, 0.005
    )
    assert final["status"]["summary"] == "Ready"
    assert min(replicas) >= 1  # never below target - 1 during the rolling update


def test_replace_service__stale_resource_version(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(path(kalix), json=service("cart")).json()
    api.patch(
        path(kalix, "cart"),
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
    response = api.put(path(kalix, "cart"), json=created)
    assert_status(
        response,
        409,
        "Conflict",
        'Operation cannot be fulfilled on kalixservices "cart": the object has been modified; '
        "please apply your changes to the latest version and try again",
    )


def test_replace_service__requires_resource_version(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(path(kalix), json=service("cart")).raise_for_status()
    status = assert_status(api.put(path(kalix, "cart"), json=service("cart")), 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.resourceVersion"


def test_replace_service__name_must_match_url(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(path(kalix), json=service("cart")).json()
    created["metadata"]["name"] = "other"
    status = assert_status(api.put(path(kalix, "cart"), json=created), 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_patch_service__labels_do_not_bump_generation(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(path(kalix), json=service("cart")).json()
    response = api.patch(
        path(kalix, "cart"),
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["metadata"]["labels"] == {"team": "a"}
    assert patched["metadata"]["generation"] == 1
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_patch_service__needs_merge_patch_content_type(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(path(kalix), json=service("cart")).raise_for_status()
    response = api.patch(path(kalix, "cart"), json={"spec": {"paused": True}})
    assert_status(response, 415, "UnsupportedMediaType")


def test_list_services__label_selector(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("a", labels={"team": "x"})).raise_for_status()
    api.post(path(kalix), json=service("b", labels={"team": "y"})).raise_for_status()
    listing = api.get(path(kalix), params={"labelSelector": "team=x"}).json()
    assert listing["kind"] == "KalixServiceList"
    assert listing["apiVersion"] == "kalix.io/v1alpha1"
    assert listing["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in listing["items"]] == ["a"]


def test_scale_up__one_instance_at_a_time(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart", min_instances=1)).raise_for_status()
    wait_for_summary(api, path(kalix, "cart"), "Ready")
    patched = api.patch(
        path(kalix, "cart"),
        json={"spec": {"resources": {"autoscaling": {"minInstances": 3}}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()
    assert patched["metadata"]["generation"] == 2
    assert (patched["status"]["summary"], patched["status"]["replicas"]) == ("Ready", 1)
    final = wait_until(
        lambda: get_json(api, path(kalix, "cart")),
        lambda o: o["status"]["summary"] == "Ready" and o["status"]["replicas"] == 3,
    )
    assert final["status"]["mappedImage"] == "registry.example/cart:1"


def test_pause_and_resume(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    wait_for_summary(api, path(kalix, "cart"), "Ready")
    api.patch(path(kalix, "cart"), json={"spec": {"paused": True}}, headers=MERGE)
    paused = wait_for_summary(api, path(kalix, "cart"), "Paused")
    assert paused["status"]["replicas"] == 0
    assert paused["status"]["mappedImage"] == "registry.example/cart:1"  # what ran last
    resumed = api.patch(path(kalix, "cart"), json={"spec": {"paused": None}}, headers=MERGE)
    assert resumed.json()["status"]["summary"] == "Paused"  # until the controller reacts
    assert wait_for_summary(api, path(kalix, "cart"), "Ready")["status"]["replicas"] == 2


def test_failing_image__unavailable_with_reason(kalix: KalixLocalServer, api: httpx.Client) -> None:
    message = "Failed to pull image registry.example/broken:1"
    kalix.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*/broken:*": {"reason": "ImagePullBackOff", "message": message}}},
    )
    api.post(
        path(kalix), json=service("cart", image="registry.example/broken:1")
    ).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Unavailable")
    ready, progressing = condition(obj, "Ready"), condition(obj, "Progressing")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ImagePullBackOff",
        message,
    )
    assert (progressing["status"], progressing["reason"]) == ("False", "RolloutFailed")
    assert obj["status"]["replicas"] == 0


def test_failing_update__partially_ready(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("PATCH", "/settings", {"failImages": {"*:bad": {}}})
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Ready")
    obj["spec"]["containers"][0]["image"] = "registry.example/cart:bad"
    api.put(path(kalix, "cart"), json=obj).raise_for_status()
    failed = wait_for_summary(api, path(kalix, "cart"), "PartiallyReady")
    assert failed["status"]["replicas"] == 2
    assert condition(failed, "Progressing")["reason"] == "RolloutFailed"


def test_missing_secret_key__secret_not_found(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("db-creds", "generic", {"user": "u"})
    ).raise_for_status()
    env = [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}},
        }
    ]
    api.post(path(kalix), json=service("cart", env=env)).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Unavailable")
    ready = condition(obj, "Ready")
    assert ready["reason"] == "SecretNotFound"
    assert ready["message"] == 'secret "db-creds" has no key "password"'


def test_delete_service__soft_then_restore(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(path(kalix), json=service("cart")).json()
    deleted = assert_deleted_status(api.delete(path(kalix, "cart")), "cart", "kalixservices")
    assert deleted["details"]["uid"] == created["metadata"]["uid"]
    assert api.get(path(kalix, "cart")).status_code == 404
    assert api.get(path(kalix)).json()["items"] == []
    listed = api.get(path(kalix), params={"includeDeleted": "true"}).json()["items"]
    assert [i["metadata"]["name"] for i in listed] == ["cart"]
    assert listed[0]["metadata"]["deletionTimestamp"] and listed[0]["spec"]["softDeleted"]
    restored = api.post(
        path(kalix, "cart").replace("/apis/kalix.io/v1alpha1/", "/_local/") + "/restore"
    )
    assert restored.status_code == 200
    assert "deletionTimestamp" not in restored.json()["metadata"]
    wait_for_summary(api, path(kalix, "cart"), "Ready")


def test_delete_service__name_free_for_new_create(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    first = api.post(path(kalix), json=service("cart")).json()
    api.delete(path(kalix, "cart")).raise_for_status()
    second = api.post(path(kalix), json=service("cart"))
    assert second.status_code == 201
    assert second.json()["metadata"]["uid"] != first["metadata"]["uid"]
    assert second.json()["metadata"]["generation"] == 1


def test_delete_service__hard(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart")).raise_for_status()
    assert_deleted_status(
        api.delete(path(kalix, "cart"), params={"hard": "true"}), "cart", "kalixservices"
    )
    assert api.get(path(kalix), params={"includeDeleted": "true"}).json()["items"] == []
    local = path(kalix, "cart").replace("/apis/kalix.io/v1alpha1/", "/_local/")
    assert_status(api.post(local + "/restore"), 404, "NotFound")


def test_delete_service__absent(kalix: KalixLocalServer, api: httpx.Client) -> None:
    assert_status(
        api.delete(path(kalix, "nope")), 404, "NotFound", 'kalixservices "nope" not found'
    )


@pytest.mark.parametrize(
    ("content", "headers", "code", "reason"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "BadRequest"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, "BadRequest"),
        (
            b"name=cart",
            {"Content-Type": "application/x-www-form-urlencoded"},
            415,
            "UnsupportedMediaType",
        ),
        (b'{"metadata": 5, "spec": "x"}', {"Content-Type": "application/json"}, 422, "Invalid"),
        (b"\xff\xfe", {"Content-Type": "application/json"}, 400, "BadRequest"),
    ],
)
def test_create_service__bad_bodies_never_500(
    kalix: KalixLocalServer,
    api: httpx.Client,
    content: bytes,
    headers: dict[str, str],
    code: int,
    reason: str,
) -> None:
    assert_status(api.post(path(kalix), content=content, headers=headers), code, reason)


def test_create_service__body_over_1_mib(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = service("cart", labels={"big": "x"})
    body["metadata"]["annotations"] = {"blob": "x" * (1024 * 1024 + 10)}
    assert_status(api.post(path(kalix), json=body), 413, "RequestEntityTooLarge")


def test_request_id__echoed_and_generated(kalix: KalixLocalServer, api: httpx.Client) -> None:
    echoed = api.get(path(kalix), headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    assert api.get(path(kalix)).headers["x-request-id"]


# -- the status echoes what runs -------------------------------------------------------


def watch_until(
    api: httpx.Client, url: str, version: str, done: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The objects of the watch events after ``version`` up to the first ``done`` one."""
    seen: list[dict[str, Any]] = []
    params = {"watch": "true", "resourceVersion": version, "timeoutSeconds": 10}
    with api.stream("GET", url, params=params, timeout=15) as response:
        for line in response.iter_lines():
            if line:
                seen.append(json.loads(line)["object"])
                if done(seen[-1]) or len(seen) > 200:
                    break
    assert seen and done(seen[-1]), seen
    return seen


def test_image_change__echo_moves_when_the_rollout_finished(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    ready = wait_for_rollout(api, path(kalix, "cart"), "registry.example/cart:1")
    ready["spec"]["containers"][0]["image"] = "registry.example/cart:2"
    written = api.put(path(kalix, "cart"), json=ready).json()
    statuses = [
        o["status"]
        for o in watch_until(
            api,
            kalix.api_path("kalixservices") + "?fieldSelector=metadata.name=cart",
            written["metadata"]["resourceVersion"],
            lambda o: o["status"].get("mappedImage") == "registry.example/cart:2",
        )
    ]
    # Every status before the last still echoes the old image, rolling or not.
    assert {s["mappedImage"] for s in statuses[:-1]} == {"registry.example/cart:1"}
    assert any(s["summary"] == "UpdateInProgress" for s in statuses[:-1])
    assert statuses[-1]["summary"] == "Ready" and statuses[-1]["replicas"] == 2


def test_restart_requested__echoed_after_the_restart(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(path(kalix), json=service("cart")).raise_for_status()
    ready = wait_for_rollout(api, path(kalix, "cart"), "registry.example/cart:1")
    assert "lastAppliedRestartTime" not in ready["status"]
    stamp = "2026-11-23T18:00:00Z"
    patched = api.patch(
        path(kalix, "cart"), json={"spec": {"restartRequested": stamp}}, headers=MERGE
    ).json()
    assert patched["metadata"]["generation"] == 2
    assert "lastAppliedRestartTime" not in patched["status"]
    restarted = wait_until(
        lambda: get_json(api, path(kalix, "cart")),
        lambda o: o["status"].get("lastAppliedRestartTime") == stamp,
    )
    assert restarted["status"]["summary"] == "Ready"


@pytest.mark.parametrize(
    ("instance_type", "resolved"),
    [
        ("small", "g1.general.small"),
        ("memory.large", "g1.memory.large"),
        ("g2.compute.2x-large", "g2.compute.2x-large"),
    ],
)
def test_instance_type_and_runtime__echoed_in_canonical_form(
    kalix: KalixLocalServer, api: httpx.Client, instance_type: str, resolved: str
) -> None:
    body = service("cart")
    body["spec"]["resources"] = {"instanceType": instance_type, "runtime": {"mode": "embedded"}}
    api.post(path(kalix), json=body).raise_for_status()
    status = wait_for_summary(api, path(kalix, "cart"), "Ready")["status"]
    assert (status["resolvedInstanceType"], status["runtimeMode"]) == (resolved, "embedded")


# -- validation of the published fields -------------------------------------------------


def invalid_fields(api: httpx.Client, kalix: KalixLocalServer, body: dict[str, Any]) -> set[str]:
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    return {c["field"] for c in status["details"]["causes"]}


def test_jwt_algorithms__eddsa_accepted_ed25519_refused(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = service("cart")
    body["spec"]["jwt"] = {
        "keys": [{"keyId": "k1", "algorithm": "Ed25519", "secret": {"name": "jwt"}}],
        "keySets": [{"jwksUrl": "https://idp.example/jwks", "allowedAlgorithms": ["Ed25519"]}],
    }
    assert invalid_fields(api, kalix, body) == {
        "spec.jwt.keys[0].algorithm",
        "spec.jwt.keySets[0].allowedAlgorithms[0]",
    }
    body["spec"]["jwt"]["keys"][0]["algorithm"] = "EdDSA"
    body["spec"]["jwt"]["keySets"][0]["allowedAlgorithms"] = ["EdDSA", "RS256"]
    assert api.post(path(kalix), json=body).status_code == 201


def test_jwt_key_sets__exactly_one_source(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = service("cart")
    body["spec"]["jwt"] = {
        "keySets": [
            {"jwksUrl": "https://idp.example/jwks", "secret": {"name": "s", "key": "jwks"}},
            {"issuer": "https://idp.example"},
            {"useOidcDiscovery": True},
        ]
    }
    assert invalid_fields(api, kalix, body) == {
        "spec.jwt.keySets[0]",
        "spec.jwt.keySets[1]",
        "spec.jwt.keySets[2].issuer",
    }


def test_containers__name_required_and_unique(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = service("cart")
    body["spec"]["containers"] = [
        {"image": "registry.example/cart:1"},
        {"name": "side", "image": "registry.example/side:1"},
        {"name": "side", "image": "registry.example/side:2"},
        {"name": "Bad_Name", "image": "registry.example/side:3"},
    ]
    assert invalid_fields(api, kalix, body) == {
        "spec.containers[0].name",
        "spec.containers[2].name",
        "spec.containers[3].name",
    }


def test_telemetry_resource_attributes__from_labels_or_annotations(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = service("cart")
    body["spec"].update(
        {
            "labels": {"team": "carts", "both": "x"},
            "annotations": {"cost-center": "42", "both": "y"},
            "telemetry": {
                "resourceAttributes": ["team", "cost-center", "both", "nowhere", "k8s.x"]
            },
        }
    )
    assert invalid_fields(api, kalix, body) == {
        "spec.telemetry.resourceAttributes[2]",
        "spec.telemetry.resourceAttributes[3]",
        "spec.telemetry.resourceAttributes[4]",
    }
    body["spec"]["telemetry"]["resourceAttributes"] = ["team", "cost-center"]
    assert api.post(path(kalix), json=body).status_code == 201


def test_volume_mounts__published_rules(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = service("cart")
    body["spec"]["containers"][0]["volumeMounts"] = [
        {"mountPath": "/a:b", "secret": {"secretName": "s", "defaultMode": 512}},
        {
            "mountPath": "/certs",
            "secret": {"secretName": "s", "items": [{"key": "k", "path": "../x"}]},
        },
        {
            "mountPath": "/token",
            "workloadIdentityToken": {"audience": "a", "path": "t", "expirationSeconds": 60},
        },
        {"mountPath": "/ext", "externalSecret": {}},
    ]
    where = "spec.containers[0].volumeMounts"
    assert invalid_fields(api, kalix, body) == {
        f"{where}[0].mountPath",
        f"{where}[0].secret.defaultMode",
        f"{where}[1].secret.items[0].path",
        f"{where}[2].workloadIdentityToken.expirationSeconds",
        f"{where}[3].externalSecret.provider",
    }


@pytest.mark.parametrize("field", ["restartRequested", "softDeleted"])
def test_date_time_fields__must_be_rfc3339(
    kalix: KalixLocalServer, api: httpx.Client, field: str
) -> None:
    body = service("cart", **{field: "next tuesday"})
    assert invalid_fields(api, kalix, body) == {f"spec.{field}"}
