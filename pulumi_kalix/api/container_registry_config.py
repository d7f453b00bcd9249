"""`ContainerRegistryConfig` (`containerregistryconfigs`): the credentials used to pull
a project's images, and per-region registry mappings for multi-region projects.

Credentials are references to secrets by name (`[{name}]`), never values.
"""

from __future__ import annotations

from typing import Any, Literal

from ._base import WireModel
from .meta import API_VERSION, ObjectList, ObjectMeta
from .service import ObjectRef
from .sync import ResourceSync


class RegistryRegion(WireModel):
    #: The region's name, and the registry host to pull from there.
    name: str
    registry: str


class RegistryMapping(WireModel):
    #: The registry to match; may contain `*` (glob).
    match: str
    regions: list[RegistryRegion]


class ContainerRegistryConfigSpec(WireModel):
    credentials: list[ObjectRef] | None = None
    mappings: list[RegistryMapping] | None = None
    resource_sync: ResourceSync | None = None


class ContainerRegistryConfigStatus(WireModel):
    """Published as `ExternalSecretStatus`: only `resourceSyncStatus`."""

    resource_sync_status: dict[str, Any] | None = None


class ContainerRegistryConfig(WireModel):
    api_version: str = API_VERSION
    kind: Literal["ContainerRegistryConfig"] = "ContainerRegistryConfig"
    metadata: ObjectMeta
    spec: ContainerRegistryConfigSpec
    status: ContainerRegistryConfigStatus | None = None


class ContainerRegistryConfigList(ObjectList[ContainerRegistryConfig]):
    kind: str = "ContainerRegistryConfigList"
