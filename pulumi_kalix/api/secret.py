"""`KalixSecret` (`kalixsecrets`): a type and write-only data (reads never return it)."""

from __future__ import annotations

from typing import Any, Literal

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .sync import ResourceSync

#: OAS `SecretSpec.type` is a free string. These are the types the `akka secret create`
#: subcommands create; the platform documents no others, so the server refuses other
#: strings (our assumption).
SECRET_TYPES: tuple[str, ...] = ("generic", "tls", "tls-ca", "symmetric", "asymmetric")
#: Keys each typed secret must carry (the others: any non-empty set). The key names of
#: tls / tls-ca secrets are not documented publicly: these are kalix-local's assumption.
REQUIRED_SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "generic": (),
    "tls": ("tls.crt", "tls.key"),
    "tls-ca": ("ca.crt",),
    "symmetric": (),
    "asymmetric": (),
}


class SecretSpec(WireModel):
    type: str
    #: key -> base64 value; sent on create/replace, never returned.
    data: dict[str, str] | None = None
    resource_sync: ResourceSync | None = None


class SecretStatus(WireModel):
    """The published `KalixSecretStatus`: no key names (data is write-only)."""

    conditions: list[Condition] | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixSecret(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixSecret"] = "KalixSecret"
    metadata: ObjectMeta
    spec: SecretSpec
    status: SecretStatus | None = None


class KalixSecretList(ObjectList[KalixSecret]):
    kind: str = "KalixSecretList"
