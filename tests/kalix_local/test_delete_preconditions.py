"""DELETE with a ``DeleteOptions`` body: preconditions on uid and resourceVersion, for
services (soft and hard delete), routes and secrets, over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    assert_deleted_status,
    assert_status,
    route,
    secret,
    service,
)

HOST = "shop.example.com"
KINDS = ("kalixservices", "kalixroutes", "kalixsecrets")


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[httpx.Client]:
    with kalix.client() as client:
        client.post(kalix.hostnames_path(), json={"name": HOST}).raise_for_status()
        yield client


def body_of(plural: str, name: str) -> dict[str, Any]:
    if plural == "kalixservices":
        return service(name)
    if plural == "kalixroutes":
        return route(name, HOST, {"/": "cart"})
    return secret(name, "generic", {"password": "s3cret"})


def create(kalix: KalixLocalServer, api: httpx.Client, plural: str, name: str) -> dict[str, Any]:
    response = api.post(kalix.api_path(plural), json=body_of(plural, name))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def delete(
    api: httpx.Client, path: str, options: Any, params: dict[str, str] | None = None
) -> httpx.Response:
    return api.request("DELETE", path, json=options, params=params)


def options(**preconditions: str) -> dict[str, Any]:
    return {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": preconditions}


def current(api: httpx.Client, path: str) -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    obj: dict[str, Any] = response.json()
    return obj


@pytest.mark.parametrize("plural", KINDS)
def test_matching_preconditions_delete(
    kalix: KalixLocalServer, api: httpx.Client, plural: str
) -> None:
    create(kalix, api, plural, "a")
    path = kalix.api_path(plural, "a")
    # The controller may write a status between our read and the delete (a new
    # resourceVersion): then the delete is refused, as it should be, and we read again.
    for _ in range(10):
        meta = current(api, path)["metadata"]
        options_ = options(uid=meta["uid"], resourceVersion=meta["resourceVersion"])
        response = delete(api, path, options_)
        if response.status_code != 409:
            break
    deleted = assert_deleted_status(response, "a", plural)
    assert deleted["details"]["uid"] == meta["uid"]
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("plural", KINDS)
def test_uid_mismatch_is_a_conflict_and_deletes_nothing(
    kalix: KalixLocalServer, api: httpx.Client, plural: str
) -> None:
    uid = create(kalix, api, plural, "a")["metadata"]["uid"]
    path = kalix.api_path(plural, "a")
    wrong = "00000000-0000-0000-0000-000000000000"
    body = assert_status(
        delete(api, path, options(uid=wrong)),
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {plural} "a": Precondition failed: '
        f"UID in precondition: {wrong}, UID in object meta: {uid}",
    )
    assert body["details"] == {"name": "a", "kind": plural}
    assert current(api, path)["metadata"]["uid"] == uid


@pytest.mark.parametrize("plural", KINDS)
def test_resource_version_mismatch_is_a_conflict_and_deletes_nothing(
    kalix: KalixLocalServer, api: httpx.Client, plural: str
) -> None:
    created = create(kalix, api, plural, "a")
    path = kalix.api_path(plural, "a")
    live = current(api, path)["metadata"]["resourceVersion"]
    stale = str(int(live) + 1000)
    body = assert_status(
        delete(api, path, options(uid=created["metadata"]["uid"], resourceVersion=stale)),
        409,
        "Conflict",
    )
    # The controller may write a service's status in between: the version it names is
    # the live one at the delete, not necessarily the one read above.
    prefix = (
        f'Operation cannot be fulfilled on {plural} "a": Precondition failed: '
        f"ResourceVersion in precondition: {stale}, ResourceVersion in object meta: "
    )
    assert body["message"].startswith(prefix)
    assert int(body["message"].removeprefix(prefix)) >= int(live)
    assert current(api, path)["metadata"]["uid"] == created["metadata"]["uid"]


def test_uid_is_checked_before_resource_version(kalix: KalixLocalServer, api: httpx.Client) -> None:
    create(kalix, api, "kalixsecrets", "a")
    path = kalix.api_path("kalixsecrets", "a")
    body = assert_status(delete(api, path, options(uid="x", resourceVersion="0")), 409, "Conflict")
    assert "UID in precondition: x" in body["message"]


def test_uid_of_a_recreated_object_does_not_delete_the_new_one(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    """What preconditions are for: a delete meant for the old object spares its
    namesake."""
    old = create(kalix, api, "kalixsecrets", "a")["metadata"]["uid"]
    path = kalix.api_path("kalixsecrets", "a")
    api.delete(path).raise_for_status()
    new = create(kalix, api, "kalixsecrets", "a")["metadata"]["uid"]
    assert_status(delete(api, path, options(uid=old)), 409, "Conflict")
    assert current(api, path)["metadata"]["uid"] == new


def test_absent_object_is_not_found_whatever_the_preconditions(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    path = kalix.api_path("kalixroutes", "nope")
    assert_status(delete(api, path, options(uid="x")), 404, "NotFound")


def test_soft_delete_checks_preconditions(kalix: KalixLocalServer, api: httpx.Client) -> None:
    uid = create(kalix, api, "kalixservices", "cart")["metadata"]["uid"]
    path = kalix.api_path("kalixservices", "cart")
    assert_status(delete(api, path, options(uid="other")), 409, "Conflict")
    listed = api.get(kalix.api_path("kalixservices"), params={"includeDeleted": "true"}).json()
    assert [i["metadata"].get("deletionTimestamp") for i in listed["items"]] == [None]
    assert_deleted_status(delete(api, path, options(uid=uid)), "cart", "kalixservices")
    assert api.get(path).status_code == 404


def test_hard_delete_checks_preconditions(kalix: KalixLocalServer, api: httpx.Client) -> None:
    uid = create(kalix, api, "kalixservices", "cart")["metadata"]["uid"]
    path = kalix.api_path("kalixservices", "cart")
    hard = {"hard": "true"}
    assert_status(delete(api, path, options(uid="other"), hard), 409, "Conflict")
    assert current(api, path)["metadata"]["uid"] == uid
    assert_deleted_status(delete(api, path, options(uid=uid), hard), "cart", "kalixservices")
    listed = api.get(kalix.api_path("kalixservices"), params={"includeDeleted": "true"}).json()
    assert listed["items"] == []


def test_hard_delete_of_a_soft_deleted_service_checks_its_tombstone(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    """The soft delete moved the resourceVersion: a hard delete guarded by the one seen
    before it is refused; the tombstone's own is taken."""
    created = create(kalix, api, "kalixservices", "cart")
    path = kalix.api_path("kalixservices", "cart")
    before = current(api, path)["metadata"]["resourceVersion"]
    api.delete(path).raise_for_status()
    (tombstone,) = api.get(
        kalix.api_path("kalixservices"), params={"includeDeleted": "true"}
    ).json()["items"]
    hard = {"hard": "true"}
    assert_status(delete(api, path, options(resourceVersion=before), hard), 409, "Conflict")
    response = delete(
        api,
        path,
        options(
            uid=created["metadata"]["uid"], resourceVersion=tombstone["metadata"]["resourceVersion"]
        ),
        hard,
    )
    assert_deleted_status(response, "cart", "kalixservices")


