"""Service configs: HOCON text a service references by name (`spec.serviceConfig`).

The published ``KalixServiceConfigStatus`` has ``conditions`` (of types the platform does
not document) and ``resourceSyncStatus``; no controller here has anything to report
about a service config, so service configs have no status. The text itself is not
parsed: the platform documents no check of it before a service loads it.
"""

from __future__ import annotations

from kalix_local.backend.objects import ObjectBackend
from pulumi_kalix.api import KalixServiceConfig


class ServiceConfigBackend(ObjectBackend):
    kind = "KalixServiceConfig"
    plural = "kalixserviceconfigs"
    model = KalixServiceConfig
