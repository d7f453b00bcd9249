"""`KalixBroker` (`kalixbrokers`): the message broker a project's services publish to and
consume from (Kafka, Google Pub/Sub or Azure Event Hubs).

Credentials are references to keys of `KalixSecret`s (`SecretKeyRef`), never values:
the published spec has no field that holds a password or a key itself. The published
status has `authMethod`, `gcpProjectId`, `conditions` (no documented types) and
`resourceSyncStatus`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .service import SecretKeyRef
from .sync import ResourceSync

#: OAS `BrokerSpec.type`.
BROKER_TYPES: tuple[str, ...] = ("google-pubsub", "kafka", "eventhubs")
#: The block each type needs ("Required when type is ...").
BROKER_BLOCKS: dict[str, str] = {
    "kafka": "kafka",
    "google-pubsub": "googlePubSub",
    "eventhubs": "azureEventHubs",
}
#: OAS `BrokerSpecKafka.authMechanism`.
KAFKA_AUTH_MECHANISMS: tuple[str, ...] = ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN")


class BrokerKafka(WireModel):
    servers: list[str] = Field(min_length=1)
    username: str
    auth_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]
    password_secret: SecretKeyRef
    ca_cert_secret: SecretKeyRef | None = None


class BrokerGooglePubSub(WireModel):
    gcp_key_secret: SecretKeyRef | None = None
    gcp_project_id: str | None = None
    #: Mutually exclusive with `gcpKeySecret` (published description).
    workload_identity: bool | None = None


class EventHubsWorkloadIdentity(WireModel):
    fully_qualified_namespace: str


class BrokerAzureEventHubs(WireModel):
    checkpoint_store_container_name: str
    checkpoint_store_endpoint: str
    checkpoint_store_sas_token_secret: SecretKeyRef | None = None
    connection_string_secret: SecretKeyRef | None = None
    #: Mutually exclusive with `connectionStringSecret` (published description).
    workload_identity: EventHubsWorkloadIdentity | None = None


class BrokerSpec(WireModel):
    type: Literal["google-pubsub", "kafka", "eventhubs"]
    description: str | None = None
    kafka: BrokerKafka | None = None
    google_pub_sub: BrokerGooglePubSub | None = None
    azure_event_hubs: BrokerAzureEventHubs | None = None
    resource_sync: ResourceSync | None = None


class BrokerStatus(WireModel):
    #: "secret" or "workload-identity" (published description).
    auth_method: str | None = None
    gcp_project_id: str | None = None
    conditions: list[Condition] | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixBroker(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixBroker"] = "KalixBroker"
    metadata: ObjectMeta
    spec: BrokerSpec
    status: BrokerStatus | None = None


class KalixBrokerList(ObjectList[KalixBroker]):
    kind: str = "KalixBrokerList"
