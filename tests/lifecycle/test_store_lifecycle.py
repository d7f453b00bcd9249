"""`kalix.Store` through the engine: create, same, update, a new SSL password, refresh
with drift, delete, adopt, and a destroy that leaves another stack's object alone; the
SSL password never in state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.api import KalixStore
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops
from tests.lifecycle.test_ownership import messages, other_stack, state_claim

#: The derived contract (tests/contract/published-schema.json) covers services, routes and
#: secrets only; kalix-local's shapes of this kind are tested in tests/kalix_local.
PASSWORD = "client-key-passphrase"
PG = {
    "host": "db.internal",
    "database": "shop",
    "credentials": {"secret": {"name": "db-creds"}, "username_key": "user"},
    "ssl": {"mode": "verify-full", "secret": {"name": "db-tls"}, "key": "tls.key"},
}


def program(**kw: Any) -> Callable[[], None]:
    def run() -> None:
        if "in_memory" not in kw:
            kw.setdefault("postgres", PG)
            kw.setdefault("ssl_password", PASSWORD)
        store = kalix.Store("pg", **kw)
        pulumi.export("store_name", store.name)

    return run


def live(stack: Stack) -> KalixStore:
    return stack.api.stores.get("pg")


def test_create_same_update_and_the_password_stays_out_of_state(stack: Stack) -> None:
    assert ops(stack.engine.up(program())) == [("create", "pg")]
    created = live(stack)
    assert created.spec.postgres is not None and created.spec.postgres.host == "db.internal"
    claim = Claim.parse((created.metadata.annotations or {}).get(CLAIM_ANNOTATION))
    assert claim == state_claim(stack.engine, "pg")
    assert stack.engine.stack_outputs["store_name"] == "pg"
    assert ops(stack.engine.up(program())) == [("same", "pg")]
    moved = {**PG, "database": "shop2"}
    assert ops(stack.engine.up(program(postgres=moved))) == [("update", "pg")]
    assert live(stack).spec.postgres.database == "shop2"  # type: ignore[union-attr]
    # A new password alone is an update (seen through the digest), a new generation.
    generation = live(stack).metadata.generation
    steps = stack.engine.up(program(postgres=moved, ssl_password="another-passphrase"))
    assert ops(steps) == [("update", "pg")]
    assert live(stack).metadata.generation == (generation or 0) + 1
    text = stack.state_text()
    assert PASSWORD not in text and "another-passphrase" not in text
    outputs = stack.engine.outputs("pg")
    assert outputs.get("ssl_password") is None and len(outputs["ssl_password_digest"]) == 64


def test_in_memory_then_switch_to_postgres_in_place(stack: Stack) -> None:
    stack.engine.up(program(in_memory=True))
    assert live(stack).spec.in_memory is True
    uid = live(stack).metadata.uid
    assert ops(stack.engine.up(program())) == [("update", "pg")]
    now = live(stack)
    assert now.spec.in_memory is None and now.spec.postgres is not None
    assert now.metadata.uid == uid


def test_refresh_sees_a_hand_edit_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.stores.patch("pg", {"spec": {"postgres": {"port": 6432}}})
    assert ops(stack.engine.refresh()) == [("update", "pg")]
    assert stack.engine.outputs("pg")["postgres"]["port"] == 6432
    assert ops(stack.engine.up(program())) == [("update", "pg")]
    assert live(stack).spec.postgres.port is None  # type: ignore[union-attr]
    assert PASSWORD not in stack.state_text()


def test_refresh_after_a_delete_by_hand_then_destroy(stack: Stack) -> None:
    stack.engine.up(program())
    stack.api.stores.delete("pg")
    assert ops(stack.engine.refresh()) == [("deleted", "pg")]
    assert ops(stack.engine.up(program())) == [("create", "pg")]
    assert ops(stack.engine.destroy()) == [("delete", "pg")]
    assert stack.api.stores.list() == []


def test_an_existing_store_is_refused_unless_adopted(stack: Stack) -> None:
    stack.api.stores.create(
        KalixStore.model_validate({"metadata": {"name": "pg"}, "spec": {"inMemory": True}})
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(program())
    assert "store 'pg' already exists" in str(err.value)
    assert live(stack).spec.in_memory is True
    assert ops(stack.engine.up(program(adopt=True))) == [("create", "pg")]
    assert live(stack).spec.postgres is not None and live(stack).spec.in_memory is None


def test_destroy_leaves_a_store_another_stack_adopted(stack: Stack, tmp_path: Path) -> None:
    stack.engine.up(program())
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(adopt=True))
    assert ops(stack.engine.destroy()) == [("delete", "pg")]
    assert stack.api.stores.get_or_none("pg") is not None
    warnings = messages(stack.engine, "::pg", "warning")
    assert len(warnings) == 1 and "left store 'pg'" in warnings[0]
    new_home.destroy()
    assert stack.api.stores.get_or_none("pg") is None
