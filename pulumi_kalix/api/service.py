"""`KalixService` (`kalixservices`): a deployed container image and its status."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta

ServiceSummary = Literal["Ready", "UpdateInProgress", "Unavailable", "PartiallyReady", "Paused"]
SERVICE_SUMMARIES: tuple[str, ...] = (
    "Ready",
    "UpdateInProgress",
    "Unavailable",
    "PartiallyReady",
    "Paused",
)

#: Instance types the API accepts (reference §7).
INSTANCE_TYPE_PATTERN = (
    r"^(small|(general|memory|compute)\.(x-small|small|medium|large|x-large|2x-large)"
    r"|g[0-9]+\.(general|memory|compute)\.(x-small|small|medium|large|x-large|2x-large))$"
)
MIN_INSTANCES, MAX_INSTANCES = 1, 10
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: JWT algorithms of the Kalix descriptor reference (Akka renamed Ed25519 to EdDSA).
JWT_ALGORITHMS: tuple[str, ...] = (
    "HMD5",
    "HS224",
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "ES256",
    "ES384",
    "ES512",
    "Ed25519",
    "EdDSA",
)


class SecretKeyRef(WireModel):
    name: str
    key: str
    optional: bool | None = None


class EnvVarSource(WireModel):
    secret_key_ref: SecretKeyRef


class EnvVar(WireModel):
    """An environment variable: exactly one of `value` and `valueFrom`."""

    name: str = Field(pattern=ENV_NAME_PATTERN)
    value: str | None = None
    value_from: EnvVarSource | None = None


class SecretVolumeSource(WireModel):
    secret_name: str
    default_mode: int | None = None
    optional: bool | None = None


class VolumeMount(WireModel):
    mount_path: str
    secret: SecretVolumeSource | None = None


class Container(WireModel):
    name: str = "main"
    image: str = Field(min_length=1)
    env: list[EnvVar] | None = None
    volume_mounts: list[VolumeMount] | None = None


class Autoscaling(WireModel):
    min_instances: int | None = Field(default=None, ge=MIN_INSTANCES, le=MAX_INSTANCES)
    max_instances: int | None = Field(default=None, ge=MIN_INSTANCES, le=MAX_INSTANCES)
    cpu_usage_threshold: int | None = Field(default=None, ge=1, le=100)


class ServiceResources(WireModel):
    instance_type: str | None = Field(default=None, pattern=INSTANCE_TYPE_PATTERN)
    autoscaling: Autoscaling | None = None


class ObjectRef(WireModel):
    name: str


class JwtKey(WireModel):
    key_id: str
    issuer: str | None = None
    algorithm: str
    secret: ObjectRef


class Jwt(WireModel):
    keys: list[JwtKey] | None = None


class Tracing(WireModel):
    enabled: bool | None = None


class Telemetry(WireModel):
    tracing: Tracing | None = None


class ServiceSpec(WireModel):
    containers: list[Container] = Field(min_length=1)
    resources: ServiceResources | None = None
    jwt: Jwt | None = None
    telemetry: Telemetry | None = None
    paused: bool | None = None
    restart_requested: str | None = None
    soft_deleted: str | None = None

    @property
    def image(self) -> str:
        return self.containers[0].image


class ServiceStatus(WireModel):
    """The published `KalixServiceStatus`. It has no `observedGeneration`: whether the
    controller has seen a write is told by the status moving after it and by the fields
    that echo what is running (`mappedImage`, `resolvedInstanceType`, `runtimeMode`,
    `lastAppliedRestartTime`); see :mod:`pulumi_kalix.awaiting`."""

    #: Ready | UpdateInProgress | Unavailable | PartiallyReady | Paused (not an enum)
    summary: str | None = None
    replicas: int | None = None
    conditions: list[Condition] | None = None
    mapped_image: str | None = None
    resolved_instance_type: str | None = None
    runtime_mode: str | None = None
    last_applied_restart_time: str | None = None
    applied_force_apply_generation: int | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixService(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixService"] = "KalixService"
    metadata: ObjectMeta
    spec: ServiceSpec
    status: ServiceStatus | None = None


class KalixServiceList(ObjectList[KalixService]):
    kind: str = "KalixServiceList"
