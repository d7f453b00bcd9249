"""Readiness rules shared by the program side (awaits) and the provider side.

A predicate takes the latest object (or None when it is gone) and answers whether
the awaited state is reached; it raises :class:`ResourceFailedError` when the control
plane reports a terminal failure, so nobody waits for a timeout that cannot end well.
"""

from __future__ import annotations

from collections.abc import Callable

from .api import KalixRoute, KalixService, condition
from .errors import ResourceFailedError

#: Progressing=False with this reason means the rollout cannot finish on its own.
ROLLOUT_FAILED = "RolloutFailed"


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


def service_ready(generation: int | None) -> Callable[[KalixService | None], bool]:
    """Ready (or Paused, when paused) with `observedGeneration` caught up to `generation`."""

    def predicate(obj: KalixService | None) -> bool:
        if obj is None:
            raise ResourceFailedError("the service was deleted while waiting for it", last=None)
        status = obj.status
        if status is None:
            return False
        observed = status.observed_generation or 0
        wanted = generation or obj.metadata.generation or 0
        progressing = condition(status.conditions, "Progressing")
        if (
            progressing is not None
            and progressing.status == "False"
            and progressing.reason == ROLLOUT_FAILED
            and (progressing.observed_generation or observed) >= wanted
        ):
            raise ResourceFailedError(
                f"status {status.summary}: {progressing.message or progressing.reason}", last=obj
            )
        goal = "Paused" if obj.spec.paused else "Ready"
        return observed >= wanted and status.summary == goal

    return predicate


def route_ready(generation: int | None) -> Callable[[KalixRoute | None], bool]:
    """The route is `Ready` for (at least) `generation`; DNS problems keep it waiting."""

    def predicate(obj: KalixRoute | None) -> bool:
        if obj is None:
            raise ResourceFailedError("the route was deleted while waiting for it", last=None)
        status = obj.status
        if status is None:
            return False
        observed = status.observed_generation or 0
        return observed >= (generation or 0) and status.summary == "Ready"

    return predicate
