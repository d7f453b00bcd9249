"""CRUD of `KalixSecret` objects for the `Secret` resource.

Secret data is write-only on the control plane and never echoed: outputs carry the
key names and a salted digest of the data (itself marked secret by the resource), so
a change of a value is still seen by diff.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import REQUIRED_SECRET_KEYS, SECRET_TYPES, KalixSecret, ObjectMeta, SecretSpec
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown, type_name

USER_KEYS = ("name", "type", "data_digest")
#: A PEM block (RFC 7468): the keys of tls and tls-ca secrets must hold one.
PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.+?-----END [A-Z0-9 ]+-----", re.DOTALL)
PEM_LABELS = {"tls.key": "PRIVATE KEY"}
REPLACE_KEYS = ("name", "project", "type")


def data_digest(name: str, data: dict[str, Any]) -> str:
    """A digest of the data salted with the name; stored only as a secret output."""
    canonical = json.dumps({k: str(v) for k, v in sorted(data.items())}, sort_keys=True)
    return hashlib.sha256(f"pulumi-kalix:{name}:{canonical}".encode()).hexdigest()


class SecretProvider(ObjectProvider[KalixSecret]):
    """Data is write-only: refresh keeps the inputs (see ObjectProvider.inputs_from)."""

    noun = "secret"
    diff_keys = USER_KEYS
    replace_keys = REPLACE_KEYS
    collection = "secrets"
    delete_timeout = None

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        kind = news.get("type")
        if not is_unknown(kind) and kind not in SECRET_TYPES:
            out.append(
                failure("type", f"type must be one of {', '.join(SECRET_TYPES)}, got {kind!r}")
            )
        data = news.get("data")
        if is_unknown(data):
            return out
        if not isinstance(data, dict) or not data:
            out.append(failure("data", "data is required: a map of key -> value"))
            return out
        for key in data:
            if not key or not all(c.isalnum() or c in "-._" for c in key):
                out.append(
                    failure(
                        f"data.{key}", f"key {key!r} may only use letters, digits, '-', '_', '.'"
                    )
                )
        for key, value in data.items():
            if not (isinstance(value, str) or is_unknown(value)):
                # Numbers would be stored as "5.0" (protobuf carries floats). Never the value.
                out.append(
                    failure(f"data.{key}", f"data.{key} must be a string, got {type_name(value)}")
                )
        for key in REQUIRED_SECRET_KEYS.get(str(kind), ()):
            if key not in data:
                out.append(failure(f"data.{key}", f"a {kind} secret needs the key {key!r}"))
            elif isinstance(data[key], str) and not PEM_BLOCK.search(data[key]):
                # The message must not show the value: it is a private key or certificate.
                out.append(
                    failure(
                        f"data.{key}",
                        f"data.{key} of a {kind} secret must be PEM text "
                        f"('-----BEGIN {PEM_LABELS.get(key, 'CERTIFICATE')}-----' ... "
                        "'-----END ...-----'), e.g. open('ca.pem').read(); "
                        "the value given is not shown",
                    )
                )
        return out

    def normalize(self, news: Props) -> Props:
        data = news.get("data")
        if isinstance(data, dict) and not is_unknown(data):
            news["data"] = {k: str(v) for k, v in data.items()}
            news["data_digest"] = data_digest(str(news.get("name")), news["data"])
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        if is_unknown(news.get("data")) and "data_digest" not in changed:
            changed.append("data_digest")
        return changed

    def delete_before_replace(self, olds: Props, news: Props, replaces: list[str]) -> bool:
        return bool(replaces) and olds.get("name") == news.get("name")

    def desired(self, props: Props, current: KalixSecret | None) -> KalixSecret:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        data = {k: base64.b64encode(str(v).encode()).decode() for k, v in props["data"].items()}
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        spec = current.spec.model_copy(deep=True) if current else SecretSpec(type="generic")
        spec.type = str(props["type"])
        spec.data = data
        return KalixSecret(metadata=meta, spec=spec)

    def outputs(self, obj: KalixSecret, props: Props) -> Props:
        return {
            "name": obj.metadata.name,
            "type": obj.spec.type,
            # The platform never shows a secret's keys: they come from our inputs.
            "keys": sorted(props.get("data") or {}),
            "data_digest": props.get("data_digest"),
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