def test_an_empty_or_bare_body_deletes(kalix: KalixLocalServer, api: httpx.Client) -> None:
    for name, options_body in (("a", None), ("b", {}), ("c", {"preconditions": {}})):
        create(kalix, api, "kalixsecrets", name)
        path = kalix.api_path("kalixsecrets", name)
        assert_deleted_status(delete(api, path, options_body), name, "kalixsecrets")


@pytest.mark.parametrize(
    ("options_body", "field"),
    [
        ({"precondition": {"uid": "x"}}, "precondition"),  # misspelled: never ignored
        ({"preconditions": {"uid": 7}}, "preconditions.uid"),
        ({"preconditions": {"resourceVersion": ["1"]}}, "preconditions.resourceVersion"),
        ({"preconditions": "uid"}, "preconditions"),
        ({"kind": "KalixService"}, "kind"),
        ({"apiVersion": "kalix.io/v1alpha1"}, "apiVersion"),
        ({"dryRun": ["All"]}, "dryRun"),
    ],
)
def test_a_malformed_body_is_a_bad_request_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, options_body: Any, field: str
) -> None:
    create(kalix, api, "kalixsecrets", "a")
    path = kalix.api_path("kalixsecrets", "a")
    body = assert_status(delete(api, path, options_body), 400, "BadRequest")
    assert [c["field"] for c in body["details"]["causes"]] == [field], body
    assert field in body["message"]
    current(api, path)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"uid"', b"{not json"])
def test_a_body_that_is_no_object_is_a_bad_request(
    kalix: KalixLocalServer, api: httpx.Client, raw: bytes
) -> None:
    create(kalix, api, "kalixsecrets", "a")
    path = kalix.api_path("kalixsecrets", "a")
    response = api.request(
        "DELETE", path, content=raw, headers={"content-type": "application/json"}
    )
    assert_status(response, 400, "BadRequest")
    current(api, path)


def test_the_published_delete_options_fields_are_accepted(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    create(kalix, api, "kalixsecrets", "a")
    path = kalix.api_path("kalixsecrets", "a")
    body = {
        "kind": "DeleteOptions",
        "apiVersion": "meta.k8s.io/v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Background",
        "orphanDependents": False,
        "dryRun": [],
    }
    assert_deleted_status(delete(api, path, body), "a", "kalixsecrets")


def test_openapi_documents_the_delete_options_body(kalix_server: KalixLocalServer) -> None:
    document = httpx.get(f"{kalix_server.url}/openapi.json", timeout=10).json()
    prefix = "/apis/kalix.io/v1alpha1/namespaces/{project}"
    for plural in KINDS:
        request = document["paths"][f"{prefix}/{plural}/{{name}}"]["delete"]["requestBody"]
        assert request["required"] is False
        schema = request["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/DeleteOptions"}, plural
    schemas = document["components"]["schemas"]
    assert "preconditions" in schemas["DeleteOptions"]["properties"]
    assert {"uid", "resourceVersion"} <= set(schemas["Preconditions"]["properties"])
