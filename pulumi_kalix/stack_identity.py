"""`kalix:StackIdentity`: the id that tells this stack's objects from another's.

Every program that declares a kalix resource gets one, created implicitly under the
name `kalix-stack-identity` by the first resource: it holds a random id in the stack's
state (nothing remote), which goes into the claim every object carries (see
:mod:`pulumi_kalix.claims`). Everything depends on it, so it is deleted last. Do not
delete it from state by hand: the stack's objects would then look foreign to it on the
next create (deletes still work: they compare the claims recorded in state).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import pulumi
from pulumi import Output, ResourceOptions
from pulumi.dynamic import Resource

from .claims import Claim
from .provider.stack_identity import STACK_ID_KEY, StackIdentityProvider

RESOURCE_NAME = "kalix-stack-identity"


class StackIdentity(Resource, module="kalix", name="StackIdentity"):
    stack_id: Output[str]

    def __init__(self, resource_name: str = RESOURCE_NAME) -> None:
        super().__init__(
            StackIdentityProvider(),
            resource_name,
            {STACK_ID_KEY: None},
        )


# One per program run. A real run is a process of its own; tests run programs one after
# another in one process, each on its own event loop.
_IDENTITIES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StackIdentity] = (
    weakref.WeakKeyDictionary()
)


def stack_identity() -> StackIdentity:
    loop = asyncio.get_event_loop()
    identity = _IDENTITIES.get(loop)
    if identity is None:
        identity = StackIdentity()
        _IDENTITIES[loop] = identity
    return identity


def claimant(resource_name: str, type_: str, opts: ResourceOptions | None) -> Output[str]:
    """The claimant text of a resource about to be registered: this stack's identity and
    the URN the engine will give the resource (computed by the engine's rule)."""
    from ._program import derived_outputs

    stack_id: Output[Any] = stack_identity().stack_id

    async def text(parts: list[Any]) -> str:
        return Claim(urn=str(parts[0]), stack=str(parts[1])).text()

    # One Output per resource, not the five of Output.all(...).apply(...).
    return derived_outputs((_urn(resource_name, type_, opts), stack_id), text, {"": str})[""]


def _urn(resource_name: str, type_: str, opts: ResourceOptions | None) -> Output[str] | str:
    """The engine's URN rule: children of a component are qualified by its type chain,
    children of the root stack are not. Read from the parent's URN without depending on
    the parent (a child's input may not depend on its own component: that is a cycle)."""
    parent = opts.parent if opts is not None else None
    if parent is None or parent is pulumi.runtime.get_root_resource():
        prefix = f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::"
        return f"{prefix}{type_}::{resource_name}"

    async def qualified() -> str:
        parent_urn = str(await parent.urn.future())
        return f"{parent_urn[: parent_urn.rfind('::')]}${type_}::{resource_name}"

    known: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
    known.set_result(True)
    return Output(set(), asyncio.ensure_future(qualified()), known)
