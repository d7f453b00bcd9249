"""CRUD of `KalixObjectStorage` objects for the `ObjectStorage` resource.

Credentials are references to keys of secrets (plain names), so the inputs are plain
and refresh reads them back for drift. After a write the provider waits for the
published `ObjectStorageConfigValid` condition of that generation and fails with its
message when it is False (a credential reference that does not resolve, ...).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    CONFIG_VALID,
    Bucket,
    Condition,
    KalixObjectStorage,
    ObjectMeta,
    ObjectStorageSpec,
    WireValidationError,
    bucket_rule_causes,
    condition,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, ProviderError, check_name, failure, is_unknown

USER_KEYS = ("name", "buckets")
DEFAULT_WAIT_TIMEOUT = 60.0
EXAMPLE = "[{'name': 'media', 'bucket': 'acme-media', 'provider': 's3', 'region': 'eu-west-1'}]"


def buckets_failures(value: Any) -> list[CheckFailure]:
    if is_unknown(value):
        return []
    if not isinstance(value, list) or not value:
        return [failure("buckets", f"buckets is required: a non-empty list such as {EXAMPLE}")]
    try:
        spec = strict_validate(ObjectStorageSpec, {"buckets": value})
    except WireValidationError as exc:
        return [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    return [failure(f, f"{f}: {m}") for f, m in bucket_rule_causes(spec.buckets, "buckets")]


def _current(obj: KalixObjectStorage | None) -> Condition | None:
    """The config condition if it was set for the object's generation (a condition
    without observedGeneration cannot be told stale: taken as current)."""
    if obj is None or obj.status is None:
        return None
    cond = condition(obj.status.conditions, CONFIG_VALID)
    generation = obj.metadata.generation
    if cond is None or (
        cond.observed_generation is not None
        and generation is not None
        and cond.observed_generation < generation
    ):
        return None
    return cond


class ObjectStorageProvider(ObjectProvider[KalixObjectStorage]):
    noun = "object storage"
    diff_keys = USER_KEYS
    input_keys = USER_KEYS
    collection = "object_storages"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name")) + buckets_failures(news.get("buckets"))
        timeout = news.get("wait_timeout")
        positive = (
            isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0
        )
        if timeout is not None and not is_unknown(timeout) and not positive:
            out.append(failure("wait_timeout", "wait_timeout must be a positive number of seconds"))
        return out

    def normalize(self, news: Props) -> Props:
        # The wire form (camelCase, no nulls) in state: what refresh reads back compares.
        buckets = news.get("buckets")
        if isinstance(buckets, list) and not is_unknown(buckets):
            news["buckets"] = [Bucket.model_validate(b).to_wire() for b in buckets]
        return news

    def desired(self, props: Props, current: KalixObjectStorage | None) -> KalixObjectStorage:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        buckets = [Bucket.model_validate(b) for b in props["buckets"]]
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        if current is not None:
            spec = current.spec.model_copy(deep=True)
            spec.buckets = buckets
        else:
            spec = ObjectStorageSpec(buckets=buckets)
        return KalixObjectStorage(metadata=meta, spec=spec)

    def written(
        self, before: KalixObjectStorage | None, after: KalixObjectStorage, props: Props
    ) -> Props:
        if props.get("wait") is not False:
            after = self._await_config(after, props)
        return super().written(before, after, props)

    def _await_config(self, obj: KalixObjectStorage, props: Props) -> KalixObjectStorage:
        name = obj.metadata.name
        timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        found = self.api(self.project_of(props)).wait_for(
            name, lambda o: o is None or _current(o) is not None, timeout=timeout
        )
        if found is None:
            raise ProviderError(f"{self.noun} {name!r} was deleted while it was being written")
        cond = _current(found)
        if cond is not None and cond.status == "False":
            raise ProviderError(
                f"{self.noun} {name!r} is not valid ({CONFIG_VALID}: {cond.reason}): "
                f"{cond.message}; fix the buckets or create the secrets they reference"
            )
        return found

    def inputs_from(self, obj: KalixObjectStorage) -> Props | None:
        return {
            "name": obj.metadata.name,
            "buckets": [b.to_wire() for b in obj.spec.buckets],
        }

    def outputs(self, obj: KalixObjectStorage, props: Props) -> Props:
        cond = _current(obj)
        status = obj.status
        return {
            **(self.inputs_from(obj) or {}),
            "config_valid": None if cond is None else cond.status == "True",
            "conditions": [c.to_wire() for c in (status.conditions or [])] if status else [],
            "config_hash": (status.config_hash if status else None) or "",
            "wait": props.get("wait", True),
            "wait_timeout": props.get("wait_timeout"),
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
