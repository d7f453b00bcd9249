"""Brokers: the message broker (Kafka, Google Pub/Sub, Azure Event Hubs) of a project.

Credentials are secret references only, so nothing is write-only here. The status shows
what the published descriptions define from the spec alone: ``authMethod`` ("secret" or
"workload-identity") and ``gcpProjectId`` (only when the spec sets it). Nothing here
connects to a broker, so there are no conditions (their types are not documented).
"""

from __future__ import annotations

from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.store import Record, Tx
from pulumi_kalix.api import BROKER_BLOCKS, KalixBroker

#: Published as mutually exclusive, per block: (workload identity field, secret field).
_EXCLUSIVE = {
    "googlePubSub": ("workloadIdentity", "gcpKeySecret"),
    "azureEventHubs": ("workloadIdentity", "connectionStringSecret"),
}


def _workload_identity(spec: dict[str, Any]) -> bool:
    block = spec.get(BROKER_BLOCKS.get(str(spec.get("type")), ""))
    return isinstance(block, dict) and block.get("workloadIdentity") not in (None, False)


class BrokerBackend(ObjectBackend):
    kind = "KalixBroker"
    plural = "kalixbrokers"
    model = KalixBroker

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        wanted = BROKER_BLOCKS.get(str(spec.get("type")))
        if wanted is None:
            return []  # the model names the allowed types
        causes: Causes = []
        if spec.get(wanted) is None:
            causes.append((f"spec.{wanted}", f"is required when spec.type is {spec['type']}"))
        for block in BROKER_BLOCKS.values():
            if block != wanted and spec.get(block) is not None:
                # OAS does not forbid it; a block the type never reads is our refusal.
                causes.append(
                    (f"spec.{block}", f"must not be set when spec.type is {spec['type']}")
                )
        block_value = spec.get(wanted)
        if wanted in _EXCLUSIVE and isinstance(block_value, dict):
            identity, secret = _EXCLUSIVE[wanted]
            if block_value.get(identity) not in (None, False) and block_value.get(secret):
                causes.append((f"spec.{wanted}.{identity}", f"is mutually exclusive with {secret}"))
        return causes

    def render_status(self, rec: Record) -> dict[str, Any] | None:
        spec = rec.body.get("spec") or {}
        status: dict[str, Any] = {
            "authMethod": "workload-identity" if _workload_identity(spec) else "secret"
        }
        pubsub = spec.get("googlePubSub")
        if isinstance(pubsub, dict) and pubsub.get("gcpProjectId"):
            status["gcpProjectId"] = pubsub["gcpProjectId"]
        return status
