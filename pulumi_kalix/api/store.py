"""`KalixStore` (`kalixstores`): the data store services persist state in (in memory,
or a Postgres database), referenced by name from `KalixService.spec.storeConfig.store`.

`postgres.ssl.password` (the password of the client key) is the one secret value in the
spec. The published API does not say it is readable; kalix-local treats it as
write-only, like a secret's data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, ObjectList, ObjectMeta
from .service import ObjectRef

SSL_MODES: tuple[str, ...] = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: The backends of `StoreSpec`. OAS requires neither; that a store is exactly one of them
#: is our assumption.
STORE_KINDS: tuple[str, ...] = ("inMemory", "postgres")


class StoreObjectRef(WireModel):
    """OAS `StoreSpecPostgresCredentialsSecret`: a Kubernetes object reference."""

    name: str | None = None
    namespace: str | None = None
    kind: str | None = None
    api_version: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    field_path: str | None = None


class PostgresCredentials(WireModel):
    secret: StoreObjectRef | None = None
    username_key: str | None = None
    password_key: str | None = None
    database_key: str | None = None


class PostgresSsl(WireModel):
    secret: ObjectRef | None = None
    mode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = None
    cert: str | None = None
    root_cert: str | None = None
    key: str | None = None
    #: Write-only here (see the module docstring).
    password: str | None = None


class GoogleCloudSql(WireModel):
    instance_name: str | None = None


class Postgres(WireModel):
    host: str | None = Field(default=None, min_length=1)
    port: int | None = None
    database: str | None = None
    dialect: Literal["postgres"] | None = None
    google_cloud_sql: GoogleCloudSql | None = None
    credentials: PostgresCredentials | None = None
    ssl: PostgresSsl | None = None


class StoreSpec(WireModel):
    in_memory: bool | None = None
    postgres: Postgres | None = None


class StoreCondition(WireModel):
    """OAS `ServiceCondition` (all five fields published as required; no
    observedGeneration)."""

    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None


class StoreStatus(WireModel):
    conditions: list[StoreCondition] | None = None
    summary: str | None = None


class KalixStore(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixStore"] = "KalixStore"
    metadata: ObjectMeta
    spec: StoreSpec
    status: StoreStatus | None = None


class KalixStoreList(ObjectList[KalixStore]):
    kind: str = "KalixStoreList"
