"""`kalix.Broker` through the engine: create, same, update, a switch of type, refresh
with drift, delete, adopt, and a destroy that leaves another stack's object alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import KalixBroker
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
KAFKA = {
    "servers": ["kafka.internal:9092"],
    "username": "svc",
    "auth_mechanism": "SCRAM-SHA-512",
    "password_secret": {"name": "kafka", "key": "password"},
}


def program(**kw: Any) -> Callable[[], None]:
    def run() -> None:
        kw.setdefault("type", "kafka")
        if kw["type"] == "kafka":
            kw.setdefault("kafka", KAFKA)
        broker = kalix.Broker("events", **kw)
        pulumi.export("auth_method", broker.auth_method)

    return run


def live(stack: Stack) -> KalixBroker:
    return stack.api.brokers.get("events")


def test_create_same_update_switch_refresh_and_destroy(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "events")]
    created = live(stack)
    assert created.spec.kafka is not None and created.spec.kafka.username == "svc"
    claim = Claim.parse((created.metadata.annotations or {}).get(CLAIM_ANNOTATION))
    assert claim == state_claim(stack.engine, "events")
    assert stack.engine.stack_outputs["auth_method"] == "secret"
    assert ops(stack.engine.up(program())) == [("same", "events")]
    more = {**KAFKA, "servers": ["a:9092", "b:9092"], "authMechanism": "PLAIN"}
    more.pop("auth_mechanism")
    assert ops(stack.engine.up(program(kafka=more, description="orders"))) == [("update", "events")]
    assert live(stack).spec.kafka.servers == ["a:9092", "b:9092"]  # type: ignore[union-attr]
    # A switch of type is an update in place: the same object, the other block.
    pubsub = program(type="google-pubsub", google_pubsub={"workload_identity": True})
    assert ops(stack.engine.up(pubsub)) == [("update", "events")]
    now = live(stack)
    assert now.metadata.uid == created.metadata.uid and now.spec.kafka is None
    assert stack.engine.stack_outputs["auth_method"] == "workload-identity"
    stack.api.brokers.patch("events", {"spec": {"description": "by hand"}})
    assert ops(stack.engine.refresh()) == [("update", "events")]
    assert stack.engine.outputs("events")["description"] == "by hand"
    assert ops(stack.engine.up(pubsub)) == [("update", "events")]
    assert live(stack).spec.description is None
    stack.api.brokers.delete("events")
    assert ops(stack.engine.refresh()) == [("deleted", "events")]
    assert ops(stack.engine.up(program())) == [("create", "events")]
    assert ops(stack.engine.destroy()) == [("delete", "events")]
    assert stack.api.brokers.list() == []


def test_unmanaged_resource_sync_survives_an_update(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.brokers.patch("events", {"spec": {"resourceSync": {"mode": "regional"}}})
    assert ops(stack.engine.up(program(description="orders"))) == [("update", "events")]
    sync = live(stack).spec.resource_sync
    assert sync is not None and sync.mode == "regional"


def test_bad_input_fails_before_any_call(stack: Stack) -> None:
    with pytest.raises(EngineError) as err:
        stack.engine.up(program(type="kafka", kafka={**KAFKA, "servers": []}))
    assert "kafka.servers" in str(err.value)
    assert stack.api.brokers.list() == []


def test_an_existing_broker_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.brokers.create(
        KalixBroker.model_validate(
            {
                "metadata": {"name": "events"},
                "spec": {"type": "google-pubsub", "googlePubSub": {"workloadIdentity": True}},
            }
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "broker 'events' already exists" in str(err.value)
    assert live(stack).spec.type == "google-pubsub"
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "events")]
    assert live(stack).spec.type == "kafka" and live(stack).spec.google_pub_sub is None


def test_destroy_leaves_a_broker_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "events")]
    assert stack.api.brokers.get_or_none("events") is not None
    warnings = messages(stack.engine, "::events", "warning")
    assert len(warnings) == 1 and "left broker 'events'" in warnings[0]
    new_home.destroy()
    assert stack.api.brokers.get_or_none("events") is None
