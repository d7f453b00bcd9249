"""Observabilities (v1beta1): where services export traces, metrics and logs.

``azureMonitor.connectionString`` is the one secret value: write-only, like a secret's
data. It is kept in ``internal`` by position (``traces[0]``, ...) and shown blank (the
published schema requires the field); an update without it, or with it blank, keeps the
stored one of the same position, and an ``azureMonitor`` block with neither is invalid.
The published status has only ``observabilityPlatform`` (which internal pipelines are
used) and ``resourceSyncStatus``; nothing here exports telemetry, so there is no status.
"""

from __future__ import annotations

import copy
from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.errors import Invalid
from kalix_local.store import Record, Tx
from pulumi_kalix.api import (
    API_VERSION_V1BETA1,
    SIGNAL_EXPORTERS,
    KalixObservability,
    azure_monitor_paths,
)


class ObservabilityBackend(ObjectBackend):
    kind = "KalixObservability"
    plural = "kalixobservabilities"
    model = KalixObservability
    api_version = API_VERSION_V1BETA1

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        causes: Causes = []
        for signal, allowed in SIGNAL_EXPORTERS.items():
            for i, exporter in enumerate(spec.get(signal) or []):
                if isinstance(exporter, dict) and all(exporter.get(k) is None for k in allowed):
                    # OAS requires none; an entry exporting nowhere is our refusal.
                    causes.append((f"spec.{signal}[{i}]", "must set one of " + ", ".join(allowed)))
        return causes

    def split_spec(
        self, spec: dict[str, Any], old: Record | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        shown = copy.deepcopy(spec)
        kept = (old.internal.get("connectionStrings") or {}) if old is not None else {}
        strings: dict[str, str] = {}
        missing: Causes = []
        for signal, i in azure_monitor_paths(shown):
            block = shown[signal][i]["azureMonitor"]
            at = f"{signal}[{i}]"
            given = block.pop("connectionString", None)
            if given:
                strings[at] = given
            elif at in kept:
                strings[at] = kept[at]  # write-only: kept when left out
            else:
                missing.append((f"spec.{at}.azureMonitor.connectionString", "Required value"))
        if missing:
            raise Invalid(self.kind, old.name if old is not None else "", missing)
        return shown, {"connectionStrings": strings}

    def render_spec(self, rec: Record) -> dict[str, Any]:
        # Published as required: shown blank, never the value (a blank one written back
        # keeps the stored one).
        spec = copy.deepcopy(super().render_spec(rec))
        for signal, i in azure_monitor_paths(spec):
            spec[signal][i]["azureMonitor"]["connectionString"] = ""
        return spec

    def spec_state(self, rec: Record) -> Any:
        return (rec.body.get("spec"), rec.internal.get("connectionStrings"))

    def patch_base(self, rec: Record) -> dict[str, Any]:
        obj = super().patch_base(rec)
        obj["spec"] = copy.deepcopy(obj["spec"])  # the stored spec must never get the value
        strings = rec.internal.get("connectionStrings") or {}
        for signal, i in azure_monitor_paths(obj["spec"]):
            if f"{signal}[{i}]" in strings:
                block = obj["spec"][signal][i]["azureMonitor"]
                block["connectionString"] = strings[f"{signal}[{i}]"]
        return obj

    def render_status(self, rec: Record) -> dict[str, Any] | None:
        return None
