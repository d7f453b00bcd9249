"""`kalix.Observability` (v1beta1) through the engine: create, same, update, a new Azure
Monitor connection string, refresh with drift, delete, adopt, and a destroy that leaves
another stack's object alone; the connection string never in state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import KalixObservability
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
CONNECTION = "InstrumentationKey=11111111-aaaa-bbbb-cccc-000000000000"
OTLP = {"otlp": {"endpoint": "collector.internal:4317"}}


def program(**kw: Any) -> Callable[[], None]:
    def run() -> None:
        kw.setdefault("exporters", [OTLP])
        kw.setdefault("traces", [{"azure_monitor": {}}])
        if kw["traces"] and "azure_monitor_connection_string" not in kw:
            kw["azure_monitor_connection_string"] = CONNECTION
        kalix.Observability("telemetry", **kw)

    return run


def live(stack: Stack) -> KalixObservability:
    return stack.api.observabilities.get("telemetry")


def test_create_same_update_and_the_secret_stays_out_of_state(stack: Stack) -> None:
    # kalix-local refuses an azureMonitor exporter without its connection string: the
    # create proves it was sent.
    assert ops(stack.engine.up(program())) == [("create", "telemetry")]
    created = live(stack)
    assert created.api_version == "kalix.io/v1beta1"
    assert created.spec.exporters and created.spec.exporters[0].otlp is not None
    claim = Claim.parse((created.metadata.annotations or {}).get(CLAIM_ANNOTATION))
    assert claim == state_claim(stack.engine, "telemetry")
    assert ops(stack.engine.up(program())) == [("same", "telemetry")]
    sampling = {"probabilistic": {"percentage": "10"}}
    assert ops(stack.engine.up(program(trace_sampling=sampling))) == [("update", "telemetry")]
    assert live(stack).spec.trace_sampling is not None
    # A new connection string alone is an update (seen through the digest).
    generation = live(stack).metadata.generation
    steps = stack.engine.up(
        program(trace_sampling=sampling, azure_monitor_connection_string="InstrumentationKey=2")
    )
    assert ops(steps) == [("update", "telemetry")]
    assert live(stack).metadata.generation == (generation or 0) + 1
    text = stack.state_text()
    assert CONNECTION not in text and "InstrumentationKey=2" not in text
    outputs = stack.engine.outputs("telemetry")
    assert outputs.get("azure_monitor_connection_string") is None
    assert len(outputs["connection_string_digest"]) == 64


def test_refresh_sees_a_hand_edit_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.observabilities.patch("telemetry", {"spec": {"logLevel": "debug"}})
    assert ops(stack.engine.refresh()) == [("update", "telemetry")]
    assert stack.engine.outputs("telemetry")["log_level"] == "debug"
    assert ops(stack.engine.up(program())) == [("update", "telemetry")]
    assert live(stack).spec.log_level is None
    assert CONNECTION not in stack.state_text()


def test_unmanaged_resource_sync_survives_and_delete_by_hand(stack: Stack) -> None:
    stack.engine.up(program(traces=[]))
    stack.api.observabilities.patch("telemetry", {"spec": {"resourceSync": {"mode": "regional"}}})
    assert ops(stack.engine.up(program(traces=[], log_level="info"))) == [("update", "telemetry")]
    sync = live(stack).spec.resource_sync
    assert sync is not None and sync.mode == "regional"
    stack.api.observabilities.delete("telemetry")
    assert ops(stack.engine.refresh()) == [("deleted", "telemetry")]
    assert ops(stack.engine.up(program())) == [("create", "telemetry")]
    assert ops(stack.engine.destroy()) == [("delete", "telemetry")]
    assert stack.api.observabilities.list() == []


def test_an_existing_object_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.observabilities.create(
        KalixObservability.model_validate(
            {"metadata": {"name": "telemetry"}, "spec": {"logLevel": "warn"}}
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "observability 'telemetry' already exists" in str(err.value)
    assert live(stack).spec.log_level == "warn"
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "telemetry")]
    assert live(stack).spec.log_level is None and live(stack).spec.traces


def test_destroy_leaves_an_object_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "telemetry")]
    assert stack.api.observabilities.get_or_none("telemetry") is not None
    warnings = messages(stack.engine, "::telemetry", "warning")
    assert len(warnings) == 1 and "left observability 'telemetry'" in warnings[0]
    new_home.destroy()
    assert stack.api.observabilities.get_or_none("telemetry") is None
