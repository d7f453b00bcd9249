"""Services: CRUD, validation, rollouts, observedGeneration, pause, failure, soft delete."""

from __future__ import annotations

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    assert_status,
    condition,
    get_json,
    secret,
    service,
    wait_for_summary,
    wait_until,
)


@pytest.fixture
def api(kalix: KalixLocalServer) -> httpx.Client:
    with kalix.client() as client:
        yield client


def path(kalix: KalixLocalServer, name: str = "") -> str:
    return kalix.api_path("kalixservices", name)


def test_create_service__starts_rolling(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(path(kalix), json=service("cart", min_instances=2))
    assert response.status_code == 201
    obj = response.json()
    meta = obj["metadata"]
    assert meta["name"] == "cart" and meta["namespace"] == kalix.project_id()
    assert meta["generation"] == 1 and meta["uid"] and meta["resourceVersion"]
    assert meta["creationTimestamp"].endswith("Z")
    assert obj["status"]["summary"] == "UpdateInProgress"
    assert obj["status"]["replicas"] == 0
    progressing = condition(obj, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "NewInstancesRolling")
    assert progressing["message"] == "0/2 instances updated"


def test_create_service__becomes_ready(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    obj = wait_for_summary(api, path(kalix, "cart"), "Ready")
    assert obj["status"]["replicas"] == 2
    assert obj["status"]["observedGeneration"] == 1
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
    assert updated["status"]["summary"] == "UpdateInProgress"
    assert updated["status"]["observedGeneration"] == 1
    replicas: list[int] = []

    def fetch() -> dict[str, object]:
        current = get_json(api, path(kalix, "cart"))
        replicas.append(current["status"]["replicas"])
        return current

    final = wait_until(fetch, lambda o: o["status"]["summary"] == "Ready", 5.0, 0.005)
    assert final["status"]["observedGeneration"] == 2
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
    assert patched["status"]["summary"] == "UpdateInProgress"
    final = wait_for_summary(api, path(kalix, "cart"), "Ready")
    assert final["status"]["replicas"] == 3
    assert final["status"]["observedGeneration"] == 2


def test_pause_and_resume(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=service("cart", min_instances=2)).raise_for_status()
    wait_for_summary(api, path(kalix, "cart"), "Ready")
    merge = {"Content-Type": "application/merge-patch+json"}
    paused = api.patch(path(kalix, "cart"), json={"spec": {"paused": True}}, headers=merge).json()
    assert paused["status"]["summary"] == "Paused"
    assert paused["status"]["replicas"] == 0
    resumed = api.patch(path(kalix, "cart"), json={"spec": {"paused": None}}, headers=merge)
    assert resumed.json()["status"]["summary"] == "UpdateInProgress"
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
    api.post(path(kalix), json=service("cart")).raise_for_status()
    deleted = api.delete(path(kalix, "cart"))
    assert deleted.status_code == 200
    assert deleted.json()["metadata"]["deletionTimestamp"]
    assert deleted.json()["spec"]["softDeleted"]
    assert api.get(path(kalix, "cart")).status_code == 404
    assert api.get(path(kalix)).json()["items"] == []
    listed = api.get(path(kalix), params={"includeDeleted": "true"}).json()["items"]
    assert [i["metadata"]["name"] for i in listed] == ["cart"]
    restored = api.post(path(kalix, "cart") + "/restore")
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
    assert api.delete(path(kalix, "cart"), params={"hard": "true"}).status_code == 200
    assert api.get(path(kalix), params={"includeDeleted": "true"}).json()["items"] == []
    assert_status(api.post(path(kalix, "cart") + "/restore"), 404, "NotFound")


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
