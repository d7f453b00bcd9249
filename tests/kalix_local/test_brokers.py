"""Brokers (`kalixbrokers`): the published shape, the verbs, the status fields defined by
the spec alone, and validation errors as a Kubernetes `Status`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "kalixbrokers"
KAFKA = {
    "type": "kafka",
    "description": "events",
    "kafka": {
        "servers": ["kafka.internal:9092"],
        "username": "svc",
        "authMechanism": "SCRAM-SHA-512",
        "passwordSecret": {"name": "kafka", "key": "password"},
    },
    "resourceSync": {"mode": "global"},
}


def broker(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixBroker",
        "metadata": {"name": name},
        "spec": spec,
    }


def test_create_get_list_replace_delete(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(kalix.api_path(PLURAL), json=broker("events", KAFKA))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "KalixBroker" and created["apiVersion"] == "kalix.io/v1alpha1"
    assert created["spec"] == KAFKA and created["status"] == {"authMethod": "secret"}
    assert api.get(kalix.api_path(PLURAL, "events")).json() == created
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "KalixBrokerList" and listed["items"] == [created]
    pubsub = {"type": "google-pubsub", "googlePubSub": {"workloadIdentity": True}}
    body = broker(
        "events", {**pubsub, "googlePubSub": {**pubsub["googlePubSub"], "gcpProjectId": "acme"}}
    )
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = api.put(kalix.api_path(PLURAL, "events"), json=body).json()
    assert replaced["status"] == {"authMethod": "workload-identity", "gcpProjectId": "acme"}
    assert replaced["metadata"]["generation"] == created["metadata"]["generation"] + 1
    deleted = api.delete(kalix.api_path(PLURAL, "events"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert_status(api.get(kalix.api_path(PLURAL, "events")), 404, "NotFound")


HUBS = {
    "checkpointStoreContainerName": "checkpoints",
    "checkpointStoreEndpoint": "https://acct.blob.core.windows.net",
}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kafka": KAFKA["kafka"]}, "spec.type"),
        ({"type": "rabbitmq"}, "spec.type"),
        ({"type": "kafka"}, "spec.kafka"),
        ({**KAFKA, "googlePubSub": {}}, "spec.googlePubSub"),
        ({"type": "kafka", "kafka": {**KAFKA["kafka"], "servers": []}}, "spec.kafka.servers"),
        (
            {"type": "kafka", "kafka": {**KAFKA["kafka"], "authMechanism": "GSSAPI"}},
            "spec.kafka.authMechanism",
        ),
        ({"type": "kafka", "kafka": {**KAFKA["kafka"], "password": "x"}}, "spec.kafka.password"),
        (
            {
                "type": "google-pubsub",
                "googlePubSub": {
                    "workloadIdentity": True,
                    "gcpKeySecret": {"name": "k", "key": "j"},
                },
            },
            "spec.googlePubSub.workloadIdentity",
        ),
        (
            {
                "type": "eventhubs",
                "azureEventHubs": {
                    **HUBS,
                    "workloadIdentity": {"fullyQualifiedNamespace": "ns.servicebus.windows.net"},
                    "connectionStringSecret": {"name": "hubs", "key": "cs"},
                },
            },
            "spec.azureEventHubs.workloadIdentity",
        ),
        (
            {"type": "eventhubs", "azureEventHubs": {"checkpointStoreEndpoint": "e"}},
            "spec.azureEventHubs.checkpointStoreContainerName",
        ),
    ],
    ids=[
        "no-type",
        "bad-type",
        "missing-block",
        "other-block",
        "no-servers",
        "mechanism",
        "password-value",
        "pubsub-both",
        "hubs-both",
        "hubs-container",
    ],
)
def test_bad_specs_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str
) -> None:
    response = api.post(kalix.api_path(PLURAL), json=broker("events", spec))
    status = assert_status(response, 422, "Invalid")
    assert field in {c["field"] for c in status["details"]["causes"]}, status
    assert api.get(kalix.api_path(PLURAL)).json()["items"] == []
