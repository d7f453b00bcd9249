"""Secrets: types, required keys, base64/PEM checks, write-only data."""

from __future__ import annotations

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    CA_PEM,
    KEY_PEM,
    assert_deleted_status,
    assert_status,
    b64,
    condition,
    secret,
    service,
    wait_for_summary,
)


@pytest.fixture
def api(kalix: KalixLocalServer) -> httpx.Client:
    with kalix.client() as client:
        yield client


def test_create_secret__data_is_write_only(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(
        kalix.api_path("kalixsecrets"),
        json=secret("db-creds", "generic", {"user": "u", "password": "p"}),
    )
    assert response.status_code == 201
    obj = response.json()
    assert obj["spec"] == {"type": "generic"}
    assert "status" not in obj  # no status.keys: not even the key names are readable
    fetched = api.get(kalix.api_path("kalixsecrets", "db-creds")).json()
    listed = api.get(kalix.api_path("kalixsecrets")).json()
    for shown in (obj, fetched, listed):
        assert b64("p") not in str(shown) and "password" not in str(shown)


def test_create_secret__tls_needs_keys(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(
        kalix.api_path("kalixsecrets"), json=secret("cert", "tls", {"tls.crt": CA_PEM})
    )
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["causes"] == [
        {
            "field": "spec.data",
            "message": "a tls secret needs the keys tls.key",
            "reason": "FieldValueInvalid",
        }
    ]


def test_create_secret__tls_ok(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = secret("cert", "tls", {"tls.crt": CA_PEM, "tls.key": KEY_PEM})
    assert api.post(kalix.api_path("kalixsecrets"), json=body).status_code == 201


def test_create_secret__tls_ca_must_be_pem(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(
        kalix.api_path("kalixsecrets"), json=secret("ca", "tls-ca", {"ca.crt": "not a certificate"})
    )
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "spec.data.ca.crt"


def test_create_secret__bad_base64_and_type(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = secret("s", "opaque", {})
    body["spec"]["data"] = {"k": "***"}
    status = assert_status(api.post(kalix.api_path("kalixsecrets"), json=body), 422, "Invalid")
    assert {c["field"] for c in status["details"]["causes"]} == {"spec.type", "spec.data.k"}


def test_create_secret__generic_needs_a_key(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = secret("s", "generic", {})
    status = assert_status(api.post(kalix.api_path("kalixsecrets"), json=body), 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "spec.data"


def test_replace_secret__without_data_keeps_it(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(
        kalix.api_path("kalixsecrets"), json=secret("db", "generic", {"password": "p"})
    ).json()
    created["metadata"]["labels"] = {"team": "a"}
    replaced = api.put(kalix.api_path("kalixsecrets", "db"), json=created).json()
    assert replaced["metadata"]["generation"] == 1
    # The stored key is still there: a service reading it starts.
    env = [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    api.post(kalix.api_path("kalixservices"), json=service("cart", env=env)).raise_for_status()
    wait_for_summary(api, kalix.api_path("kalixservices", "cart"), "Ready")


def test_patch_secret__adds_and_removes_keys(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("db", "generic", {"password": "p", "old": "o"})
    ).raise_for_status()
    patched = api.patch(
        kalix.api_path("kalixsecrets", "db"),
        json={"spec": {"data": {"user": b64("u"), "old": None}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()
    assert patched["metadata"]["generation"] == 2
    assert "status" not in patched and "user" not in str(patched)

    def ref(key: str) -> dict[str, object]:
        return {"name": key.upper(), "valueFrom": {"secretKeyRef": {"name": "db", "key": key}}}

    services = kalix.api_path("kalixservices")
    api.post(services, json=service("a", env=[ref("user"), ref("password")])).raise_for_status()
    api.post(services, json=service("b", env=[ref("old")])).raise_for_status()
    wait_for_summary(api, kalix.api_path("kalixservices", "a"), "Ready")
    missing = wait_for_summary(api, kalix.api_path("kalixservices", "b"), "Unavailable")
    assert condition(missing, "Ready")["message"] == 'secret "db" has no key "old"'


def test_delete_secret(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("db", "generic", {"password": "p"})
    ).raise_for_status()
    assert_deleted_status(api.delete(kalix.api_path("kalixsecrets", "db")), "db", "kalixsecrets")
    assert_status(
        api.get(kalix.api_path("kalixsecrets", "db")),
        404,
        "NotFound",
        'kalixsecrets "db" not found',
    )


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("symmetric", {"secret.key": "0123456789abcdef"}),
        ("asymmetric", {"private.key": KEY_PEM, "public.key": CA_PEM}),
    ],
)
def test_create_secret__cli_types(
    kalix: KalixLocalServer, api: httpx.Client, type_: str, data: dict[str, str]
) -> None:
    # The published type is a free string; these are two of the five the CLI creates.
    response = api.post(kalix.api_path("kalixsecrets"), json=secret("jwt-key", type_, data))
    assert response.status_code == 201, response.text
    assert response.json()["spec"] == {"type": type_}


def test_create_secret__resource_sync_round_trips(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = secret("db", "generic", {"password": "p"})
    body["spec"]["resourceSync"] = {"mode": "regional"}
    created = api.post(kalix.api_path("kalixsecrets"), json=body).json()
    assert created["spec"] == {"type": "generic", "resourceSync": {"mode": "regional"}}
    fetched = api.get(kalix.api_path("kalixsecrets", "db")).json()
    assert fetched["spec"] == created["spec"]
    body["spec"]["resourceSync"] = {"mode": "everywhere"}
    body["metadata"]["name"] = "other"
    status = assert_status(api.post(kalix.api_path("kalixsecrets"), json=body), 422, "Invalid")
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.resourceSync.mode"]
