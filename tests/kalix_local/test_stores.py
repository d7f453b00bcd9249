"""Stores (`kalixstores`): the published shape, the verbs, validation errors as a
Kubernetes `Status`, and a write-only `postgres.ssl.password`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "kalixstores"
MERGE = {"Content-Type": "application/merge-patch+json"}
PASSWORD = "key-passphrase-42"
POSTGRES = {
    "host": "db.internal",
    "port": 5432,
    "database": "shop",
    "dialect": "postgres",
    "googleCloudSql": {"instanceName": "acme:eu:db"},
    "credentials": {
        "secret": {"name": "db-creds"},
        "usernameKey": "user",
        "passwordKey": "pw",
        "databaseKey": "db",
    },
    "ssl": {
        "secret": {"name": "db-tls"},
        "mode": "verify-full",
        "cert": "tls.crt",
        "rootCert": "ca.crt",
        "key": "tls.key",
    },
}


def store(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixStore",
        "metadata": {"name": name},
        "spec": spec,
    }


def with_password(password: str = PASSWORD) -> dict[str, Any]:
    return {**POSTGRES, "ssl": {**POSTGRES["ssl"], "password": password}}


def test_every_published_field_is_kept_but_the_ssl_password_is_never_shown(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    response = api.post(kalix.api_path(PLURAL), json=store("pg", postgres=with_password()))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "KalixStore" and created["spec"] == {"postgres": POSTGRES}
    assert "status" not in created
    fetched = api.get(kalix.api_path(PLURAL, "pg")).json()
    listed = api.get(kalix.api_path(PLURAL)).json()
    assert listed["kind"] == "KalixStoreList" and listed["items"] == [fetched]
    for shown in (created, fetched, listed):
        assert PASSWORD not in str(shown)
    assert kalix.record_path is not None  # the exchange log kalix-local keeps
    record = kalix.record_path.read_text()
    assert "db.internal" in record and PASSWORD not in record


def test_in_memory(kalix: KalixLocalServer, api: httpx.Client) -> None:
    created = api.post(kalix.api_path(PLURAL), json=store("mem", inMemory=True)).json()
    assert created["spec"] == {"inMemory": True}


def test_an_update_without_the_password_keeps_it_and_a_new_one_is_a_new_generation(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(kalix.api_path(PLURAL), json=store("pg", postgres=with_password())).json()
    body = store("pg", postgres=POSTGRES)  # what a read gives back: no password
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    same = api.put(kalix.api_path(PLURAL, "pg"), json=body).json()
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    body["spec"]["postgres"] = with_password("another-passphrase")
    changed = api.put(kalix.api_path(PLURAL, "pg"), json=body).json()
    assert changed["metadata"]["generation"] == 2
    patched = api.patch(
        kalix.api_path(PLURAL, "pg"), json={"spec": {"postgres": {"port": 6432}}}, headers=MERGE
    ).json()
    assert patched["spec"]["postgres"]["port"] == 6432 and patched["metadata"]["generation"] == 3
    assert "another-passphrase" not in str(patched)


def test_delete(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.api_path(PLURAL), json=store("mem", inMemory=True))
    deleted = api.delete(kalix.api_path(PLURAL, "mem"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert_status(api.get(kalix.api_path(PLURAL, "mem")), 404, "NotFound")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({}, "spec"),
        ({"inMemory": True, "postgres": POSTGRES}, "spec"),
        ({"postgres": {**POSTGRES, "dialect": "mysql"}}, "spec.postgres.dialect"),
        ({"postgres": {**POSTGRES, "host": ""}}, "spec.postgres.host"),
        (
            {"postgres": {**POSTGRES, "ssl": {**POSTGRES["ssl"], "mode": "always"}}},
            "spec.postgres.ssl.mode",
        ),
        ({"postgres": {**POSTGRES, "hostname": "x"}}, "spec.postgres.hostname"),
    ],
    ids=["neither", "both", "dialect", "host", "ssl-mode", "typo"],
)
def test_bad_specs_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str
) -> None:
    status = assert_status(
        api.post(kalix.api_path(PLURAL), json=store("pg", **spec)), 422, "Invalid"
    )
    assert field in {c["field"] for c in status["details"]["causes"]}, status
