"""`kalix.ObjectStorage` through the engine: create (awaiting ObjectStorageConfigValid),
same, update, a config the platform finds invalid, refresh with drift, delete, adopt, and
a destroy that leaves another stack's object alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import KalixObjectStorage
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
GCS = {"name": "exports", "bucket": "acme-exports", "provider": "gcs"}
S3_CREDS = {
    "type": "static",
    "access_key_id": {"name": "s3-creds", "key": "id"},
    "secret_access_key": {"name": "s3-creds", "key": "secret"},
}
S3 = {
    "name": "media",
    "bucket": "acme-media",
    "provider": "s3",
    "region": "eu-west-1",
    "credentials": S3_CREDS,
}


def program(*buckets: dict[str, Any], creds: bool = True, **kw: Any) -> Callable[[], None]:
    def run() -> None:
        opts = None
        if creds:
            secret = kalix.Secret("s3-creds", data={"id": "AKIA", "secret": "shh"})
            opts = pulumi.ResourceOptions(depends_on=[secret])
        store = kalix.ObjectStorage("default", buckets=list(buckets or [GCS]), opts=opts, **kw)
        pulumi.export("valid", store.config_valid)

    return run


def live(stack: Stack) -> KalixObjectStorage:
    return stack.api.object_storages.get("default")


def test_create_awaits_the_condition_then_same_then_update(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "default"), ("create", "s3-creds")]
    assert stack.engine.stack_outputs["valid"] is True
    created = live(stack)
    assert [b.name for b in created.spec.buckets] == ["exports"]
    assert Claim.parse((created.metadata.annotations or {}).get(CLAIM_ANNOTATION)) == (
        state_claim(stack.engine, "default")
    )
    assert ops(stack.engine.up(program())) == [("same", "default"), ("same", "s3-creds")]
    assert ops(stack.engine.up(program(GCS, S3))) == [("same", "s3-creds"), ("update", "default")]
    now = live(stack)
    assert [b.name for b in now.spec.buckets] == ["exports", "media"]
    assert now.metadata.uid == created.metadata.uid
    outputs = stack.engine.outputs("default")
    assert outputs["buckets"][1]["credentials"]["accessKeyId"] == {"name": "s3-creds", "key": "id"}
    assert outputs["config_valid"] is True and len(outputs["config_hash"]) == 64
    assert "shh" not in stack.state_text() and "AKIA" not in stack.state_text()


def test_a_reference_to_a_missing_secret_fails_with_the_condition(stack: Stack) -> None:
    with pytest.raises(EngineError) as err:
        stack.engine.up(program(S3, creds=False))
    text = str(err.value)
    assert "object storage 'default' is not valid" in text
    assert "(ObjectStorageConfigValid: SecretNotFound)" in text
    assert 'secret "s3-creds" not found' in text
    # The secret made, the next up takes its own object over and finds it valid.
    stack.engine.up(program(S3))
    assert stack.engine.stack_outputs["valid"] is True


def test_refresh_sees_a_hand_edit_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.object_storages.patch(
        "default", {"spec": {"buckets": [{**GCS, "bucket": "by-hand"}]}}
    )
    steps = stack.engine.refresh()
    assert ("update", "default") in ops(steps)
    assert stack.engine.outputs("default")["buckets"][0]["bucket"] == "by-hand"
    assert ("update", "default") in ops(stack.engine.up(program()))
    assert live(stack).spec.buckets[0].bucket == "acme-exports"


def test_an_update_keeps_resource_sync_and_destroy_deletes(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.object_storages.patch("default", {"spec": {"resourceSync": {"mode": "global"}}})
    stack.engine.up(program(GCS, S3))
    sync = live(stack).spec.resource_sync
    assert sync is not None and sync.mode == "global"
    stack.api.object_storages.delete("default")
    assert ("deleted", "default") in ops(stack.engine.refresh())
    assert ("create", "default") in ops(stack.engine.up(program()))
    stack.engine.destroy()
    assert stack.api.object_storages.list() == []


def test_an_existing_object_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.object_storages.create(
        KalixObjectStorage.model_validate(
            {"metadata": {"name": "default"}, "spec": {"buckets": [{**GCS, "bucket": "old"}]}}
        )
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "object storage 'default' already exists" in str(err.value)
    assert live(stack).spec.buckets[0].bucket == "old"
    assert ("create", "default") in ops(stack.engine.up(program(adopt=True)))
    assert live(stack).spec.buckets[0].bucket == "acme-exports"


def test_destroy_leaves_an_object_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program(creds=False))
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(creds=False, adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "default")]
    assert stack.api.object_storages.get_or_none("default") is not None
    warnings = messages(stack.engine, "::default", "warning")
    assert len(warnings) == 1 and "left object storage 'default'" in warnings[0]
    new_home.destroy()
    assert stack.api.object_storages.get_or_none("default") is None
