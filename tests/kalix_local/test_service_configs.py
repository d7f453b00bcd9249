"""Service configs (`kalixserviceconfigs`): the published shape, the verbs, and
validation errors as a Kubernetes `Status` naming each bad field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "kalixserviceconfigs"
MERGE = {"Content-Type": "application/merge-patch+json"}
HOCON = 'akka.javasdk.dev-mode.enabled = false\nshop.greeting = "hello"\n'


def service_config(name: str, config: Any = HOCON, **spec: Any) -> dict[str, Any]:
    body_spec = {**spec} if config is None else {"config": config, **spec}
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixServiceConfig",
        "metadata": {"name": name},
        "spec": body_spec,
    }


def causes(response: httpx.Response) -> dict[str, str]:
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["kind"] == "KalixServiceConfig"
    return {c["field"]: c["message"] for c in status["details"]["causes"]}


def test_create_get_list_have_the_published_shape(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    response = api.post(kalix.api_path(PLURAL), json=service_config("cart-config"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["apiVersion"] == "kalix.io/v1alpha1"
    assert created["kind"] == "KalixServiceConfig"
    assert created["spec"] == {"config": HOCON}
    assert "status" not in created  # nothing here reports on a config
    meta = created["metadata"]
    assert meta["name"] == "cart-config" and meta["generation"] == 1
    assert {"uid", "resourceVersion", "creationTimestamp", "namespace"} <= set(meta)
    assert api.get(kalix.api_path(PLURAL, "cart-config")).json() == created
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "KalixServiceConfigList"
    assert listed["apiVersion"] == "kalix.io/v1alpha1"
    assert "resourceVersion" in listed["metadata"]
    assert listed["items"] == [created]


def test_a_second_create_of_the_name_is_already_exists(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    assert api.post(kalix.api_path(PLURAL), json=service_config("c")).status_code == 201
    response = api.post(kalix.api_path(PLURAL), json=service_config("c", "other = 1"))
    status = assert_status(response, 409, "AlreadyExists")
    assert status["details"]["name"] == "c"
    assert api.get(kalix.api_path(PLURAL, "c")).json()["spec"]["config"] == HOCON


def test_replace_needs_the_version_and_bumps_the_generation(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(kalix.api_path(PLURAL), json=service_config("c")).json()
    body = service_config("c", "shop.greeting = bye")
    missing = api.put(kalix.api_path(PLURAL, "c"), json=body)
    assert causes(missing) == {"metadata.resourceVersion": "must be specified for an update"}
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = api.put(kalix.api_path(PLURAL, "c"), json=body)
    assert replaced.status_code == 200, replaced.text
    obj = replaced.json()
    assert obj["spec"] == {"config": "shop.greeting = bye"}
    assert obj["metadata"]["generation"] == 2
    assert obj["metadata"]["uid"] == created["metadata"]["uid"]
    stale = api.put(kalix.api_path(PLURAL, "c"), json=body)  # the old version again
    assert_status(stale, 409, "Conflict")


def test_merge_patch_keeps_resource_sync(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = service_config("c", resourceSync={"mode": "regional"})
    assert api.post(kalix.api_path(PLURAL), json=body).status_code == 201
    patched = api.patch(
        kalix.api_path(PLURAL, "c"), json={"spec": {"config": "x = 2"}}, headers=MERGE
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["spec"] == {"config": "x = 2", "resourceSync": {"mode": "regional"}}


def test_delete_answers_a_status_and_frees_the_name(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    uid = api.post(kalix.api_path(PLURAL), json=service_config("c")).json()["metadata"]["uid"]
    response = api.delete(kalix.api_path(PLURAL, "c"))
    assert response.status_code == 200, response.text
    status = response.json()
    assert status["kind"] == "Status" and status["status"] == "Success"
    assert status["details"]["name"] == "c" and status["details"]["uid"] == uid
    assert_status(api.get(kalix.api_path(PLURAL, "c")), 404, "NotFound")
    assert api.get(kalix.api_path(PLURAL)).json()["items"] == []
    assert api.post(kalix.api_path(PLURAL), json=service_config("c")).status_code == 201


def test_delete_with_a_stale_precondition_is_a_conflict(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(kalix.api_path(PLURAL), json=service_config("c"))
    options = {"preconditions": {"uid": "not-the-uid"}}
    response = api.request("DELETE", kalix.api_path(PLURAL, "c"), json=options)
    assert_status(response, 409, "Conflict")
    assert api.get(kalix.api_path(PLURAL, "c")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (service_config("c", None), "spec.config"),
        (service_config("c", ""), "spec.config"),
        (service_config("c", 5), "spec.config"),
        (service_config("c", configs="typo = 1"), "spec.configs"),
        (service_config("c", resourceSync={"mode": "everywhere"}), "spec.resourceSync.mode"),
        (service_config("Not_A_Name"), "metadata.name"),
    ],
    ids=["missing", "empty", "number", "unknown-field", "sync-mode", "name"],
)
def test_bad_bodies_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    found = causes(api.post(kalix.api_path(PLURAL), json=body))
    assert field in found, found
    assert api.get(kalix.api_path(PLURAL)).json()["items"] == []
