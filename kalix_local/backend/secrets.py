"""Secrets: write-only data. Reads show neither the values nor the key names.

The published ``SecretStatus`` has only ``conditions`` and ``resourceSyncStatus``, and
no controller here has anything to report about a secret, so secrets have no status.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.errors import Invalid
from kalix_local.store import Record, Tx
from pulumi_kalix.api import REQUIRED_SECRET_KEYS, SECRET_TYPES, KalixSecret

_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_PEM_TYPES = ("tls", "tls-ca")


def _decode(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _key_causes(type_: Any, data: dict[str, Any]) -> Causes:
    # The spec is still raw here: a non-string type (e.g. {}) is unhashable (was a 500);
    # the model reports it.
    if not isinstance(type_, str) or type_ not in REQUIRED_SECRET_KEYS:
        return []
    missing = [k for k in REQUIRED_SECRET_KEYS[type_] if k not in data]
    if missing:
        return [("spec.data", f"a {type_} secret needs the keys {', '.join(missing)}")]
    if not data:
        return [("spec.data", f"a {type_} secret needs at least one key")]
    return []


class SecretBackend(ObjectBackend):
    kind = "KalixSecret"
    plural = "kalixsecrets"
    model = KalixSecret

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        causes: Causes = []
        type_ = spec.get("type")
        if isinstance(type_, str) and type_ not in SECRET_TYPES:
            # OAS leaves the type a free string; the platform documents only these types
            # (the CLI's), so refusing the others is our assumption.
            causes.append(("spec.type", f"must be one of {', '.join(SECRET_TYPES)}"))
        data = spec.get("data")
        if not isinstance(data, dict):
            return causes  # absent on update = keep the stored data; bad shape: the model
        for key, value in data.items():
            path = f"spec.data.{key}"
            if not _KEY.match(key):
                causes.append((path, "keys may contain only letters, digits, '-', '_' and '.'"))
            if not isinstance(value, str):
                continue
            raw = _decode(value)
            if raw is None:
                causes.append((path, "must be valid base64"))
            elif type_ in _PEM_TYPES and b"-----BEGIN " not in raw:
                causes.append((path, "must be PEM text (base64-encoded)"))
        return causes + _key_causes(type_, data)

    def split_spec(
        self, spec: dict[str, Any], old: Record | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        shown = {k: v for k, v in spec.items() if k != "data"}
        if "data" in spec:
            data = dict(spec["data"] or {})
        elif old is not None and old.body["spec"].get("type") == spec.get("type"):
            # Data is write-only: an update without it keeps what is stored.
            data = dict(old.internal.get("data") or {})
        else:
            data = {}
        return shown, {"data": data}

    def validate(
        self, tx: Tx, project: str, body: Any, url_name: str | None
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        name, meta, spec = super().validate(tx, project, body, url_name)
        if url_name is None and "data" not in spec:
            # On create, "no data" cannot mean "keep what is stored".
            causes = _key_causes(spec.get("type"), {})
            if causes:
                raise Invalid(self.kind, name, causes)
        return name, meta, spec

    def spec_state(self, rec: Record) -> Any:
        return (rec.body.get("spec"), rec.internal.get("data"))

    def render_status(self, rec: Record) -> dict[str, Any] | None:
        return None  # a store written by an older kalix-local may still hold status.keys

    def patch_base(self, rec: Record) -> dict[str, Any]:
        obj = super().patch_base(rec)
        obj["spec"] = {**obj["spec"], "data": dict(rec.internal.get("data") or {})}
        return obj
