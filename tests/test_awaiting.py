"""The readiness rule on published status shapes, one decision at a time.

These feed hand-written objects of the published shape to the predicates with a fake
clock; the same rules run against kalix-local in tests/lifecycle.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_kalix.api import KalixRoute, KalixService
from pulumi_kalix.awaiting import (
    RouteReadiness,
    ServiceReadiness,
    Windows,
    WriteMark,
    route_summary,
    status_fingerprint,
)
from pulumi_kalix.errors import ResourceFailedError

T0 = 1_000_000.0
WINDOWS = Windows(settle_seconds=2.0, stale_seconds=30.0, failure_grace_seconds=10.0)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def cond(type_: str, status: str, reason: str = "R", **extra: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": f"{type_} {status}",
        "lastTransitionTime": "2026-12-01T10:00:00Z",
        **extra,
    }


def service(
    summary: str | None,
    *,
    image: str = "reg/cart:1",
    paused: bool = False,
    restart: str | None = None,
    conditions: list[dict[str, Any]] | None = None,
    **status: Any,
) -> KalixService:
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": image}]}
    if paused:
        spec["paused"] = True
    if restart:
        spec["restartRequested"] = restart
    body: dict[str, Any] = {"metadata": {"name": "cart", "generation": 2}, "spec": spec}
    if summary is not None:
        body["status"] = {
            "summary": summary,
            "replicas": 1,
            "conditions": conditions or [cond("Ready", "True" if summary == "Ready" else "False")],
            **status,
        }
    return KalixService.model_validate(body)


def mark_of(obj: KalixService | KalixRoute | None, rollout: bool, **kw: Any) -> WriteMark:
    return WriteMark(
        at=T0,
        status=status_fingerprint(obj.status if obj else None),
        generation=2,
        rollout=rollout,
        **kw,
    )


def test_a_ready_status_from_before_the_write_is_not_trusted_during_a_rollout() -> None:
    clock = Clock()
    before = service("Ready", mappedImage="reg/cart:1")
    ready = ServiceReadiness(mark_of(before, rollout=True), WINDOWS, clock)
    assert ready(before) is False
    clock.now += 5  # past the settle window, but a rollout needs the status to move
    assert ready(before) is False
    assert ready.wake_at() == T0 + WINDOWS.stale_seconds


def test_the_status_must_move_then_reach_ready() -> None:
    clock = Clock()
    before = service("Ready")
    ready = ServiceReadiness(mark_of(before, rollout=True), WINDOWS, clock)
    assert ready(service("UpdateInProgress")) is False
    assert ready(service("Ready")) is True  # moved once, so this Ready is the new one
    assert ready.wake_at() is None


def test_a_change_without_rollout_is_ready_after_the_settle_window() -> None:
    clock = Clock()
    before = service("Ready")
    ready = ServiceReadiness(mark_of(before, rollout=False), WINDOWS, clock)
    assert ready(before) is False
    assert ready.wake_at() == T0 + WINDOWS.settle_seconds
    clock.now += WINDOWS.settle_seconds
    assert ready(before) is True


def test_an_unmoved_status_is_trusted_after_the_stale_window() -> None:
    clock = Clock()
    before = service("Ready")
    ready = ServiceReadiness(mark_of(before, rollout=True), WINDOWS, clock)
    clock.now += WINDOWS.stale_seconds
    assert ready(before) is True


def test_an_image_change_waits_until_the_mapped_image_changes() -> None:
    clock = Clock()
    before = service("Ready", mappedImage="mirror/cart:1")
    mark = mark_of(before, rollout=True, expect_not={"mappedImage": "mirror/cart:1"})
    ready = ServiceReadiness(mark, WINDOWS, clock)
    # The status moved (an unrelated condition), says Ready, but still runs the old image.
    still_old = service("Ready", mappedImage="mirror/cart:1", image="reg/cart:2", replicas=2)
    assert ready(still_old) is False
    assert "mappedImage" in ready.waiting_for
    assert ready(service("Ready", mappedImage="mirror/cart:2", image="reg/cart:2")) is True


def test_a_restart_waits_for_the_applied_restart_time_in_any_rfc3339_spelling() -> None:
    at = "2026-11-23T18:00:00Z"
    ready = ServiceReadiness(
        mark_of(None, rollout=True, expect={"lastAppliedRestartTime": at}), WINDOWS, Clock()
    )
    assert (
        ready(service("Ready", restart=at, lastAppliedRestartTime="2026-11-01T00:00:00Z")) is False
    )
    assert ready(
        service("Ready", restart=at, lastAppliedRestartTime="2026-11-23T18:00:00.000+00:00")
    )


def test_echo_fields_a_platform_does_not_report_are_not_required() -> None:
    at = "2026-11-23T18:00:00Z"
    mark = mark_of(None, rollout=True, expect={"lastAppliedRestartTime": at})
    assert ServiceReadiness(mark, WINDOWS, Clock())(service("Ready", restart=at)) is True


def test_paused_is_the_goal_of_a_paused_service() -> None:
    ready = ServiceReadiness(mark_of(None, rollout=True), WINDOWS, Clock())
    assert ready(service("Ready", paused=True)) is False
    assert ready(service("Paused", paused=True)) is True


def test_a_rollout_failure_fails_only_after_the_grace_period() -> None:
    clock = Clock()
    failing = service(
        "Unavailable",
        conditions=[
            cond("Ready", "False", "SecretNotFound"),
            cond("Progressing", "False", "RolloutFailed", message='secret "db" not found'),
        ],
    )
    ready = ServiceReadiness(mark_of(None, rollout=True), WINDOWS, clock)
    assert ready(failing) is False
    assert ready.failing and ready.wake_at() == T0 + WINDOWS.failure_grace_seconds
    clock.now += WINDOWS.failure_grace_seconds
    with pytest.raises(ResourceFailedError, match='secret "db" not found') as info:
        ready(failing)
    assert str(info.value) == (
        'Unavailable: 1/1 instances ready; Progressing=False RolloutFailed: secret "db" not found'
    )


def test_a_failure_that_clears_within_the_grace_period_does_not_fail() -> None:
    clock = Clock()
    failing = service("Unavailable", conditions=[cond("Progressing", "False", "RolloutFailed")])
    ready = ServiceReadiness(mark_of(None, rollout=True), WINDOWS, clock)
    assert ready(failing) is False
    clock.now += WINDOWS.failure_grace_seconds - 1
    assert ready(service("Ready")) is True


def test_a_deleted_service_fails_the_await() -> None:
    with pytest.raises(ResourceFailedError, match="deleted"):
        ServiceReadiness(mark_of(None, rollout=True), WINDOWS, Clock())(None)


def test_old_or_missing_marks_mean_long_ago() -> None:
    assert WriteMark.from_output(None).at == 0.0
    mark = WriteMark(T0, "abc", 3, True, {"a": "b"}, {"c": "d"}, "42")
    assert WriteMark.from_output(mark.to_output()) == mark
    # After a long time an unmoved status is trusted: a no-op `up` does not wait.
    assert ServiceReadiness(WriteMark.from_output(None), WINDOWS)(service("Ready")) is True


# -- routes ------------------------------------------------------------------------------


def route(*conditions: dict[str, Any]) -> KalixRoute:
    body: dict[str, Any] = {
        "metadata": {"name": "shop", "generation": 2},
        "spec": {"host": "shop.example.com", "routes": [{"route": {"service": "cart"}}]},
    }
    if conditions:
        body["status"] = {"conditions": list(conditions)}
    return KalixRoute.model_validate(body)


@pytest.mark.parametrize(
    ("conditions", "summary"),
    [
        ([], "Validating"),
        (
            [cond("HostValidation", "Unknown", "Validating"), cond("Ready", "False", "Validating")],
            "Validating",
        ),
        (
            [cond("HostValidation", "False", "DnsNotVerified"), cond("Ready", "False")],
            "DnsNotVerified",
        ),
        (
            [cond("HostValidation", "False", "HostnameNotFound"), cond("Ready", "False")],
            "NotConfigured",
        ),
        (
            [cond("HostValidation", "True"), cond("Ready", "False", "ServiceNotFound")],
            "NotConfigured",
        ),
        ([cond("HostValidation", "True"), cond("Ready", "True")], "Ready"),
    ],
)
def test_route_summary_from_conditions(conditions: list[dict[str, Any]], summary: str) -> None:
    assert route_summary(route(*conditions).status.conditions if conditions else None) == summary


def test_route_conditions_of_an_older_generation_are_not_current() -> None:
    ready = RouteReadiness(mark_of(None, rollout=True), windows=WINDOWS, clock=Clock())
    stale = route(cond("Ready", "True", observedGeneration=1))
    assert ready(stale) is False
    assert ready(route(cond("Ready", "True", observedGeneration=2))) is True


def test_route_conditions_without_generations_must_be_fresh() -> None:
    clock = Clock()
    before = route(cond("Ready", "True"))
    ready = RouteReadiness(mark_of(before, rollout=True), windows=WINDOWS, clock=clock)
    assert ready(before) is False
    moved = route(cond("HostValidation", "True"), cond("Ready", "True"))
    assert ready(moved) is True


def test_route_settled_only_accepts_any_result_but_validating() -> None:
    ready = RouteReadiness(
        mark_of(None, rollout=True), settled_only=True, windows=WINDOWS, clock=Clock()
    )
    assert ready(route(cond("Ready", "False", "Validating", observedGeneration=2))) is False
    dns = route(
        cond("HostValidation", "False", "DnsNotVerified", observedGeneration=2),
        cond("Ready", "False", observedGeneration=2),
    )
    assert ready(dns) is True
