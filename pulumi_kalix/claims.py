"""Ownership claims: which resource instance of which stack holds a platform object.

A claim names three things:

- `stack`: the stack's identity, a random id created once per stack and kept in its
  state (the `kalix:StackIdentity` resource every program gets implicitly). Two stacks
  with equal project and stack names (two backends, a recreated stack) have different
  ids, so neither takes the other's objects without `adopt=True`. A copy of a stack's
  *state* (`pulumi stack export | import`) is, for us, the same stack: that is the limit.
- `urn`: the resource's URN in that stack, so a create that meets an object its own
  resource created (a replacement, or a create whose state write was lost in a crash)
  knows the object is its own.
- `instance`: a random id made by each create call, so a replacement's new state entry
  and the old entry it replaces hold different claims: deleting the old entry never
  removes the object the new entry took over.

The program sends a *claimant* (stack and URN, no instance); create adds the instance;
the object's annotation and our state's outputs carry the full claim. Delete removes an
object only while its annotation still equals the claim in our state.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from . import _keys
from .api.meta import OWNER_ANNOTATION

#: Hidden input (the claimant) and output (the full claim).
CLAIM_KEY = _keys.CLAIM_KEY
#: The annotation carrying the claim on annotated kinds (services, routes, secrets).
CLAIM_ANNOTATION = "pulumi-kalix.io/claim"
#: Before claims: "<pulumi project>/<stack>/<resource name>" (input `__owner`). Still
#: read, so stacks deployed with it can delete and update their objects; never written.
LEGACY_OWNER_ANNOTATION = OWNER_ANNOTATION
LEGACY_OWNER_KEY = "__owner"
#: The secret that holds the claims of a project's hostnames (which carry no
#: annotations): see :mod:`pulumi_kalix.provider.hostname_ledger`.
HOSTNAME_LEDGER = "pulumi-kalix-hostnames"


def new_id() -> str:
    """A random id for a stack identity or a claim instance."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Claim:
    urn: str
    stack: str
    instance: str = ""

    # -- text form: "<urn> stack:<id> [instance:<id>]" (URNs may hold spaces, never " stack:")

    def text(self) -> str:
        tail = f" instance:{self.instance}" if self.instance else ""
        return f"{self.urn} stack:{self.stack}{tail}"

    @classmethod
    def parse(cls, text: Any) -> Claim | None:
        if not isinstance(text, str):
            return None
        urn, sep, rest = text.rpartition(" stack:")
        if not sep or not urn:
            return None
        stack, _, instance = rest.partition(" instance:")
        if not stack or " " in stack or " " in instance:
            return None
        return cls(urn=urn, stack=stack, instance=instance)

    # -- relations ------------------------------------------------------------------------

    def with_new_instance(self) -> Claim:
        return replace(self, instance=new_id())

    def same_resource(self, other: Claim | None) -> bool:
        """The same resource of the same stack (any instance)."""
        return other is not None and (other.stack, other.urn) == (self.stack, self.urn)

    def holds(self, other: Claim | None) -> bool:
        """Exactly this claim: same stack, resource and instance."""
        return other is not None and self == other

    def describe(self) -> str:
        """'resource cart of stack shop/prod (identity 3f2a9c1e…)' for messages."""
        parts = self.urn.split("::")
        if len(parts) >= 4 and parts[0].startswith("urn:pulumi:"):
            stack_name = parts[0].removeprefix("urn:pulumi:")
            return (
                f"resource {parts[-1]!r} of stack {parts[1]}/{stack_name} (identity {self.stack})"
            )
        return f"{self.urn} (identity {self.stack})"


@dataclass(frozen=True)
class Holder:
    """Who an object says holds it: a claim, a pre-claims owner mark, or nobody."""

    claim: Claim | None = None
    legacy_owner: str | None = None

    @classmethod
    def of(cls, annotations: dict[str, str] | None) -> Holder:
        marks = annotations or {}
        return cls(
            claim=Claim.parse(marks.get(CLAIM_ANNOTATION)),
            legacy_owner=marks.get(LEGACY_OWNER_ANNOTATION),
        )

    @property
    def nobody(self) -> bool:
        return self.claim is None and not self.legacy_owner

    def describe(self) -> str:
        if self.claim is not None:
            return self.claim.describe()
        if self.legacy_owner:
            return f"{self.legacy_owner!r} (an owner mark from before claims)"
        return "no stack (it carries no claim)"


@dataclass(frozen=True)
class StateClaim:
    """What our state says we hold: the claim of the last create, or a pre-claims mark."""

    claim: Claim | None = None
    legacy_owner: str | None = None

    @classmethod
    def of(cls, outputs: dict[str, Any]) -> StateClaim:
        return cls(
            claim=Claim.parse(outputs.get(CLAIM_KEY)),
            legacy_owner=outputs.get(LEGACY_OWNER_KEY) or None,
        )

    def held_by_us(self, holder: Holder) -> bool:
        if self.claim is not None:
            return self.claim.holds(holder.claim)
        # A pre-claims state entry: the object is ours while it carries our old mark
        # and nothing newer claimed it.
        return (
            holder.claim is None
            and self.legacy_owner is not None
            and holder.legacy_owner == self.legacy_owner
        )


def claim_annotations(existing: dict[str, str] | None, claim: Claim | None) -> dict[str, str]:
    """Annotations with our claim written (and the pre-claims mark gone)."""
    if claim is None:
        return dict(existing or {})
    annotations = {k: v for k, v in (existing or {}).items() if k != LEGACY_OWNER_ANNOTATION}
    annotations[CLAIM_ANNOTATION] = claim.text()
    return annotations
