"""Route status computation: conditions, messages, transition times (no summary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kalix_local.dns import StaticResolver
from kalix_local.route_status import HostInfo, compute_route_status, validating_status
from tests.support.objects import route_state

T0 = datetime(2021, 11, 9, 16, 45, 53, 123456, tzinfo=UTC)
T0_TEXT = "2021-11-09T16:45:53Z"
T1 = T0 + timedelta(minutes=20)
T1_TEXT = "2021-11-09T17:05:53Z"

CUSTOM = HostInfo(name="ecommerce.acme.org", generated=False, cname_target="us-east1.kalix.app")
GENERATED = HostInfo(
    name="spring-tooth-3406.us-east1.kalix.app", generated=True, cname_target="us-east1.kalix.app"
)


class ExplodingResolver:
    name = "static"

    def cname(self, host: str) -> str | None:
        raise RuntimeError("boom")


class CountingResolver:
    name = "static"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def cname(self, host: str) -> str | None:
        self.calls.append(host)
        return None


def verified_resolver() -> StaticResolver:
    return StaticResolver({"ecommerce.acme.org": "us-east1.kalix.app"})


def by_type(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}


def state(status: dict[str, Any]) -> str:
    """What the CLI would print, derived from the conditions as a client does."""
    return route_state({"metadata": {}, "status": status})


def test_validating_status_right_after_a_change() -> None:
    assert validating_status("ecommerce.acme.org", T0, None) == {
        "conditions": [
            {
                "type": "HostValidation",
                "status": "Unknown",
                "reason": "Validating",
                "message": "Validating hostname",
                "lastTransitionTime": T0_TEXT,
            },
            {
                "type": "Ready",
                "status": "False",
                "reason": "Validating",
                "message": "Validating hostname",
                "lastTransitionTime": T0_TEXT,
            },
        ],
    }


def test_validating_status_with_generation_sets_observed_generation() -> None:
    status = validating_status("ecommerce.acme.org", T0, None, generation=3)
    assert set(status) == {"conditions"}  # the published RouteStatus: no summary
    assert [c["observedGeneration"] for c in status["conditions"]] == [3, 3]


def test_validating_status_keeps_ready_transition_time_when_still_false() -> None:
    previous = compute_route_status(CUSTOM, [], StaticResolver(), T0, None, 1)["conditions"]
    conditions = by_type(validating_status("ecommerce.acme.org", T1, previous))
    assert conditions["Ready"]["lastTransitionTime"] == T0_TEXT  # False -> False
    assert conditions["HostValidation"]["lastTransitionTime"] == T1_TEXT  # False -> Unknown


def test_host_not_in_project_is_not_configured() -> None:
    status = compute_route_status(
        None, [], verified_resolver(), T0, None, 2, route_host="ecommerce.acme.org"
    )
    assert status == {
        "conditions": [
            {
                "type": "HostValidation",
                "status": "False",
                "reason": "HostnameNotFound",
                "message": "Host ecommerce.acme.org is not a hostname of this project",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 2,
            },
            {
                "type": "Ready",
                "status": "False",
                "reason": "NotConfigured",
                "message": "Host ecommerce.acme.org is not configured",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 2,
            },
        ],
    }


def test_custom_host_without_cname_is_dns_not_verified() -> None:
    status = compute_route_status(CUSTOM, [], StaticResolver(), T0, None, 1)
    assert status == {
        "conditions": [
            {
                "type": "HostValidation",
                "status": "False",
                "reason": "DnsNotVerified",
                "message": "Host ecommerce.acme.org did not resolve to a CNAME record. "
                "It must be configured to be a CNAME record to us-east1.kalix.app",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 1,
            },
            {
                "type": "Ready",
                "status": "False",
                "reason": "Validating",
                "message": "Validating hostname",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 1,
            },
        ],
    }


def test_custom_host_with_wrong_cname_names_the_actual_target() -> None:
    resolver = StaticResolver({"ecommerce.acme.org": "eu-west1.kalix.app"})
    status = compute_route_status(CUSTOM, [], resolver, T0, None, 1)
    assert state(status) == "DnsNotVerified"
    assert by_type(status)["HostValidation"]["message"] == (
        "Host ecommerce.acme.org resolves to a CNAME record to eu-west1.kalix.app. "
        "It must be configured to be a CNAME record to us-east1.kalix.app"
    )


def test_custom_host_cname_compares_case_insensitively() -> None:
    class UpperResolver:
        name = "static"

        def cname(self, host: str) -> str | None:
            return "US-EAST1.Kalix.App."

    status = compute_route_status(CUSTOM, [], UpperResolver(), T0, None, 1)
    assert state(status) == "Ready"


def test_custom_host_with_right_cname_is_ready() -> None:
    status = compute_route_status(CUSTOM, [], verified_resolver(), T0, None, 4)
    assert status == {
        "conditions": [
            {
                "type": "HostValidation",
                "status": "True",
                "reason": "DnsVerified",
                "message": "Host ecommerce.acme.org resolves to us-east1.kalix.app",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 4,
            },
            {
                "type": "Ready",
                "status": "True",
                "reason": "Ready",
                "message": "Route is ready",
                "lastTransitionTime": T0_TEXT,
                "observedGeneration": 4,
            },
        ],
    }


def test_generated_host_is_verified_without_asking_dns() -> None:
    resolver = CountingResolver()
    status = compute_route_status(GENERATED, [], resolver, T0, None, 1)
    assert resolver.calls == []
    assert state(status) == "Ready"
    assert by_type(status)["HostValidation"]["message"] == (
        "Host spring-tooth-3406.us-east1.kalix.app resolves to us-east1.kalix.app"
    )


def test_generated_host_without_cname_target_has_generated_message() -> None:
    host = HostInfo(name="mute-fog-6388.us-east1.kalix.app", generated=True, cname_target="")
    status = compute_route_status(host, [], StaticResolver(), T0, None, 1)
    assert by_type(status)["HostValidation"]["message"] == (
        "Host mute-fog-6388.us-east1.kalix.app is a generated hostname"
    )


def test_missing_services_make_verified_route_not_configured() -> None:
    status = compute_route_status(
        CUSTOM, ["cart", "catalog", "cart"], verified_resolver(), T0, None, 1
    )
    assert state(status) == "NotConfigured"
    conditions = by_type(status)
    assert conditions["HostValidation"]["status"] == "True"
    assert conditions["Ready"] == {
        "type": "Ready",
        "status": "False",
        "reason": "ServiceNotFound",
        "message": "Service(s) not found: cart, catalog",
        "lastTransitionTime": T0_TEXT,
        "observedGeneration": 1,
    }


def test_dns_failure_takes_precedence_over_missing_services() -> None:
    status = compute_route_status(CUSTOM, ["cart"], StaticResolver(), T0, None, 1)
    assert state(status) == "DnsNotVerified"
    assert by_type(status)["Ready"]["reason"] == "Validating"


def test_resolver_exception_counts_as_no_cname() -> None:
    status = compute_route_status(CUSTOM, [], ExplodingResolver(), T0, None, 1)
    assert state(status) == "DnsNotVerified"
    assert by_type(status)["HostValidation"]["message"].startswith(
        "Host ecommerce.acme.org did not resolve to a CNAME record."
    )


def test_transition_time_kept_while_status_unchanged() -> None:
    first = compute_route_status(CUSTOM, [], StaticResolver(), T0, None, 1)
    again = compute_route_status(CUSTOM, [], StaticResolver(), T1, first["conditions"], 2)
    assert [c["lastTransitionTime"] for c in again["conditions"]] == [T0_TEXT, T0_TEXT]
    assert [c["observedGeneration"] for c in again["conditions"]] == [2, 2]


def test_transition_time_kept_when_only_reason_changes() -> None:
    # Ready stays False (Validating -> ServiceNotFound): no transition.
    first = compute_route_status(CUSTOM, [], StaticResolver(), T0, None, 1)
    later = compute_route_status(CUSTOM, ["cart"], verified_resolver(), T1, first["conditions"], 1)
    conditions = by_type(later)
    assert conditions["Ready"]["lastTransitionTime"] == T0_TEXT
    assert conditions["Ready"]["reason"] == "ServiceNotFound"
    assert conditions["HostValidation"]["lastTransitionTime"] == T1_TEXT


def test_transition_time_moves_when_status_changes() -> None:
    first = compute_route_status(CUSTOM, [], StaticResolver(), T0, None, 1)
    later = compute_route_status(CUSTOM, [], verified_resolver(), T1, first["conditions"], 1)
    assert [c["lastTransitionTime"] for c in later["conditions"]] == [T1_TEXT, T1_TEXT]


def test_transition_time_is_utc_with_z() -> None:
    local = datetime(2021, 11, 9, 18, 45, 53, tzinfo=timezone(timedelta(hours=2)))
    status = compute_route_status(CUSTOM, [], verified_resolver(), local, None, 1)
    assert status["conditions"][0]["lastTransitionTime"] == T0_TEXT


def test_naive_time_is_taken_as_utc() -> None:
    status = compute_route_status(CUSTOM, [], verified_resolver(), T0.replace(tzinfo=None), None, 1)
    assert status["conditions"][0]["lastTransitionTime"] == T0_TEXT
