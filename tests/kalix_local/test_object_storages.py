"""Object storages (`kalixobjectstorages`): the published shape, the verbs, schema errors
as a Kubernetes `Status`, and the `ObjectStorageConfigValid` condition."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, secret

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "kalixobjectstorages"
MERGE = {"Content-Type": "application/merge-patch+json"}
S3 = {
    "name": "media",
    "bucket": "acme-media",
    "provider": "s3",
    "region": "eu-west-1",
    "endpointUrl": "https://s3.eu-west-1.example",
    "credentials": {
        "type": "static",
        "accessKeyId": {"name": "s3-creds", "key": "id"},
        "secretAccessKey": {"name": "s3-creds", "key": "secret"},
    },
}
GCS = {"name": "exports", "bucket": "acme-exports", "provider": "gcs"}


def object_storage(name: str, *buckets: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixObjectStorage",
        "metadata": {"name": name},
        "spec": {"buckets": list(buckets), **spec},
    }


def config_valid(obj: dict[str, Any]) -> dict[str, Any]:
    [cond] = [c for c in obj["status"]["conditions"] if c["type"] == "ObjectStorageConfigValid"]
    return dict(cond)


def test_every_published_field_is_kept_and_a_resolved_config_is_valid(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(
        kalix.api_path("kalixsecrets"),
        json=secret("s3-creds", "generic", {"id": "a", "secret": "b"}),
    )
    body = object_storage("default", S3, GCS, resourceSync={"mode": "regional"})
    response = api.post(kalix.api_path(PLURAL), json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "KalixObjectStorage"
    assert created["spec"] == body["spec"]
    cond = config_valid(created)
    assert cond["status"] == "True" and cond["observedGeneration"] == 1
    assert {"reason", "message", "lastTransitionTime"} <= set(cond)
    assert len(created["status"]["configHash"]) == 64
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "KalixObjectStorageList" and listed["items"] == [created]


def test_a_missing_secret_or_key_makes_the_config_invalid(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(kalix.api_path(PLURAL), json=object_storage("default", S3)).json()
    cond = config_valid(created)
    assert cond["status"] == "False" and cond["reason"] == "SecretNotFound"
    assert 'spec.buckets[0].credentials.accessKeyId: secret "s3-creds" not found' in cond["message"]
    assert "configHash" not in created["status"]
    api.post(kalix.api_path("kalixsecrets"), json=secret("s3-creds", "generic", {"id": "a"}))
    patched = api.patch(
        kalix.api_path(PLURAL, "default"), json={"spec": {"buckets": [S3, GCS]}}, headers=MERGE
    ).json()
    cond = config_valid(patched)
    assert cond["status"] == "False" and cond["observedGeneration"] == 2
    assert 'secret "s3-creds" has no key "secret"' in cond["message"]
    # Once the key exists, the next write of the object (here: a label) finds it valid.
    creds = secret("s3-creds", "generic", {"id": "a", "secret": "b"})
    current = api.get(kalix.api_path("kalixsecrets", "s3-creds")).json()
    creds["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    assert api.put(kalix.api_path("kalixsecrets", "s3-creds"), json=creds).status_code == 200
    labelled = api.patch(
        kalix.api_path(PLURAL, "default"), json={"metadata": {"labels": {"a": "b"}}}, headers=MERGE
    ).json()
    assert config_valid(labelled)["status"] == "True"
    assert labelled["metadata"]["generation"] == 2  # a status change is no new generation


@pytest.mark.parametrize(
    ("bucket", "fragment"),
    [
        ({**S3, "region": None}, "spec.buckets[0].region: is required for provider s3"),
        (
            {"name": "b", "bucket": "x", "provider": "azure-blob"},
            "spec.buckets[0].credentials: is required for provider azure-blob",
        ),
        (
            {**GCS, "credentials": {"type": "static"}},
            "spec.buckets[0].credentials.type: 'static' is not for provider gcs",
        ),
        (
            {**GCS, "credentials": {"type": "service-account-key"}},
            "serviceAccountKey: is required for credentials type service-account-key",
        ),
    ],
    ids=["s3-region", "azure-credentials", "wrong-mode", "mode-fields"],
)
def test_rules_of_the_published_descriptions_are_reported_in_the_condition(
    kalix: KalixLocalServer, api: httpx.Client, bucket: dict[str, Any], fragment: str
) -> None:
    bucket = {k: v for k, v in bucket.items() if v is not None}
    created = api.post(kalix.api_path(PLURAL), json=object_storage("default", bucket)).json()
    cond = config_valid(created)
    assert cond["status"] == "False" and cond["reason"] == "InvalidBucketConfig"
    assert fragment in cond["message"], cond["message"]


def test_duplicate_bucket_names_are_reported(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(kalix.api_path(PLURAL), json=object_storage("default", GCS, GCS)).json()
    assert (
        "spec.buckets[1].name: 'exports' is used by another bucket"
        in config_valid(created)["message"]
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"buckets": []}, "spec.buckets"),
        ({}, "spec.buckets"),
        ({"buckets": [{**GCS, "provider": "ftp"}]}, "spec.buckets[0].provider"),
        ({"buckets": [{**GCS, "name": "Media_1"}]}, "spec.buckets[0].name"),
        ({"buckets": [{**GCS, "name": "a" * 43}]}, "spec.buckets[0].name"),
        ({"buckets": [{**GCS, "bucket": ""}]}, "spec.buckets[0].bucket"),
        (
            {"buckets": [{**GCS, "credentials": {"type": "magic"}}]},
            "spec.buckets[0].credentials.type",
        ),
        ({"buckets": [{**GCS, "region ": "x"}]}, "spec.buckets[0].region "),
    ],
    ids=["empty", "missing", "provider", "pattern", "length", "bucket", "mode", "typo"],
)
def test_schema_errors_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str
) -> None:
    body = {**object_storage("default"), "spec": spec}
    response = api.post(kalix.api_path(PLURAL), json=body)
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["kind"] == "KalixObjectStorage"
    assert field in {c["field"] for c in status["details"]["causes"]}, status


def test_replace_and_delete(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(kalix.api_path(PLURAL), json=object_storage("default", GCS)).json()
    body = object_storage("default", {**GCS, "bucket": "acme-exports-2"})
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = api.put(kalix.api_path(PLURAL, "default"), json=body).json()
    assert replaced["spec"]["buckets"][0]["bucket"] == "acme-exports-2"
    assert config_valid(replaced)["observedGeneration"] == 2
    deleted = api.delete(kalix.api_path(PLURAL, "default"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert_status(api.get(kalix.api_path(PLURAL, "default")), 404, "NotFound")
