"""`kalix.Broker`: the message broker a project's services publish to and consume from
(`kalixbrokers`): Kafka, Google Pub/Sub or Azure Event Hubs.

```python
kafka_pw = kalix.Secret("kafka", data={"password": cfg.require_secret("kafkaPassword")})
kalix.Broker("events", type="kafka", kafka={
    "servers": ["kafka.internal:9092"], "username": "svc", "auth_mechanism": "SCRAM-SHA-512",
    "password_secret": {"name": kafka_pw.name, "key": "password"}})
```
The published spec holds no secret values: every credential (the Kafka password and CA
certificate, a GCP key, an Event Hubs connection string or SAS token) is a reference to
a key of a `kalix.Secret`, whose data stays a Pulumi secret there. The conditions of a
broker have no documented types: nothing is awaited; `auth_method` ("secret" or
"workload-identity") and `conditions` are outputs as the platform reports them.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.broker import BrokerProvider


class Broker(Resource, module="kalix", name="Broker"):
    name: Output[str]
    type: Output[str]
    description: Output[str | None]
    kafka: Output[dict[str, Any] | None]
    google_pubsub: Output[dict[str, Any] | None]
    azure_event_hubs: Output[dict[str, Any] | None]
    auth_method: Output[str]
    conditions: Output[list[dict[str, Any]]]
    project: Output[str]
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        type: Input[str],
        kafka: Input[dict[str, Any]] | None = None,
        google_pubsub: Input[dict[str, Any]] | None = None,
        azure_event_hubs: Input[dict[str, Any]] | None = None,
        description: Input[str] | None = None,
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """Set `type` and the one block it reads.

        :param type: `kafka`, `google-pubsub` or `eventhubs`.
        :param kafka: `{"servers": ["host:port", ...], "username", "auth_mechanism"
            (SCRAM-SHA-256 | SCRAM-SHA-512 | PLAIN), "password_secret": {"name", "key"},
            "ca_cert_secret": {"name", "key"}}`.
        :param google_pubsub: `{"gcp_key_secret": {"name", "key"}, "gcp_project_id",
            "workload_identity": bool}` (a key secret or workload identity, not both).
        :param azure_event_hubs: `{"checkpoint_store_container_name",
            "checkpoint_store_endpoint", "checkpoint_store_sas_token_secret": {"name",
            "key"}, "connection_string_secret": {"name", "key"}, "workload_identity":
            {"fully_qualified_namespace"}}` (a connection string or workload identity).
            Blocks take snake_case or camelCase keys.
        :param description: a human-readable description.
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing broker of that name that this resource did
            not create.
        """
        refuse_import("broker", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "type": type,
            "description": description,
            "kafka": kafka,
            "google_pubsub": google_pubsub,
            "azure_event_hubs": azure_event_hubs,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(Broker, resource_name, opts),
            "auth_method": None,
            "conditions": None,
            "uid": None,
        }
        super().__init__(BrokerProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
