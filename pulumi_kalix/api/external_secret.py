"""`ExternalSecret` (`externalsecrets`): secrets a service mounts from a cloud secret
store (AWS Secrets Manager / SSM, GCP Secret Manager, Azure Key Vault).

The spec names where the secrets live, never their values, and holds no credential: the
platform reads them with the service's workload identity. A service mounts one with a
volume mount `externalSecret {provider: <name>}`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, ObjectList, ObjectMeta
from .sync import ResourceSync

#: The provider blocks of `ExternalSecretSpec`. OAS makes none of them required; that a
#: spec has exactly one is our assumption (a volume mount names one ExternalSecret as its
#: `provider`, so the object stands for one secret store).
EXTERNAL_SECRET_PROVIDERS: tuple[str, ...] = ("aws", "gcp", "azure")
AWS_OBJECT_TYPES: tuple[str, ...] = ("secretsmanager", "ssmparameter")
AZURE_OBJECT_TYPES: tuple[str, ...] = ("cert", "key", "secret")
#: OAS `filePermission`: "an octal value between 0000 and 0777 or a decimal value between
#: 0 and 511" (JSON carries the decimal).
MAX_FILE_PERMISSION = 0o777

FilePermission = Field(default=None, ge=0, le=MAX_FILE_PERMISSION)


class AwsJmesPath(WireModel):
    path: str
    alias: str
    file_permission: int | None = FilePermission


class AwsObject(WireModel):
    #: A friendly name or a full ARN; `type` is required unless it is an ARN.
    name: str
    type: Literal["secretsmanager", "ssmparameter"] | None = None
    alias: str | None = None
    version: str | None = None
    version_label: str | None = None
    file_permission: int | None = FilePermission
    jmes_path: list[AwsJmesPath] | None = None


class AwsExternalSecret(WireModel):
    objects: list[AwsObject]


class GcpObject(WireModel):
    name: str
    path: str
    location: str | None = None
    project_id: str | None = None
    version: str | None = None
    file_permission: int | None = FilePermission


class GcpExternalSecret(WireModel):
    project_id: str
    objects: list[GcpObject]
    location: str | None = None


class AzureObject(WireModel):
    name: str
    type: Literal["cert", "key", "secret"]
    alias: str | None = None
    format: str | None = None
    encoding: str | None = None
    version: str | None = None
    version_history: int | None = None
    file_permission: int | None = FilePermission


class AzureExternalSecret(WireModel):
    client_id: str
    tenant_id: str
    key_vault_name: str
    objects: list[AzureObject]
    cloud_name: str | None = None


class ExternalSecretSpec(WireModel):
    aws: AwsExternalSecret | None = None
    gcp: GcpExternalSecret | None = None
    azure: AzureExternalSecret | None = None
    resource_sync: ResourceSync | None = None


class ExternalSecretStatus(WireModel):
    """The published `ExternalSecretStatus`: only `resourceSyncStatus` (nothing that
    says the secrets were found)."""

    resource_sync_status: dict[str, Any] | None = None


class ExternalSecret(WireModel):
    api_version: str = API_VERSION
    kind: Literal["ExternalSecret"] = "ExternalSecret"
    metadata: ObjectMeta
    spec: ExternalSecretSpec
    status: ExternalSecretStatus | None = None


class ExternalSecretList(ObjectList[ExternalSecret]):
    kind: str = "ExternalSecretList"
