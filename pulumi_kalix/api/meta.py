"""Kubernetes-style object metadata, conditions and lists shared by every kind."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import Field

from ._base import WireModel

API_VERSION = "kalix.io/v1alpha1"
API_PREFIX = "/apis/kalix.io/v1alpha1/namespaces"
#: The one published kind of another version: `kalixobservabilities`.
API_VERSION_V1BETA1 = "kalix.io/v1beta1"


def api_prefix(api_version: str) -> str:
    """The collection prefix of a kind's version (`API_PREFIX` for v1alpha1)."""
    return f"/apis/{api_version}/namespaces"


#: ``DeleteOptions`` is a Kubernetes meta type: ``v1`` (or ``meta.k8s.io/v1``), not kalix.io.
DELETE_OPTIONS_API_VERSION = "v1"

#: The ownership mark of objects deployed before claims (value: "<pulumi project>/
#: <stack>/<resource name>"): read, never written (see :mod:`pulumi_kalix.claims`).
OWNER_ANNOTATION = "pulumi-kalix.io/owner"


class ObjectMeta(WireModel):
    name: str
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class Condition(WireModel):
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None
    observed_generation: int | None = None


class Preconditions(WireModel):
    """What must still hold for a DELETE to go ahead (Kubernetes ``Preconditions``):
    the object's ``uid`` and/or ``resourceVersion``. A field left out is not checked."""

    uid: str | None = None
    resource_version: str | None = None


class DeleteOptions(WireModel):
    """The optional body of a DELETE (Kubernetes ``DeleteOptions``). Only
    ``preconditions`` matters to a Kalix client; the other published fields are here so
    that a body naming them parses (and a misspelled one does not)."""

    api_version: str | None = DELETE_OPTIONS_API_VERSION
    kind: str | None = "DeleteOptions"
    preconditions: Preconditions | None = None
    dry_run: list[str] | None = None
    grace_period_seconds: int | None = None
    orphan_dependents: bool | None = None
    propagation_policy: str | None = None
    ignore_store_read_error_with_cluster_breaking_potential: bool | None = None


class ListMeta(WireModel):
    resource_version: str | None = None


T = TypeVar("T", bound=WireModel)


class ObjectList(WireModel, Generic[T]):
    """`GET` on a collection: `{kind: <Kind>List, items, metadata{resourceVersion}}`."""

    api_version: str = API_VERSION
    kind: str
    metadata: ListMeta = Field(default_factory=ListMeta)
    items: list[T] = Field(default_factory=list)


def condition(conditions: list[Condition] | None, type_: str) -> Condition | None:
    """The condition of `type_`, if present."""
    for c in conditions or []:
        if c.type == type_:
            return c
    return None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: `None` deletes, dicts merge, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
