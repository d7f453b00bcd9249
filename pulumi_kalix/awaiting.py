"""Readiness from published fields only, shared by the program side and the provider.

The published status of a service has no `observedGeneration`, and a route's has no
summary, so "is the new spec running?" is decided from what the platform publishes:

- **The write mark.** When the provider's write is accepted it records a
  :class:`WriteMark`: when, a fingerprint of the status the write answered with, whether
  the write changed what instances run (`rollout`), and the echo fields the new spec
  must (or must no longer) show. A status is *fresh* — written by the controller after
  our write — once it differs from that fingerprint. A status that has not moved is
  trusted only after a settle window: `settle_seconds` for writes that start no rollout
  (labels, autoscaling bounds), `stale_seconds` for ones that do.
- **Service.** Ready when the status is fresh, `summary` is `Ready` (`Paused` when
  paused), and the echo fields agree with the spec: `lastAppliedRestartTime` equals the
  `restartRequested` we wrote, `resolvedInstanceType` the instance type we asked for, and
  `mappedImage` is no longer the one that ran before an image change (each checked only
  when the platform reports the field). A rollout that reports
  `Progressing=False RolloutFailed` fails the await once that has lasted
  `failure_grace_seconds` (the platform keeps retrying: a secret created a moment later
  in the same `up` still lets it through).
- **Route.** Ready when the `Ready` condition is `True`; conditions that carry an
  `observedGeneration` must have reached the written generation, conditions without one
  must be fresh in the sense above. The CLI-style status (Ready, Validating,
  DnsNotVerified, NotConfigured) is derived from the `Ready` and `HostValidation`
  conditions by :func:`route_summary`.

Predicates are objects: called with the latest object (None when it is gone) they answer
whether the awaited state is reached, raise :class:`ResourceFailedError` for a terminal
failure, and `wake_at()` says when the answer may change without the object changing
(a settle window ending), so a waiter re-checks then.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .api import Condition, KalixRoute, KalixService, condition
from .errors import ResourceFailedError

#: Progressing=False with this reason means the rollout cannot finish on its own
#: (kalix-local's reason; the platform's exhaustive reasons are not published).
ROLLOUT_FAILED = "RolloutFailed"
#: A write that starts no rollout: trust an unmoved status after this long.
SETTLE_SECONDS = 2.0
#: A write that starts a rollout: trust an unmoved status only after this long.
STALE_SECONDS = 30.0
#: How long a reported rollout failure must last before the await gives up.
FAILURE_GRACE_SECONDS = 10.0


def status_fingerprint(status: Any) -> str:
    """A short, stable digest of a status object (a model or a dict); "" for none."""
    if status is None:
        return ""
    data = status.to_wire() if hasattr(status, "to_wire") else status
    if not data:
        return ""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class WriteMark:
    """What the provider saw when its write was accepted (kept in the `last_write` output).

    `expect` maps a status field (camelCase) to the value it must reach; `expect_not`
    maps one to a value it must have left (the mapped image that ran before an image
    change).
    """

    at: float
    status: str
    generation: int
    rollout: bool
    expect: dict[str, str] = field(default_factory=dict)
    expect_not: dict[str, str] = field(default_factory=dict)
    #: the write's resourceVersion ("" if unknown): a shared watch's object of this
    #: version or later stands in for the await's first read
    version: str = ""

    def to_output(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "status": self.status,
            "generation": self.generation,
            "rollout": self.rollout,
            "expect": dict(self.expect),
            "expect_not": dict(self.expect_not),
            "version": self.version,
        }

    @classmethod
    def from_output(cls, value: Any) -> WriteMark:
        """Tolerant: a missing or old-format mark means "long ago, nothing expected"."""
        if not isinstance(value, Mapping):
            return cls(at=0.0, status="", generation=0, rollout=False)
        return cls(
            at=float(value.get("at") or 0.0),
            status=str(value.get("status") or ""),
            generation=int(value.get("generation") or 0),
            rollout=bool(value.get("rollout")),
            expect={str(k): str(v) for k, v in (value.get("expect") or {}).items()},
            expect_not={str(k): str(v) for k, v in (value.get("expect_not") or {}).items()},
            version=str(value.get("version") or ""),
        )


@dataclass(frozen=True)
class Windows:
    """The time windows of the readiness rule (config `kalix:settleSeconds`, ...)."""

    settle_seconds: float = SETTLE_SECONDS
    stale_seconds: float = STALE_SECONDS
    failure_grace_seconds: float = FAILURE_GRACE_SECONDS


class _Freshness:
    """Has the controller written a status since our write?"""

    def __init__(self, mark: WriteMark, windows: Windows, clock: Callable[[], float]) -> None:
        self.mark = mark
        self.windows = windows
        self.clock = clock
        self.moved = False

    def trust_at(self) -> float:
        window = self.windows.stale_seconds if self.mark.rollout else self.windows.settle_seconds
        return self.mark.at + window

    def fresh(self, status: Any) -> bool:
        if not self.moved and status_fingerprint(status) != self.mark.status:
            self.moved = True  # once moved, stays moved: later statuses are newer still
        return self.moved or self.clock() >= self.trust_at()

    def wake_at(self) -> float | None:
        return None if self.moved else self.trust_at()


def _same_value(actual: Any, wanted: str) -> bool:
    """Equal as text, or as instants when both are RFC 3339 times (a platform may
    write `...:00Z` back as `...:00.000000Z` or with an offset)."""
    if str(actual) == wanted:
        return True
    try:
        return _instant(str(actual)) == _instant(wanted)
    except ValueError:
        return False


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def last_condition_message(obj: KalixService | KalixRoute | None) -> str:
    """The most telling condition message: a False one first, else the newest."""
    conditions = (obj.status.conditions if obj and obj.status else None) or []
    failing = [c for c in conditions if c.status == "False" and c.message]
    pick = failing[0] if failing else (conditions[-1] if conditions else None)
    if pick is None:
        return "no conditions reported"
    return f"{pick.type}={pick.status} {pick.reason or ''}: {pick.message or ''}".strip()


def service_progress(obj: KalixService | None, target: int | None = None) -> str:
    """One line for ephemeral progress, e.g. `UpdateInProgress: 2/3 instances ready`."""
    if obj is None:
        return "service not found"
    status = obj.status
    ready = (status.replicas if status else None) or 0
    summary = (status.summary if status else None) or "Pending"
    if target is None:
        scaling = obj.spec.resources.autoscaling if obj.spec.resources else None
        target = (scaling.min_instances if scaling else None) or 1
    if obj.spec.paused:
        return f"{summary}: paused"
    return f"{summary}: {ready}/{target} instances ready"


def _rollout_failure(conditions: list[Condition] | None) -> Condition | None:
    progressing = condition(conditions, "Progressing")
    if progressing and progressing.status == "False" and progressing.reason == ROLLOUT_FAILED:
        return progressing
    return None


class ServiceReadiness:
    """The service rule of the module docstring, for one await."""

    def __init__(
        self,
        mark: WriteMark,
        windows: Windows = Windows(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mark = mark
        self.windows = windows
        self.clock = clock
        self._fresh = _Freshness(mark, windows, clock)
        self._failing_since: float | None = None
        #: why the last call answered False (for progress and timeout messages)
        self.waiting_for = "the controller to act on the change"

    def echoes_agree(self, obj: KalixService) -> bool:
        status = obj.status.to_wire() if obj.status else {}
        for key, wanted in self.mark.expect.items():
            if key in status and not _same_value(status[key], wanted):
                self.waiting_for = f"status.{key} to become {wanted!r}"
                return False
        for key, old in self.mark.expect_not.items():
            if key in status and str(status[key]) == old:
                self.waiting_for = f"status.{key} to change from {old!r}"
                return False
        return True

    def __call__(self, obj: KalixService | None) -> bool:
        if obj is None:
            raise ResourceFailedError("the service was deleted while waiting for it", last=None)
        status = obj.status
        if not self._fresh.fresh(status) or status is None:
            self.waiting_for = "the controller to act on the change"
            return False
        failed = _rollout_failure(status.conditions)
        if failed is not None:
            now = self.clock()
            if self._failing_since is None:
                self._failing_since = now
            if now - self._failing_since >= self.windows.failure_grace_seconds:
                # The whole story once: the progress line has the status, the
                # condition the reason (the caller adds nothing from `last`).
                raise ResourceFailedError(
                    f"{service_progress(obj)}; {failed.type}={failed.status} "
                    f"{failed.reason}: {failed.message or 'no message'}",
                    last=obj,
                )
            self.waiting_for = "the platform to retry a failing rollout"
            return False
        self._failing_since = None
        goal = "Paused" if obj.spec.paused else "Ready"
        if status.summary != goal:
            self.waiting_for = f"status {goal} (now {status.summary or 'Pending'})"
            return False
        return self.echoes_agree(obj)

    @property
    def failing(self) -> bool:
        """Whether the last answer saw a rollout failure."""
        return self._failing_since is not None

    def wake_at(self) -> float | None:
        """Wall-clock time at which the same object may get another answer."""
        times = [t for t in (self._fresh.wake_at(),) if t is not None]
        if self._failing_since is not None:
            times.append(self._failing_since + self.windows.failure_grace_seconds)
        return min(times) if times else None


# -- routes ------------------------------------------------------------------------------

ROUTE_READY = "Ready"
ROUTE_VALIDATING = "Validating"
ROUTE_DNS_NOT_VERIFIED = "DnsNotVerified"
ROUTE_NOT_CONFIGURED = "NotConfigured"
#: Reasons that mean the route's configuration, not DNS, keeps it from serving.
_NOT_CONFIGURED_REASONS = ("NotConfigured", "HostnameNotFound", "ServiceNotFound")


def route_summary(conditions: list[Condition] | None) -> str:
    """The CLI-style route status, derived from the published conditions.

    `Ready=True` is Ready; a `HostValidation=False` with reason `DnsNotVerified` is
    DnsNotVerified; a configuration problem (no such hostname or service) is
    NotConfigured; anything else — no conditions yet, `Unknown`, a validation in
    progress — is Validating.
    """
    ready = condition(conditions, "Ready")
    host = condition(conditions, "HostValidation")
    if ready is not None and ready.status == "True":
        return ROUTE_READY
    if host is not None and host.status == "False":
        if host.reason == "DnsNotVerified":
            return ROUTE_DNS_NOT_VERIFIED
        return ROUTE_NOT_CONFIGURED
    if ready is not None and ready.status == "False" and ready.reason in _NOT_CONFIGURED_REASONS:
        return ROUTE_NOT_CONFIGURED
    return ROUTE_VALIDATING


def route_configuration_problem(conditions: list[Condition] | None) -> str | None:
    """What keeps a route from serving that DNS will not fix (a service or hostname it
    names does not exist), from its conditions, also while DNS is still unverified."""
    for cond in conditions or []:
        if cond.status == "False" and cond.reason in _NOT_CONFIGURED_REASONS:
            return cond.message or str(cond.reason)
    return None


class RouteReadiness:
    """A route's conditions describe the written generation; with `settled_only` the
    await ends as soon as validation has a result (any status but Validating), else
    only when the route is Ready."""

    def __init__(
        self,
        mark: WriteMark,
        *,
        settled_only: bool = False,
        windows: Windows = Windows(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mark = mark
        self.settled_only = settled_only
        self._fresh = _Freshness(mark, windows, clock)

    def current(self, obj: KalixRoute) -> bool:
        """Whether the route's conditions describe the spec we wrote."""
        conditions = (obj.status.conditions if obj.status else None) or []
        generations = [c.observed_generation for c in conditions if c.observed_generation]
        if generations:
            return min(generations) >= self.mark.generation
        return self._fresh.fresh(obj.status) and bool(conditions)

    def __call__(self, obj: KalixRoute | None) -> bool:
        if obj is None:
            raise ResourceFailedError("the route was deleted while waiting for it", last=None)
        if not self.current(obj):
            return False
        summary = route_summary(obj.status.conditions if obj.status else None)
        if self.settled_only:
            return summary != ROUTE_VALIDATING
        return summary == ROUTE_READY

    def wake_at(self) -> float | None:
        return self._fresh.wake_at()
