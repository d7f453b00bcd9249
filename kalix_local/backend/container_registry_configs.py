"""Container registry configs: pull credentials (secret references) and per-region
registry mappings. The published status (``ExternalSecretStatus``) has only
``resourceSyncStatus`` and nothing here syncs regions, so they have no status. That a
credential names an existing secret is not checked here: the platform documents no
such check at write time.
"""

from __future__ import annotations

from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.store import Tx
from pulumi_kalix.api import ContainerRegistryConfig


class ContainerRegistryConfigBackend(ObjectBackend):
    kind = "ContainerRegistryConfig"
    plural = "containerregistryconfigs"
    model = ContainerRegistryConfig

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        causes: Causes = []
        for i, ref in enumerate(spec.get("credentials") or []):
            if isinstance(ref, dict) and ref.get("name") in (None, ""):
                # OAS: "effectively required ... an empty value here is almost certainly
                # wrong"; refusing it is our choice.
                causes.append((f"spec.credentials[{i}].name", "must name a secret"))
        return causes
