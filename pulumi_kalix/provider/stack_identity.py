"""The `StackIdentity` resource's provider: a random id made once per stack, kept in
its state, and never sent anywhere but into the claims of the stack's objects (see
:mod:`pulumi_kalix.claims`). No API calls: it works offline and costs one local step.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider

from ..claims import new_id

STACK_ID_KEY = "stack_id"


class StackIdentityProvider(ResourceProvider):
    serialize_as_secret_always = False  # it captures nothing secret

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Never changes: a new id would make every object of the stack look foreign.
        return DiffResult(changes=False, replaces=[], stables=[STACK_ID_KEY])

    def create(self, props: dict[str, Any]) -> CreateResult:
        stack_id = new_id()
        return CreateResult(stack_id, {STACK_ID_KEY: stack_id})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {STACK_ID_KEY: props.get(STACK_ID_KEY) or id_})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # nothing remote to remove
