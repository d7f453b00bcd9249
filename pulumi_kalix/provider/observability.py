"""CRUD of `KalixObservability` objects (v1beta1) for the `Observability` resource.

`azureMonitor.connectionString` (the Application Insights connection string) is taken
as its own secret input (`azure_monitor_connection_string`, used by every Azure Monitor
exporter of the object) and never echoed: outputs carry a salted digest of it (itself a
secret output), so a new one is still seen by diff. Every other exporter credential is a
secret reference, plain in state; refresh reads the spec back for drift.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    Exporter,
    HeapDump,
    KalixObservability,
    LogExporter,
    MetricExporter,
    ObjectMeta,
    ObservabilitySpec,
    TraceExporter,
    TraceSampling,
    WireModel,
    WireValidationError,
    azure_monitor_paths,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown, type_name

#: Each list input, its wire key and the model of one entry.
LISTS: dict[str, type[WireModel]] = {
    "exporters": Exporter,
    "traces": TraceExporter,
    "metrics": MetricExporter,
    "logs": LogExporter,
}
BLOCKS: dict[str, tuple[str, type[WireModel]]] = {
    "trace_sampling": ("traceSampling", TraceSampling),
    "heap_dump": ("heapDump", HeapDump),
}
INPUT_KEYS = (*LISTS, *BLOCKS, "name", "log_level")
USER_KEYS = (*INPUT_KEYS, "connection_string_digest")
SECRET = "azure_monitor_connection_string"
EXAMPLE = "traces=[{'otlp': {'endpoint': 'collector.internal:4317'}}]"


def connection_string_digest(name: str, value: str) -> str:
    """A digest salted with the name; stored only as a secret output."""
    return hashlib.sha256(f"pulumi-kalix:observability:{name}:{value}".encode()).hexdigest()


def _azure_block(entry: dict[str, Any]) -> Any:
    return entry.get("azure_monitor", entry.get("azureMonitor"))


def list_failures(prop: str, value: Any) -> tuple[list[CheckFailure], bool]:
    """The failures of one exporter list, and whether it has an Azure Monitor exporter."""
    if value is None or is_unknown(value):
        return [], False
    if not isinstance(value, list):
        return [failure(prop, f"{prop} must be a list such as {EXAMPLE}")], False
    out: list[CheckFailure] = []
    azure = False
    for i, entry in enumerate(value):
        at = f"{prop}[{i}]"
        if is_unknown(entry):
            continue
        if not isinstance(entry, dict) or not entry:
            out.append(failure(at, f"{at} must be a map of one exporter such as {EXAMPLE}"))
            continue
        block = _azure_block(entry)
        if isinstance(block, dict):
            azure = True
            if "connection_string" in block or "connectionString" in block:
                out.append(
                    failure(
                        f"{at}.azure_monitor.connection_string",
                        f"pass the connection string as {SECRET}= (kept as a Pulumi "
                        "secret), not inside the exporter",
                    )
                )
                continue
        try:
            strict_validate(LISTS[prop], entry, prefix=at)
        except WireValidationError as exc:
            out += [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    return out, azure


class ObservabilityProvider(ObjectProvider[KalixObservability]):
    """The published status has `observabilityPlatform` (which internal pipelines are
    used) and `resourceSyncStatus`, no readiness: nothing is awaited."""

    noun = "observability"
    diff_keys = USER_KEYS
    input_keys = INPUT_KEYS
    collection = "observabilities"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        azure = False
        for prop in LISTS:
            found, has_azure = list_failures(prop, news.get(prop))
            out += found
            azure = azure or has_azure
        for prop, (_, model) in BLOCKS.items():
            value = news.get(prop)
            if value is None or is_unknown(value):
                continue
            if not isinstance(value, dict):
                out.append(failure(prop, f"{prop} must be a map, got {type_name(value)}"))
                continue
            try:
                strict_validate(model, value, prefix=prop)
            except WireValidationError as exc:
                out += [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
        level = news.get("log_level")
        if level is not None and not is_unknown(level) and not isinstance(level, str):
            out.append(failure("log_level", f"log_level must be a string, got {type_name(level)}"))
        secret = news.get(SECRET)
        if secret is not None and not is_unknown(secret):
            if not isinstance(secret, str) or not secret:
                # The message must not show the value.
                out.append(failure(SECRET, f"{SECRET} must be a non-empty string"))
            elif not azure:
                out.append(failure(SECRET, f"{SECRET} needs an azure_monitor exporter"))
        elif secret is None and azure:
            out.append(
                failure(SECRET, f"an azure_monitor exporter needs {SECRET}= (a Pulumi secret)")
            )
        return out

    def normalize(self, news: Props) -> Props:
        # The wire form (camelCase, no nulls) in state: what refresh reads back compares.
        for prop, model in LISTS.items():
            value = news.get(prop)
            if isinstance(value, list) and not is_unknown(value):
                news[prop] = [
                    e if is_unknown(e) else model.model_validate(e).to_wire() for e in value
                ] or None
        for prop, (_, block) in BLOCKS.items():
            value = news.get(prop)
            if isinstance(value, dict) and not is_unknown(value):
                news[prop] = block.model_validate(value).to_wire()
        secret = news.get(SECRET)
        if isinstance(secret, str) and not is_unknown(secret):
            news["connection_string_digest"] = connection_string_digest(
                str(news.get("name")), secret
            )
        elif secret is None:
            news["connection_string_digest"] = None
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        if is_unknown(news.get(SECRET)) and "connection_string_digest" not in changed:
            changed.append("connection_string_digest")
        return changed

    def desired(self, props: Props, current: KalixObservability | None) -> KalixObservability:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        wire: dict[str, Any] = {
            "resourceSync": current.spec.resource_sync.to_wire()
            if current and current.spec.resource_sync
            else None,
            "logLevel": props.get("log_level") or None,
            **{prop: props.get(prop) or None for prop in LISTS},
            **{key: props.get(prop) or None for prop, (key, _) in BLOCKS.items()},
        }
        secret = props.get(SECRET)
        for signal, i in azure_monitor_paths(wire):
            # Sent on every write: a platform that shows no connection string must not
            # lose it.
            wire[signal][i] = {**wire[signal][i], "azureMonitor": {"connectionString": secret}}
        spec = ObservabilitySpec.model_validate({k: v for k, v in wire.items() if v is not None})
        return KalixObservability(metadata=meta, spec=spec)

    def inputs_from(self, obj: KalixObservability) -> Props | None:
        wire = obj.spec.to_wire()
        for signal, i in azure_monitor_paths(wire):
            # Never into state in plain text, whatever a read gives.
            wire[signal][i]["azureMonitor"].pop("connectionString", None)
        return {
            "name": obj.metadata.name,
            "log_level": wire.get("logLevel"),
            **{prop: wire.get(prop) for prop in LISTS},
            **{prop: wire.get(key) for prop, (key, _) in BLOCKS.items()},
        }

    def outputs(self, obj: KalixObservability, props: Props) -> Props:
        status = obj.status
        platform = status.observability_platform if status else None
        return {
            **(self.inputs_from(obj) or {}),
            "connection_string_digest": props.get("connection_string_digest"),
            "observability_platform": platform.to_wire() if platform else {},
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
