"""`kalix.ServiceConfig` through the engine: create, same, update, refresh with drift,
delete, adopt, and a destroy that leaves another stack's object alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import KalixServiceConfig
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
HOCON = "shop.greeting = hello"


def program(config: str = HOCON, **kw: Any) -> Callable[[], None]:
    def run() -> None:
        cfg = kalix.ServiceConfig("cart-config", config=config, **kw)
        # The name is a plain string output: what a service's serviceConfig takes.
        pulumi.export("config_name", cfg.name.apply(lambda n: f"{n}"))

    return run


def claim_on(stack: Stack, name: str = "cart-config") -> Claim | None:
    live = stack.api.service_configs.get(name)
    return Claim.parse((live.metadata.annotations or {}).get(CLAIM_ANNOTATION))


def test_create_then_same_then_update_in_place(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "cart-config")]
    live = stack.api.service_configs.get("cart-config")
    assert live.spec.config == HOCON
    assert claim_on(stack) == state_claim(stack.engine, "cart-config")
    assert stack.engine.stack_outputs["config_name"] == "cart-config"
    outputs = stack.engine.outputs("cart-config")
    assert outputs["config"] == HOCON and outputs["uid"] == live.metadata.uid
    assert ops(stack.engine.up(program())) == [("same", "cart-config")]
    assert ops(stack.engine.up(program("shop.greeting = bye"))) == [("update", "cart-config")]
    updated = stack.api.service_configs.get("cart-config")
    assert updated.spec.config == "shop.greeting = bye"
    assert updated.metadata.uid == live.metadata.uid  # in place, not replaced


def test_an_update_keeps_fields_it_does_not_manage(stack: Stack) -> None:
    stack.engine.up(program())

    stack.api.service_configs.patch("cart-config", {"spec": {"resourceSync": {"mode": "regional"}}})
    stack.engine.up(program("x = 2"))
    live = stack.api.service_configs.get("cart-config")
    assert live.spec.config == "x = 2"
    assert live.spec.resource_sync is not None and live.spec.resource_sync.mode == "regional"


def test_refresh_sees_a_hand_edit_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.service_configs.patch("cart-config", {"spec": {"config": "edited = true"}})
    assert ops(stack.engine.refresh()) == [("update", "cart-config")]
    assert stack.engine.outputs("cart-config")["config"] == "edited = true"
    assert ops(stack.engine.up(program())) == [("update", "cart-config")]
    assert stack.api.service_configs.get("cart-config").spec.config == HOCON


def test_refresh_after_a_delete_by_hand_drops_it_and_up_recreates(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.service_configs.delete("cart-config")
    assert ops(stack.engine.refresh()) == [("deleted", "cart-config")]
    assert ops(stack.engine.up(program())) == [("create", "cart-config")]


def test_a_new_name_replaces_it_and_destroy_deletes_it(stack: Stack) -> None:
    stack.engine.up(program())
    steps = stack.engine.up(program(name="cart-config-2"))
    assert ops(steps) == [("delete-replaced", "cart-config"), ("replace", "cart-config")]
    names = [c.metadata.name for c in stack.api.service_configs.list()]
    assert names == ["cart-config-2"]
    assert ops(stack.engine.destroy()) == [("delete", "cart-config")]
    assert stack.api.service_configs.list() == []


def test_an_existing_config_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.service_configs.create(
        KalixServiceConfig.model_validate(
            {"metadata": {"name": "cart-config"}, "spec": {"config": "made = elsewhere"}}
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "service config 'cart-config' already exists" in str(err.value)
    assert "adopt=True" in str(err.value)
    assert stack.api.service_configs.get("cart-config").spec.config == "made = elsewhere"
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "cart-config")]
    live = stack.api.service_configs.get("cart-config")
    assert live.spec.config == HOCON
    assert claim_on(stack) == state_claim(stack.engine, "cart-config")
    stack.engine.destroy()
    assert stack.api.service_configs.get_or_none("cart-config") is None


def test_destroy_leaves_a_config_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "cart-config")]
    assert stack.api.service_configs.get_or_none("cart-config") is not None
    warnings = messages(stack.engine, "::cart-config", "warning")
    assert len(warnings) == 1 and "left service config 'cart-config'" in warnings[0]
    new_home.destroy()
    assert stack.api.service_configs.get_or_none("cart-config") is None
