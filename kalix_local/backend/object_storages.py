"""Object storages: the buckets a project's services may use.

Like the platform's controller, this reports in ``status.conditions`` (type
``ObjectStorageConfigValid``, with ``observedGeneration``) whether every bucket
validated — the rules the published field descriptions state: unique names, a region
for s3, credentials for azure-blob, a credential mode that fits the provider with the
fields it needs — and whether each credential reference names an existing secret that
holds that key. The check runs on every write of the object (a secret created later
is noticed at the next write, not by itself: our simplification of the controller).
``configHash`` is set when the config is valid; ``configSecretName`` is left out (no
such secret exists here).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kalix_local.backend.common import now_iso
from kalix_local.backend.objects import ObjectBackend
from kalix_local.store import Record, Tx
from pulumi_kalix.api import (
    CONFIG_VALID,
    CREDENTIAL_SECRET_FIELDS,
    KalixObjectStorage,
    ObjectStorageSpec,
    bucket_rule_causes,
)


def _reference_problems(tx: Tx, project: str, spec: ObjectStorageSpec) -> list[str]:
    problems: list[str] = []
    for i, bucket in enumerate(spec.buckets):
        wire = bucket.credentials.to_wire() if bucket.credentials else {}
        for field in CREDENTIAL_SECRET_FIELDS:
            ref = wire.get(field)
            if not isinstance(ref, dict):
                continue
            where = f"spec.buckets[{i}].credentials.{field}"
            secret = tx.get_object(project, "KalixSecret", ref["name"])
            if secret is None or secret.deleted_at is not None:
                problems.append(f'{where}: secret "{ref["name"]}" not found')
            elif ref["key"] not in (secret.internal.get("data") or {}):
                problems.append(f'{where}: secret "{ref["name"]}" has no key "{ref["key"]}"')
    return problems


class ObjectStorageBackend(ObjectBackend):
    kind = "KalixObjectStorage"
    plural = "kalixobjectstorages"
    model = KalixObjectStorage

    def on_spec_change(self, tx: Tx, rec: Record, old: Record | None) -> None:
        rec.body["status"] = self.config_status(tx, rec)

    def _update(
        self, tx: Tx, old: Record, meta: dict[str, Any], spec: dict[str, Any]
    ) -> dict[str, Any]:
        obj = super()._update(tx, old, meta, spec)
        # A write (even of metadata only) is when the controller looks again: a secret
        # the config references may exist by now.
        rec = self._live(tx, old.project, old.name)
        if self.save_status(tx, rec, self.config_status(tx, rec)):
            return self.render(rec)
        return obj

    def config_status(self, tx: Tx, rec: Record) -> dict[str, Any]:
        spec = ObjectStorageSpec.model_validate(rec.body["spec"])
        rules = [f"{f}: {m}" for f, m in bucket_rule_causes(spec.buckets, "spec.buckets")]
        references = _reference_problems(tx, rec.project, spec)
        if rules:
            state, reason, message = "False", "InvalidBucketConfig", "; ".join(rules)
        elif references:
            state, reason, message = "False", "SecretNotFound", "; ".join(references)
        else:
            state, reason, message = "True", "Valid", "every bucket is valid"
        previous = _condition(rec.body.get("status"))
        since = (
            previous["lastTransitionTime"]
            if previous is not None and previous.get("status") == state
            else now_iso()
        )
        status: dict[str, Any] = {
            "conditions": [
                {
                    "type": CONFIG_VALID,
                    "status": state,
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": since,
                    "observedGeneration": rec.generation,
                }
            ]
        }
        if state == "True":
            rendered = json.dumps(rec.body["spec"].get("buckets"), sort_keys=True)
            status["configHash"] = hashlib.sha256(rendered.encode()).hexdigest()
        return status


def _condition(status: Any) -> dict[str, Any] | None:
    for cond in (status or {}).get("conditions") or []:
        if cond.get("type") == CONFIG_VALID:
            return dict(cond)
    return None
