"""`KalixObjectStorage` (`kalixobjectstorages`): the named buckets (S3, GCS, Azure Blob)
every service of a project may use; a service picks one with `spec.objectStorage.name`
(the one named "default" when it names none).

Credentials are references to keys of `KalixSecret`s, never values. The published
status has an `ObjectStorageConfigValid` condition: whether every bucket validated and
its credential references resolved.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .service import SecretKeyRef
from .sync import ResourceSync

OBJECT_STORAGE_PROVIDERS: tuple[str, ...] = ("s3", "gcs", "azure-blob")
CREDENTIAL_TYPES: tuple[str, ...] = (
    "native",
    "static",
    "profile",
    "service-account-key",
    "shared-key",
    "sas",
)
#: The published description of `credentials.type`: which provider takes which mode,
#: and the fields each mode needs (secret references are `SecretKeyRef`s).
CREDENTIAL_RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "native": (("s3", "gcs"), ()),
    "static": (("s3",), ("accessKeyId", "secretAccessKey")),
    "profile": (("s3",), ("profileName",)),
    "service-account-key": (("gcs",), ("serviceAccountKey",)),
    "shared-key": (("azure-blob",), ("accountName", "accountKey")),
    "sas": (("azure-blob",), ("accountName", "sasToken")),
}
#: Every `SecretKeyRef` field of `credentials`.
CREDENTIAL_SECRET_FIELDS: tuple[str, ...] = (
    "accessKeyId",
    "secretAccessKey",
    "serviceAccountKey",
    "accountKey",
    "sasToken",
)
#: OAS: "Capped at 42 characters so derived pod volume names ... stay within" 63.
MAX_BUCKET_NAME = 42
BUCKET_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
#: The condition the published status describes.
CONFIG_VALID = "ObjectStorageConfigValid"


class BucketCredentials(WireModel):
    type: Literal["native", "static", "profile", "service-account-key", "shared-key", "sas"]
    access_key_id: SecretKeyRef | None = None
    secret_access_key: SecretKeyRef | None = None
    profile_name: str | None = None
    service_account_key: SecretKeyRef | None = None
    account_name: str | None = None
    account_key: SecretKeyRef | None = None
    sas_token: SecretKeyRef | None = None


class Bucket(WireModel):
    name: str = Field(min_length=1, max_length=MAX_BUCKET_NAME, pattern=BUCKET_NAME_PATTERN)
    bucket: str = Field(min_length=1)
    provider: Literal["s3", "gcs", "azure-blob"]
    #: "Required for s3."
    region: str | None = None
    endpoint_url: str | None = None
    credentials: BucketCredentials | None = None


class ObjectStorageSpec(WireModel):
    buckets: list[Bucket] = Field(min_length=1)
    resource_sync: ResourceSync | None = None


class ObjectStorageStatus(WireModel):
    conditions: list[Condition] | None = None
    config_hash: str | None = None
    config_secret_name: str | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixObjectStorage(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixObjectStorage"] = "KalixObjectStorage"
    metadata: ObjectMeta
    spec: ObjectStorageSpec
    status: ObjectStorageStatus | None = None


class KalixObjectStorageList(ObjectList[KalixObjectStorage]):
    kind: str = "KalixObjectStorageList"


def bucket_rule_causes(buckets: list[Bucket], prefix: str) -> list[tuple[str, str]]:
    """The rules the published descriptions state beyond the schema: unique bucket names,
    a region for s3, credentials for azure-blob, and which credential mode fits which
    provider with which fields. Paths are `<prefix>[i].<camelCaseField>`."""
    causes: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, bucket in enumerate(buckets):
        at = f"{prefix}[{i}]"
        if bucket.name in seen:
            causes.append((f"{at}.name", f"{bucket.name!r} is used by another bucket"))
        seen.add(bucket.name)
        if bucket.provider == "s3" and not bucket.region:
            causes.append((f"{at}.region", "is required for provider s3"))
        creds = bucket.credentials
        if creds is None:
            if bucket.provider == "azure-blob":
                causes.append(
                    (f"{at}.credentials", "is required for provider azure-blob (shared-key or sas)")
                )
            continue
        providers, needed = CREDENTIAL_RULES[creds.type]
        if bucket.provider not in providers:
            fits = ", ".join(t for t, (p, _) in CREDENTIAL_RULES.items() if bucket.provider in p)
            causes.append(
                (
                    f"{at}.credentials.type",
                    f"{creds.type!r} is not for provider {bucket.provider} (use one of {fits})",
                )
            )
            continue
        wire = creds.to_wire()
        for field in needed:
            if not wire.get(field):
                causes.append(
                    (f"{at}.credentials.{field}", f"is required for credentials type {creds.type}")
                )
    return causes
