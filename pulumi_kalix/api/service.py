"""`KalixService` (`kalixservices`): a deployed container image and its status.

The spec models follow the published schema (`ServiceSpec` and what it references in
`schemas/control-plane/openapi/api.json` of `akka/platform-api`, called OAS below): the
published names and types, enums only where OAS has one, and value rules only where the
platform documents them (the source is named next to each rule).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .sync import ResourceSync

ServiceSummary = Literal["Ready", "UpdateInProgress", "Unavailable", "PartiallyReady", "Paused"]
SERVICE_SUMMARIES: tuple[str, ...] = (
    "Ready",
    "UpdateInProgress",
    "Unavailable",
    "PartiallyReady",
    "Paused",
)

#: Instance types the API accepts (OAS `ServiceSpecResources.instanceType`).
INSTANCE_TYPE_PATTERN = (
    r"^(small|(general|memory|compute)\.(x-small|small|medium|large|x-large|2x-large)"
    r"|g[0-9]+\.(general|memory|compute)\.(x-small|small|medium|large|x-large|2x-large))$"
)
#: Kalix service descriptor reference: min/max instances 1..10, CPU threshold 1..100.
MIN_INSTANCES, MAX_INSTANCES = 1, 10
#: OAS `ServiceSpecContainerEnv.name`: "Must be a C_IDENTIFIER".
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: OAS `ServiceSpecJwtKey.algorithm` (and `allowedAlgorithms`): `EdDSA`, not the Kalix
#: descriptor's old `Ed25519`.
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
    "EdDSA",
)
JwtAlgorithm = Literal[
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
    "EdDSA",
]
#: OAS mode bits: "an octal value between 0000 and 0777 or a decimal value between 0
#: and 511" (JSON carries the decimal).
MAX_MODE_BITS = 0o777
#: OAS `workloadIdentityToken.expirationSeconds`: "Must be at least 10 minutes".
MIN_TOKEN_EXPIRATION_SECONDS = 600
#: OAS `ServiceStatus.resolvedInstanceType`: the platform default instance type.
DEFAULT_INSTANCE_TYPE = "g1.general.small"
RUNTIME_MODES: tuple[str, ...] = ("sidecar", "embedded")


_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _date_time(value: str) -> str:
    """OAS `format: date-time` (RFC 3339, e.g. `2026-11-23T18:00:00Z`); kept as given."""
    valid = _RFC3339.fullmatch(value) is not None
    if valid:
        # Fractions are dropped before parsing: only the calendar and clock are checked.
        whole = re.sub(r"\.[0-9]+", "", value.upper()).replace("Z", "+00:00")
        try:
            datetime.fromisoformat(whole)
        except ValueError:
            valid = False
    if not valid:
        raise ValueError(f"must be an RFC 3339 date-time such as 2026-11-23T18:00:00Z: {value!r}")
    return value


DateTime = Annotated[str, AfterValidator(_date_time)]


def _jwt_algorithm(value: str) -> str:
    if value not in JWT_ALGORITHMS:
        raise ValueError(f"{value!r} is not supported (allowed: {', '.join(JWT_ALGORITHMS)})")
    return value


def _mode_bits(value: int) -> int:
    if not 0 <= value <= MAX_MODE_BITS:
        raise ValueError(f"must be 0000..0777 (octal) or 0..{MAX_MODE_BITS}, got {value}")
    return value


ModeBits = Annotated[int, AfterValidator(_mode_bits)]


class ObjectRef(WireModel):
    """OAS `ServiceSpecJwtKeySecret`: a reference by name ("effectively required")."""

    name: str


class SecretKeyRef(WireModel):
    """OAS `SecretKeyRef`: one key of a secret (`name` "effectively required")."""

    name: str
    key: str
    optional: bool | None = None


class EnvVarSource(WireModel):
    # Optional in OAS, but the only source there is (the descriptor reference requires it).
    secret_key_ref: SecretKeyRef


class EnvVar(WireModel):
    """An environment variable: exactly one of `value` and `valueFrom`."""

    name: str = Field(pattern=ENV_NAME_PATTERN)
    value: str | None = None
    value_from: EnvVarSource | None = None


class SecretItem(WireModel):
    """OAS `ServiceSpecContainerVolumeMountSecretItem`: one key projected to a file."""

    key: str
    #: OAS: relative, no `..` element, not starting with `..` (checked by the server).
    path: str
    mode: ModeBits | None = None


class SecretVolumeSource(WireModel):
    # OAS leaves secretName optional; the service descriptor reference requires it.
    secret_name: str
    default_mode: ModeBits | None = None
    optional: bool | None = None
    items: list[SecretItem] | None = None


class ExternalSecretVolumeSource(WireModel):
    provider: str


class WorkloadIdentityTokenSource(WireModel):
    audience: str
    path: str
    expiration_seconds: int | None = Field(default=None, ge=MIN_TOKEN_EXPIRATION_SECONDS)


class VolumeMount(WireModel):
    #: OAS: "Must not contain ':'".
    mount_path: str = Field(pattern=r"^[^:]*$")
    secret: SecretVolumeSource | None = None
    external_secret: ExternalSecretVolumeSource | None = None
    workload_identity_token: WorkloadIdentityTokenSource | None = None


class Container(WireModel):
    # OAS requires `name`; the default is always sent, and kalix-local refuses a raw
    # body without one.
    name: str = "main"
    image: str = Field(min_length=1)
    env: list[EnvVar] | None = None
    volume_mounts: list[VolumeMount] | None = None


class Autoscaling(WireModel):
    min_instances: int | None = Field(default=None, ge=MIN_INSTANCES, le=MAX_INSTANCES)
    max_instances: int | None = Field(default=None, ge=MIN_INSTANCES, le=MAX_INSTANCES)
    cpu_usage_threshold: int | None = Field(default=None, ge=1, le=100)


class RuntimeConfig(WireModel):
    mode: Literal["sidecar", "embedded"] | None = None


class ServiceResources(WireModel):
    instance_type: str | None = Field(default=None, pattern=INSTANCE_TYPE_PATTERN)
    autoscaling: Autoscaling | None = None
    runtime: RuntimeConfig | None = None


class JwtKey(WireModel):
    """OAS `ServiceSpecJwtKey` (deprecated in favour of key sets)."""

    key_id: str
    issuer: str | None = None
    algorithm: Annotated[
        str, AfterValidator(_jwt_algorithm), Field(json_schema_extra={"enum": list(JWT_ALGORITHMS)})
    ]
    secret: ObjectRef | None = None
    #: A base64 HMAC secret inline (OAS: temporary, not recommended).
    hmac_secret_literal: str | None = None


class JwtKeySet(WireModel):
    """OAS `ServiceSpecJwtKeySet`: exactly one source (secret, externalSecret, jwksUrl,
    or OIDC discovery from the issuer)."""

    secret: SecretKeyRef | None = None
    external_secret: SecretKeyRef | None = None
    issuer: str | None = None
    jwks_url: str | None = None
    use_oidc_discovery: bool | None = None
    refresh_interval: str | None = None
    allowed_algorithms: list[JwtAlgorithm] | None = None


class Jwt(WireModel):
    keys: list[JwtKey] | None = None
    key_sets: list[JwtKeySet] | None = None


class Tracing(WireModel):
    enabled: bool | None = None


class Telemetry(WireModel):
    tracing: Tracing | None = None
    #: Keys of `spec.labels` / `spec.annotations` forwarded as OpenTelemetry attributes.
    resource_attributes: list[str] | None = None


class ReplicatedRead(WireModel):
    primary_selection_mode: (
        Literal["pinned-region", "request-region", "none", "static", "dynamic"] | None
    ) = None


class Replication(WireModel):
    mode: Literal["none", "replicated-write", "replicated-read"] | None = None
    replicated_read: ReplicatedRead | None = None


class Truststore(WireModel):
    secret: ObjectRef | None = None
    external_secret: ObjectRef | None = None
    #: OAS default: `truststore`.
    key: str | None = None
    password_key: str | None = None
    #: OAS default: `JKS`.
    type: Literal["JKS", "PKCS12"] | None = None


class ServiceTls(WireModel):
    truststore: Truststore | None = None


class AwsWorkloadIdentity(WireModel):
    role_arn: str


class GcpWorkloadIdentity(WireModel):
    gcp_service_account: str | None = None


class AzureWorkloadIdentity(WireModel):
    client_id: str
    tenant_id: str | None = None


class WorkloadIdentity(WireModel):
    aws: AwsWorkloadIdentity | None = None
    gcp: GcpWorkloadIdentity | None = None
    azure: AzureWorkloadIdentity | None = None


class ObjectStorageRef(WireModel):
    name: str = Field(min_length=1)


class StoreConfig(WireModel):
    store: ObjectRef
    database: str | None = Field(default=None, min_length=1)
    secret: ObjectRef | None = None


class ServiceSpec(WireModel):
    containers: list[Container] = Field(min_length=1)
    resources: ServiceResources | None = None
    jwt: Jwt | None = None
    telemetry: Telemetry | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    replication: Replication | None = None
    tls: ServiceTls | None = None
    workload_identity: WorkloadIdentity | None = None
    service_config: ObjectRef | None = None
    object_storage: ObjectStorageRef | None = None
    store_config: StoreConfig | None = None
    resource_sync: ResourceSync | None = None
    paused: bool | None = None
    restart_requested: DateTime | None = None
    soft_deleted: DateTime | None = None
    #: Deprecated in OAS ("the deployment is now scaled directly").
    replicas: int | None = None

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
