"""`kalix.ContainerRegistryConfig` through the engine: create, same, update, refresh
with drift, delete, adopt, and a destroy that leaves another stack's object alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import ContainerRegistryConfig
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
MAPPING = {
    "match": "registry.example/*",
    "regions": [{"name": "gcp-us-east1", "registry": "us.registry.example"}],
}


def program(**kw: Any) -> Callable[[], None]:
    def run() -> None:
        kw.setdefault("credentials", ["ghcr-pull"])
        kw.setdefault("mappings", [MAPPING])
        kalix.ContainerRegistryConfig("registries", **kw)

    return run


def live(stack: Stack) -> ContainerRegistryConfig:
    return stack.api.container_registry_configs.get("registries")


def test_create_same_update_refresh_and_destroy(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "registries")]
    created = live(stack)
    assert [r.name for r in created.spec.credentials or []] == ["ghcr-pull"]
    claim = Claim.parse((created.metadata.annotations or {}).get(CLAIM_ANNOTATION))
    assert claim == state_claim(stack.engine, "registries")
    assert ops(stack.engine.up(program())) == [("same", "registries")]
    assert ops(stack.engine.up(program(credentials=["a", "b"]))) == [("update", "registries")]
    assert [r.name for r in live(stack).spec.credentials or []] == ["a", "b"]
    stack.api.container_registry_configs.patch("registries", {"spec": {"credentials": None}})
    assert ops(stack.engine.refresh()) == [("update", "registries")]
    assert stack.engine.outputs("registries").get("credentials") is None
    assert ops(stack.engine.up(program(credentials=["a", "b"]))) == [("update", "registries")]
    assert live(stack).metadata.uid == created.metadata.uid
    stack.api.container_registry_configs.delete("registries")
    assert ops(stack.engine.refresh()) == [("deleted", "registries")]
    assert ops(stack.engine.up(program())) == [("create", "registries")]
    assert ops(stack.engine.destroy()) == [("delete", "registries")]
    assert stack.api.container_registry_configs.list() == []


def test_an_existing_object_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.container_registry_configs.create(
        ContainerRegistryConfig.model_validate(
            {"metadata": {"name": "registries"}, "spec": {"credentials": [{"name": "old"}]}}
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "container registry config 'registries' already exists" in str(err.value)
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "registries")]
    assert [r.name for r in live(stack).spec.credentials or []] == ["ghcr-pull"]


def test_destroy_leaves_an_object_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "registries")]
    assert stack.api.container_registry_configs.get_or_none("registries") is not None
    warnings = messages(stack.engine, "::registries", "warning")
    assert len(warnings) == 1 and "left container registry config 'registries'" in warnings[0]
    new_home.destroy()
    assert stack.api.container_registry_configs.get_or_none("registries") is None
