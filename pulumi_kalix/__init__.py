"""Kalix services, hostnames and routes as Pulumi resources.

Names are loaded lazily so that `import pulumi_kalix.api` (used by kalix-local and
the client) never imports `pulumi`.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Service": "pulumi_kalix.service",
    "Hostname": "pulumi_kalix.hostname",
    "Route": "pulumi_kalix.route",
    "PathRule": "pulumi_kalix.route",
    "HttpBasic": "pulumi_kalix.route",
    "HashedHttpBasic": "pulumi_kalix.route",
    "Secret": "pulumi_kalix.secret",
    "ServiceConfig": "pulumi_kalix.service_config",
    "ExternalSecret": "pulumi_kalix.external_secret",
    "ObjectStorage": "pulumi_kalix.object_storage",
    "Store": "pulumi_kalix.store",
    "ContainerRegistryConfig": "pulumi_kalix.container_registry_config",
    "Broker": "pulumi_kalix.broker",
    "Observability": "pulumi_kalix.observability",
    "ServiceExposure": "pulumi_kalix.exposure",
    "Project": "pulumi_kalix.project",
    "RoleBinding": "pulumi_kalix.role_binding",
    "ServiceToken": "pulumi_kalix.service_token",
    "ControlPlane": "pulumi_kalix.client",
    "AsyncControlPlane": "pulumi_kalix.client",
    "get_project": "pulumi_kalix.lookups",
    "get_regions": "pulumi_kalix.lookups",
    "get_service": "pulumi_kalix.lookups",
    "get_hostnames": "pulumi_kalix.lookups",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_kalix' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
