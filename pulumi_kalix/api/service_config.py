"""`KalixServiceConfig` (`kalixserviceconfigs`): HOCON a service loads over its
`application.conf`, referenced by name from `KalixService.spec.serviceConfig`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .sync import ResourceSync


class ServiceConfigSpec(WireModel):
    #: OAS: required, a non-empty string (HOCON text, mounted as a file in the service).
    config: str = Field(min_length=1)
    resource_sync: ResourceSync | None = None


class ServiceConfigStatus(WireModel):
    """The published `KalixServiceConfigStatus`: conditions whose types are not
    documented, and `resourceSyncStatus`."""

    conditions: list[Condition] | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixServiceConfig(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixServiceConfig"] = "KalixServiceConfig"
    metadata: ObjectMeta
    spec: ServiceConfigSpec
    status: ServiceConfigStatus | None = None


class KalixServiceConfigList(ObjectList[KalixServiceConfig]):
    kind: str = "KalixServiceConfigList"
