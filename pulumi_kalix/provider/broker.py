"""CRUD of `KalixBroker` objects for the `Broker` resource.

A broker holds no secret values: its credentials are references to keys of
`kalix.Secret`s (the Kafka password, a GCP key, an Event Hubs connection string or SAS
token), so its inputs are plain and refresh reads them back for drift.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    BROKER_TYPES,
    BrokerAzureEventHubs,
    BrokerGooglePubSub,
    BrokerKafka,
    BrokerSpec,
    KalixBroker,
    ObjectMeta,
    WireModel,
    WireValidationError,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown, type_name

#: The input of each type's block, and its wire model.
BLOCKS: dict[str, tuple[str, type[WireModel]]] = {
    "kafka": ("kafka", BrokerKafka),
    "google-pubsub": ("google_pubsub", BrokerGooglePubSub),
    "eventhubs": ("azure_event_hubs", BrokerAzureEventHubs),
}
#: Published as mutually exclusive, per block input: (workload identity, secret).
EXCLUSIVE = {
    "google_pubsub": ("workload_identity", "gcp_key_secret"),
    "azure_event_hubs": ("workload_identity", "connection_string_secret"),
}
USER_KEYS = ("name", "type", "description", "kafka", "google_pubsub", "azure_event_hubs")
EXAMPLE = (
    "type='kafka', kafka={'servers': ['kafka.internal:9092'], 'username': 'svc', "
    "'auth_mechanism': 'SCRAM-SHA-512', 'password_secret': {'name': 'kafka', 'key': 'pw'}}"
)


def _given(block: dict[str, Any], snake: str) -> Any:
    # Snake or camel keys are both accepted (as in the other kinds).
    head, *rest = snake.split("_")
    return block.get(snake, block.get(head + "".join(w.title() for w in rest)))


def block_failures(prop: str, model: type[WireModel], value: Any) -> list[CheckFailure]:
    if is_unknown(value):
        return []
    if not isinstance(value, dict):
        return [failure(prop, f"{prop} must be a map such as {EXAMPLE}")]
    try:
        strict_validate(model, value, prefix=prop)
    except WireValidationError as exc:
        return [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    if prop in EXCLUSIVE:
        identity, secret = EXCLUSIVE[prop]
        if _given(value, identity) not in (None, False) and _given(value, secret):
            return [failure(f"{prop}.{identity}", f"{prop}: set {identity} or {secret}, not both")]
    return []


class BrokerProvider(ObjectProvider[KalixBroker]):
    """The published conditions of a broker have no documented types: nothing is
    awaited; `auth_method` and `conditions` are outputs as the platform reports them."""

    noun = "broker"
    diff_keys = USER_KEYS
    input_keys = USER_KEYS
    collection = "brokers"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        kind = news.get("type")
        description = news.get("description")
        if (
            description is not None
            and not is_unknown(description)
            and not isinstance(description, str)
        ):
            out.append(failure("description", f"must be a string, got {type_name(description)}"))
        if is_unknown(kind):
            return out
        if kind not in BROKER_TYPES:
            out.append(
                failure("type", f"type must be one of {', '.join(BROKER_TYPES)}, got {kind!r}")
            )
            return out
        wanted, model = BLOCKS[str(kind)]
        for other, _ in BLOCKS.values():
            if other != wanted and news.get(other) is not None:
                out.append(failure(other, f"{other} is only read when type is not {kind!r}"))
        if news.get(wanted) is None:
            out.append(failure(wanted, f"{wanted} is required when type is {kind!r}: {EXAMPLE}"))
        else:
            out += block_failures(wanted, model, news[wanted])
        return out

    def normalize(self, news: Props) -> Props:
        # The wire form (camelCase, no nulls) in state: what refresh reads back compares.
        for prop, model in BLOCKS.values():
            value = news.get(prop)
            if isinstance(value, dict) and not is_unknown(value):
                news[prop] = model.model_validate(value).to_wire()
        return news

    def desired(self, props: Props, current: KalixBroker | None) -> KalixBroker:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        if current is not None:
            spec = current.spec.model_copy(deep=True)
            spec.type = props["type"]
        else:
            spec = BrokerSpec(type=props["type"])
        spec.description = props.get("description") or None
        kafka, pubsub, hubs = (props.get(p) for p, _ in BLOCKS.values())
        spec.kafka = BrokerKafka.model_validate(kafka) if kafka else None
        spec.google_pub_sub = BrokerGooglePubSub.model_validate(pubsub) if pubsub else None
        spec.azure_event_hubs = BrokerAzureEventHubs.model_validate(hubs) if hubs else None
        return KalixBroker(metadata=meta, spec=spec)

    def inputs_from(self, obj: KalixBroker) -> Props | None:
        spec = obj.spec
        return {
            "name": obj.metadata.name,
            "type": spec.type,
            "description": spec.description,
            "kafka": spec.kafka.to_wire() if spec.kafka else None,
            "google_pubsub": spec.google_pub_sub.to_wire() if spec.google_pub_sub else None,
            "azure_event_hubs": spec.azure_event_hubs.to_wire() if spec.azure_event_hubs else None,
        }

    def outputs(self, obj: KalixBroker, props: Props) -> Props:
        status = obj.status
        return {
            **(self.inputs_from(obj) or {}),
            "auth_method": (status.auth_method if status else None) or "",
            "conditions": [c.to_wire() for c in (status.conditions or [])] if status else [],
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
