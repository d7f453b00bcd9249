"""Secrets: types, required keys, base64/PEM checks, write-only data."""

from __future__ import annotations

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import CA_PEM, KEY_PEM, assert_status, b64, secret


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
    assert "data" not in obj["spec"]
    assert obj["status"]["keys"] == ["password", "user"]
    fetched = api.get(kalix.api_path("kalixsecrets", "db-creds")).json()
    assert "data" not in fetched["spec"] and b64("p") not in str(fetched)


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
    assert replaced["status"]["keys"] == ["password"]
    assert replaced["metadata"]["generation"] == 1


def test_patch_secret__adds_and_removes_keys(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("db", "generic", {"password": "p", "old": "o"})
    ).raise_for_status()
    patched = api.patch(
        kalix.api_path("kalixsecrets", "db"),
        json={"spec": {"data": {"user": b64("u"), "old": None}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()
    assert patched["status"]["keys"] == ["password", "user"]
    assert patched["metadata"]["generation"] == 2


def test_delete_secret(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("db", "generic", {"password": "p"})
    ).raise_for_status()
    assert api.delete(kalix.api_path("kalixsecrets", "db")).status_code == 200
    assert_status(
        api.get(kalix.api_path("kalixsecrets", "db")),
        404,
        "NotFound",
        'kalixsecrets "db" not found',
    )
