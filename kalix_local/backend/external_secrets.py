"""External secrets: where a service's mounted secrets live in a cloud secret store.

The spec holds no secret value and no credential, so it is stored and shown as given.
The published ``ExternalSecretStatus`` has only ``resourceSyncStatus`` and nothing here
syncs regions, so external secrets have no status.
"""

from __future__ import annotations

from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.store import Tx
from pulumi_kalix.api import EXTERNAL_SECRET_PROVIDERS, ExternalSecret


def _aws_causes(aws: Any) -> Causes:
    objects = aws.get("objects") if isinstance(aws, dict) else None
    if not isinstance(objects, list):
        return []  # the model reports the shape
    causes: Causes = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            continue
        # OAS: "Optional if an ARN was specified in Name, required otherwise."
        if obj.get("type") is None and not obj["name"].startswith("arn:"):
            causes.append(
                (
                    f"spec.aws.objects[{i}].type",
                    "is required unless name is an ARN (secretsmanager or ssmparameter)",
                )
            )
    return causes


class ExternalSecretBackend(ObjectBackend):
    kind = "ExternalSecret"
    plural = "externalsecrets"
    model = ExternalSecret

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        given = [p for p in EXTERNAL_SECRET_PROVIDERS if spec.get(p) is not None]
        if len(given) != 1:
            # OAS requires none of them; one store per object is our assumption.
            names = ", ".join(f"spec.{p}" for p in EXTERNAL_SECRET_PROVIDERS)
            return [("spec", f"must set exactly one of {names} (got {len(given)})")]
        return _aws_causes(spec.get("aws"))
