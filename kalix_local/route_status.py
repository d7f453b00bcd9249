"""Route status: the ``HostValidation`` and ``Ready`` conditions of a route.

Pure functions: the only I/O is the resolver passed in. Messages follow what
``kalix route get`` prints (reference §5.2); conditions follow Kubernetes
``metav1.Condition`` semantics, so ``lastTransitionTime`` moves only when a
condition's status changes, and each carries the ``observedGeneration`` it was set for.
The published ``RouteStatus`` has only ``conditions`` (and ``resourceSyncStatus``): the
CLI's route status (Ready, Validating, DnsNotVerified, NotConfigured) is derived from
the conditions by clients.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kalix_local.dns import Resolver, normalize_name

log = logging.getLogger(__name__)

HOST_VALIDATION = "HostValidation"
READY = "Ready"

VALIDATING_MESSAGE = "Validating hostname"


@dataclass(frozen=True)
class HostInfo:
    """A project hostname as route validation needs it."""

    name: str
    generated: bool
    cname_target: str  # e.g. "us-east1.kalix.app"


def format_time(now: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` and whole seconds, like Kubernetes ``metav1.Time``.
    A naive datetime is taken to be UTC already."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(
    type_: str,
    status: str,
    reason: str,
    message: str,
    now: datetime,
    previous: Iterable[Mapping[str, Any]] | None,
    generation: int | None,
) -> dict[str, Any]:
    transition = format_time(now)
    for old in previous or ():
        if old.get("type") == type_:
            if old.get("status") == status and old.get("lastTransitionTime"):
                transition = str(old["lastTransitionTime"])
            break
    condition: dict[str, Any] = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
    }
    if generation is not None:
        condition["observedGeneration"] = generation
    return condition


def _status(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"conditions": conditions}


def validating_status(
    host: str,
    now: datetime,
    previous: list[dict[str, Any]] | None,
    generation: int | None = None,
) -> dict[str, Any]:
    """The status a route gets when the controller first looks at a new spec, before the
    checker has looked at DNS. ``observedGeneration`` is left out unless ``generation``
    is given."""
    del host  # same messages for every host; kept for a uniform call site
    conditions = [
        _condition(
            HOST_VALIDATION, "Unknown", "Validating", VALIDATING_MESSAGE, now, previous, generation
        ),
        _condition(READY, "False", "Validating", VALIDATING_MESSAGE, now, previous, generation),
    ]
    return _status(conditions)


def _lookup_cname(resolver: Resolver, host: str) -> str | None:
    try:
        return resolver.cname(host)
    except Exception as exc:  # a misbehaving resolver must not stop the route checker
        log.warning("resolver %s failed for %s: %s", getattr(resolver, "name", "?"), host, exc)
        return None


def compute_route_status(
    host: HostInfo | None,
    missing_services: list[str],
    resolver: Resolver,
    now: datetime,
    previous: list[dict[str, Any]] | None,
    generation: int,
    *,
    route_host: str = "",
) -> dict[str, Any]:
    """The route's ``status`` object.

    ``host`` is the project hostname the route's ``spec.host`` names, or None when the
    project has no such hostname (``route_host`` then names it in the message).
    ``missing_services`` are the services the route's paths name that do not exist.
    ``previous`` is the route's current ``status.conditions``.
    """

    def cond(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
        return _condition(type_, status, reason, message, now, previous, generation)

    if host is None:
        shown = route_host or "(none)"
        return _status(
            [
                cond(
                    HOST_VALIDATION,
                    "False",
                    "HostnameNotFound",
                    f"Host {shown} is not a hostname of this project",
                ),
                cond(READY, "False", "NotConfigured", f"Host {shown} is not configured"),
            ]
        )

    target = normalize_name(host.cname_target)
    if not host.generated:
        # Custom hostnames are served only once they CNAME to the region's ingress.
        actual = _lookup_cname(resolver, host.name)
        actual = normalize_name(actual) if actual else None
        if actual != target:
            if actual is None:
                message = (
                    f"Host {host.name} did not resolve to a CNAME record. "
                    f"It must be configured to be a CNAME record to {target}"
                )
            else:
                message = (
                    f"Host {host.name} resolves to a CNAME record to {actual}. "
                    f"It must be configured to be a CNAME record to {target}"
                )
            return _status(
                [
                    cond(HOST_VALIDATION, "False", "DnsNotVerified", message),
                    cond(READY, "False", "Validating", VALIDATING_MESSAGE),
                ]
            )

    # Generated hostnames live in the platform's own domain: always verified.
    verified_message = (
        f"Host {host.name} resolves to {target}"
        if target
        else f"Host {host.name} is a generated hostname"
    )
    host_condition = cond(HOST_VALIDATION, "True", "DnsVerified", verified_message)
    missing = list(dict.fromkeys(missing_services))  # de-duplicated, route order kept
    if missing:
        return _status(
            [
                host_condition,
                cond(
                    READY, "False", "ServiceNotFound", f"Service(s) not found: {', '.join(missing)}"
                ),
            ]
        )
    return _status([host_condition, cond(READY, "True", "Ready", "Route is ready")])
