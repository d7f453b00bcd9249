"""Helpers shared by the backends: time, names, conditions, label selectors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from kalix_local.errors import BadRequest

API_GROUP = "kalix.io"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_PART = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")


def now_iso(now: datetime | None = None) -> str:
    """RFC 3339, UTC, whole seconds, ``Z`` (Kubernetes ``metav1.Time``)."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dns_label_error(name: Any) -> str | None:
    """Why ``name`` is not a DNS-1123 label (object and project names), or None."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > 63:
        return f"must be no more than 63 characters (got {len(name)})"
    if not _DNS_LABEL.match(name):
        return (
            "a DNS-1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character"
        )
    return None


def condition(
    type_: str,
    status: str,
    reason: str,
    message: str,
    now: str,
    previous: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """A condition whose ``lastTransitionTime`` moves only when its status changes: the
    five fields of the published ``ServiceCondition`` (it has no observedGeneration)."""
    transition = now
    for old in previous or []:
        if old.get("type") == type_ and old.get("status") == status:
            transition = str(old.get("lastTransitionTime") or now)
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
    }


def deleted_status(name: str, plural: str, uid: str) -> dict[str, Any]:
    """What DELETE answers: a Kubernetes ``Status`` of success naming the object (as the
    API server does when it does not return the deleted object)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": API_GROUP, "kind": plural, "uid": uid},
    }


def parse_label_selector(selector: str | None) -> dict[str, str]:
    """``k=v,k2==v2`` equality selectors (the only kind kalix-local supports)."""
    if not selector:
        return {}
    out: dict[str, str] = {}
    for part in selector.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("==") if "==" in part else part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _LABEL_PART.match(key) or (value and not _LABEL_PART.match(value)):
            raise BadRequest(
                f"unable to parse requirement {part!r}: labelSelector supports only "
                "comma-separated key=value terms"
            )
        out[key] = value
    return out


def parse_field_selector(selector: str | None) -> str | None:
    """The name in ``metadata.name=X`` (the only field selector supported)."""
    if not selector:
        return None
    key, sep, value = selector.partition("=")
    value = value.removeprefix("=")
    if key.strip() != "metadata.name" or not sep or not value.strip():
        raise BadRequest(f"field selector {selector!r} is not supported: use metadata.name=<name>")
    return value.strip()


def labels_match(labels: dict[str, str] | None, wanted: dict[str, str]) -> bool:
    have = labels or {}
    return all(have.get(k) == v for k, v in wanted.items())
