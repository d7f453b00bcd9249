"""Admin API and fault injection (status with Retry-After, latency, drops)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, service


def test_fault_429__retry_after_and_count_bounded(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    kalix.admin("POST", "/faults", {"mode": "status", "status": 429, "retryAfter": 2, "count": 2})
    codes = []
    for _ in range(3):
        response = api.get(kalix.api_path("kalixservices"))
        codes.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["retry-after"] == "2"
            assert_status(response, 429, "TooManyRequests")
    assert codes == [429, 429, 200]
    [rule] = kalix.admin("GET", "/faults")["faults"]
    assert (rule["remaining"], rule["injected"]) == (0, 2)


def test_fault_503__only_matching_method_and_path(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    kalix.admin(
        "POST",
        "/faults",
        {
            "mode": "status",
            "status": 503,
            "count": 5,
            "methods": ["POST"],
            "pathContains": "kalixroutes",
        },
    )
    assert api.get(kalix.api_path("kalixroutes")).status_code == 200
    assert api.post(kalix.api_path("kalixservices"), json=service("a")).status_code == 201
    response = api.post(kalix.api_path("kalixroutes"), json={})
    assert_status(response, 503, "ServiceUnavailable")
    assert response.headers["retry-after"] == "1"


def test_fault_rate__deterministic_and_bounded(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("POST", "/faults", {"mode": "status", "status": 500, "rate": 0.5, "count": 40})
    codes = [api.get(kalix.api_path("kalixservices")).status_code for _ in range(40)]
    [rule] = kalix.admin("GET", "/faults")["faults"]
    assert rule["injected"] == codes.count(500)
    assert 5 < codes.count(500) < 35


def test_fault_never_on_admin_or_health(kalix: KalixLocalServer) -> None:
    kalix.admin("POST", "/faults", {"mode": "status", "status": 500, "count": 10})
    assert httpx.get(kalix.url + "/healthz").status_code == 200
    assert kalix.admin("GET", "/settings")["rolloutStepSeconds"] == 0.05


def test_fault_latency(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("POST", "/faults", {"mode": "latency", "latencyMs": 300, "count": 1})
    started = time.monotonic()
    assert api.get(kalix.api_path("kalixservices")).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_drop__request_not_applied(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("POST", "/faults", {"mode": "drop", "count": 1, "methods": ["POST"]})
    with pytest.raises(httpx.TransportError):
        api.post(kalix.api_path("kalixservices"), json=service("cart"))
    assert api.get(kalix.api_path("kalixservices", "cart")).status_code == 404


def test_fault_drop_after__request_applied(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("POST", "/faults", {"mode": "drop-after", "count": 1, "methods": ["POST"]})
    with pytest.raises(httpx.TransportError):
        api.post(kalix.api_path("kalixservices"), json=service("cart"))
    assert api.get(kalix.api_path("kalixservices", "cart")).status_code == 200
    retried = api.post(kalix.api_path("kalixservices"), json=service("cart"))
    assert_status(retried, 409, "AlreadyExists")


def test_faults__invalid_rule(kalix: KalixLocalServer) -> None:
    response = httpx.post(
        kalix.url + "/_local/faults",
        json={"mode": "status", "count": 10**6},
        headers=kalix.admin_headers,
    )
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "count"


def test_faults__cleared(kalix: KalixLocalServer, api: httpx.Client) -> None:
    kalix.admin("POST", "/faults", {"mode": "status", "status": 500, "count": 10})
    assert kalix.admin("DELETE", "/faults") == {"faults": []}
    assert api.get(kalix.api_path("kalixservices")).status_code == 200


def test_settings__patch_and_reset(kalix: KalixLocalServer) -> None:
    updated = kalix.admin("PATCH", "/settings", {"dnsRecheckSeconds": 5})
    assert updated["dnsRecheckSeconds"] == 5
    kalix.reset()
    assert kalix.admin("GET", "/settings")["dnsRecheckSeconds"] == 1200


def test_settings__unknown_field(kalix: KalixLocalServer) -> None:
    response = httpx.patch(
        kalix.url + "/_local/settings", json={"rolloutSpeed": 1}, headers=kalix.admin_headers
    )
    assert_status(response, 422, "Invalid")


def test_reset__wipes_objects_keeps_tokens(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    kalix.reset()
    assert api.get(kalix.api_path("kalixservices")).json()["items"] == []
    assert api.get(kalix.hostnames_path()).json() == {"hostnames": []}


def test_dns_records__roundtrip(kalix: KalixLocalServer) -> None:
    records = {"shop.example.com": "us-east1.kalix.app"}
    assert kalix.admin("PUT", "/dns/records", records) == records
    assert kalix.admin("GET", "/dns/records") == records


def test_admin__not_under_api_paths(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post("/apis/kalix.io/v1alpha1/_local/reset")
    assert response.status_code == 404
    assert response.json()["kind"] == "Status"
