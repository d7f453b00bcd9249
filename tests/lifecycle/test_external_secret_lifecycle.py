"""`kalix.ExternalSecret` through the engine: create, same, update, refresh with drift,
delete, adopt, and a destroy that leaves another stack's object alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import ExternalSecret
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
GCP = {"project_id": "acme-prod", "objects": [{"name": "db-password", "path": "db/password"}]}
AWS = {"objects": [{"name": "prod/db", "type": "secretsmanager", "file_permission": 288}]}


def program(**kw: Any) -> Callable[[], None]:
    def run() -> None:
        if not {"aws", "gcp", "azure"} & set(kw):
            kw["gcp"] = GCP
        store = kalix.ExternalSecret("db-secrets", **kw)
        pulumi.export("provider_name", store.name)

    return run


def live(stack: Stack) -> ExternalSecret:
    return stack.api.external_secrets.get("db-secrets")


def claim_on(stack: Stack) -> Claim | None:
    return Claim.parse((live(stack).metadata.annotations or {}).get(CLAIM_ANNOTATION))


def test_create_same_update_and_a_new_store_in_place(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "db-secrets")]
    created = live(stack)
    assert created.spec.gcp is not None and created.spec.gcp.project_id == "acme-prod"
    assert created.spec.aws is None and created.spec.azure is None
    assert claim_on(stack) == state_claim(stack.engine, "db-secrets")
    assert stack.engine.stack_outputs["provider_name"] == "db-secrets"
    assert stack.engine.outputs("db-secrets")["gcp"]["projectId"] == "acme-prod"
    assert ops(stack.engine.up(program())) == [("same", "db-secrets")]
    moved = {**GCP, "project_id": "acme-dev"}
    assert ops(stack.engine.up(program(gcp=moved))) == [("update", "db-secrets")]
    assert live(stack).spec.gcp.project_id == "acme-dev"  # type: ignore[union-attr]
    assert ops(stack.engine.up(program(aws=AWS))) == [("update", "db-secrets")]
    now = live(stack)
    assert now.spec.gcp is None and now.spec.aws is not None
    assert now.spec.aws.objects[0].file_permission == 288
    assert now.metadata.uid == created.metadata.uid
    assert ops(stack.engine.up(program(aws=AWS))) == [("same", "db-secrets")]


def test_an_update_keeps_resource_sync(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.external_secrets.patch("db-secrets", {"spec": {"resourceSync": {"mode": "global"}}})
    stack.engine.up(program(aws=AWS))
    now = live(stack)
    assert now.spec.resource_sync is not None and now.spec.resource_sync.mode == "global"


def test_refresh_sees_a_hand_edit_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.external_secrets.patch("db-secrets", {"spec": {"gcp": {"projectId": "hand"}}})
    assert ops(stack.engine.refresh()) == [("update", "db-secrets")]
    assert stack.engine.outputs("db-secrets")["gcp"]["projectId"] == "hand"
    assert ops(stack.engine.up(program())) == [("update", "db-secrets")]
    assert live(stack).spec.gcp.project_id == "acme-prod"  # type: ignore[union-attr]


def test_refresh_after_a_delete_by_hand_then_destroy(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.external_secrets.delete("db-secrets")
    assert ops(stack.engine.refresh()) == [("deleted", "db-secrets")]
    assert ops(stack.engine.up(program())) == [("create", "db-secrets")]
    assert ops(stack.engine.destroy()) == [("delete", "db-secrets")]
    assert stack.api.external_secrets.list() == []


def test_a_bad_block_fails_before_any_call(stack: Stack) -> None:
    with pytest.raises(EngineError) as err:
        stack.engine.up(program(gcp={"objects": []}, aws=AWS))
    assert "set exactly one of aws, gcp or azure" in str(err.value)
    assert stack.api.external_secrets.list() == []


def test_an_existing_object_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.external_secrets.create(
        ExternalSecret.model_validate(
            {"metadata": {"name": "db-secrets"}, "spec": {"aws": {"objects": []}}}
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "external secret 'db-secrets' already exists" in str(err.value)
    assert live(stack).spec.aws is not None  # untouched
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "db-secrets")]
    assert live(stack).spec.aws is None and live(stack).spec.gcp is not None
    assert claim_on(stack) == state_claim(stack.engine, "db-secrets")


def test_destroy_leaves_an_object_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "db-secrets")]
    assert stack.api.external_secrets.get_or_none("db-secrets") is not None
    warnings = messages(stack.engine, "::db-secrets", "warning")
    assert len(warnings) == 1 and "left external secret 'db-secrets'" in warnings[0]
    new_home.destroy()
    assert stack.api.external_secrets.get_or_none("db-secrets") is None
