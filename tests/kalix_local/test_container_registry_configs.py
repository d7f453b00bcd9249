"""Container registry configs (`containerregistryconfigs`): the published shape, the
verbs, and validation errors as a Kubernetes `Status`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "containerregistryconfigs"
SPEC = {
    "credentials": [{"name": "ghcr-pull"}],
    "mappings": [
        {
            "match": "registry.example/*",
            "regions": [{"name": "gcp-us-east1", "registry": "us.registry.example"}],
        }
    ],
    "resourceSync": {"mode": "global"},
}


def config(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "ContainerRegistryConfig",
        "metadata": {"name": name},
        "spec": spec,
    }


def test_create_get_list_replace_delete(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(kalix.api_path(PLURAL), json=config("registries", SPEC))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "ContainerRegistryConfig" and created["spec"] == SPEC
    assert "status" not in created
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "ContainerRegistryConfigList" and listed["items"] == [created]
    body = config("registries", {"credentials": [{"name": "other-pull"}]})
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = api.put(kalix.api_path(PLURAL, "registries"), json=body).json()
    assert replaced["spec"] == {"credentials": [{"name": "other-pull"}]}
    deleted = api.delete(kalix.api_path(PLURAL, "registries"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert_status(api.get(kalix.api_path(PLURAL, "registries")), 404, "NotFound")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"credentials": [{"name": ""}]}, "spec.credentials[0].name"),
        ({"mappings": [{"regions": []}]}, "spec.mappings[0].match"),
        (
            {"mappings": [{"match": "x", "regions": [{"name": "r"}]}]},
            "spec.mappings[0].regions[0].registry",
        ),
        ({"credentials": [{"name": "a", "key": "b"}]}, "spec.credentials[0].key"),
    ],
    ids=["empty-name", "match", "registry", "typo"],
)
def test_bad_specs_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str
) -> None:
    response = api.post(kalix.api_path(PLURAL), json=config("registries", spec))
    status = assert_status(response, 422, "Invalid")
    assert field in {c["field"] for c in status["details"]["causes"]}, status
