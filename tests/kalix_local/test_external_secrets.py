"""External secrets (`externalsecrets`): the published shape, the verbs, and validation
errors as a Kubernetes `Status` naming each bad field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "externalsecrets"
MERGE = {"Content-Type": "application/merge-patch+json"}
AWS = {
    "objects": [
        {
            "name": "prod/db",
            "type": "secretsmanager",
            "alias": "db.json",
            "filePermission": 288,
            "jmesPath": [{"path": "password", "alias": "db-password"}],
        },
        {"name": "arn:aws:ssm:eu-west-1:123456789012:parameter/api-key"},
    ]
}
GCP = {
    "projectId": "acme-prod",
    "location": "europe-west1",
    "objects": [{"name": "db-password", "path": "db/password", "version": "3"}],
}
AZURE = {
    "clientId": "00000000-0000-0000-0000-000000000001",
    "tenantId": "00000000-0000-0000-0000-000000000002",
    "keyVaultName": "acme-vault",
    "cloudName": "AzurePublicCloud",
    "objects": [{"name": "tls", "type": "cert", "format": "pem", "versionHistory": 2}],
}


def external_secret(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "ExternalSecret",
        "metadata": {"name": name},
        "spec": spec,
    }


def causes(response: httpx.Response) -> dict[str, str]:
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["kind"] == "ExternalSecret"
    return {c["field"]: c["message"] for c in status["details"]["causes"]}


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_every_published_field_is_stored_and_shown_unchanged(
    kalix: KalixLocalServer, api: httpx.Client, provider: str
) -> None:
    spec = {provider: {"aws": AWS, "gcp": GCP, "azure": AZURE}[provider]}
    spec["resourceSync"] = {"mode": "global"}
    response = api.post(kalix.api_path(PLURAL), json=external_secret("store", **spec))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "ExternalSecret" and created["apiVersion"] == "kalix.io/v1alpha1"
    assert created["spec"] == spec
    assert "status" not in created  # only resourceSyncStatus is published: nothing to say
    assert api.get(kalix.api_path(PLURAL, "store")).json() == created
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "ExternalSecretList" and listed["items"] == [created]


def test_replace_patch_and_delete(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(kalix.api_path(PLURAL), json=external_secret("store", gcp=GCP)).json()
    body = external_secret("store", gcp={**GCP, "projectId": "acme-dev"})
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = api.put(kalix.api_path(PLURAL, "store"), json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["spec"]["gcp"]["projectId"] == "acme-dev"
    assert replaced.json()["metadata"]["generation"] == 2
    # A merge patch that swaps the store: null removes gcp, so exactly one is left.
    patched = api.patch(
        kalix.api_path(PLURAL, "store"), json={"spec": {"gcp": None, "aws": AWS}}, headers=MERGE
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["spec"] == {"aws": AWS}
    deleted = api.delete(kalix.api_path(PLURAL, "store"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert deleted.json()["details"]["uid"] == created["metadata"]["uid"]
    assert_status(api.get(kalix.api_path(PLURAL, "store")), 404, "NotFound")


def test_a_second_create_of_the_name_is_already_exists(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(kalix.api_path(PLURAL), json=external_secret("store", gcp=GCP))
    response = api.post(kalix.api_path(PLURAL), json=external_secret("store", aws=AWS))
    assert_status(response, 409, "AlreadyExists")


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({}, "spec", "exactly one of spec.aws, spec.gcp, spec.azure (got 0)"),
        ({"aws": AWS, "gcp": GCP}, "spec", "(got 2)"),
        ({"aws": {"objects": [{"name": "db"}]}}, "spec.aws.objects[0].type", "unless name"),
        (
            {"aws": {"objects": [{"name": "db", "type": "vault"}]}},
            "spec.aws.objects[0].type",
            "secretsmanager",
        ),
        (
            {"aws": {"objects": [{"name": "db", "type": "ssmparameter", "filePermission": 512}]}},
            "spec.aws.objects[0].filePermission",
            "511",
        ),
        ({"gcp": {"objects": []}}, "spec.gcp.projectId", "required"),
        (
            {"azure": {**AZURE, "objects": [{"name": "x", "type": "blob"}]}},
            "spec.azure.objects[0].type",
            "cert",
        ),
        ({"gcp": {**GCP, "region": "eu"}}, "spec.gcp.region", "unknown field"),
    ],
    ids=[
        "none",
        "two",
        "aws-type",
        "aws-type-enum",
        "permission",
        "gcp-project",
        "azure-type",
        "typo",
    ],
)
def test_bad_specs_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str, fragment: str
) -> None:
    found = causes(api.post(kalix.api_path(PLURAL), json=external_secret("store", **spec)))
    assert field in found and fragment in found[field], found
    assert api.get(kalix.api_path(PLURAL)).json()["items"] == []
