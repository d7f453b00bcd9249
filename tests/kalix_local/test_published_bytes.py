"""Lists, gets and watch events answer each object's stored published JSON (rewritten by
every save): a list after any change shows the change, its items are byte for byte what
a get answers, and so is the object of a watch event. A row stored before the column
existed (schema 1) is rendered when first read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx

from kalix_local.app import create_app
from kalix_local.config import Settings
from kalix_local.store import SCHEMA_VERSION, Store
from tests.support.local_server import KalixLocalServer
from tests.support.objects import service, wait_for_summary

SERVICES = "kalixservices"
MERGE = {"content-type": "application/merge-patch+json"}


def test_a_list_after_a_change_shows_the_change(kalix: KalixLocalServer, api: httpx.Client) -> None:
    path = kalix.api_path(SERVICES)
    api.post(path, json=service("cart", labels={"tier": "web"})).raise_for_status()
    api.post(path, json=service("shop")).raise_for_status()
    first = api.get(path).json()["items"]
    patched = api.patch(
        kalix.api_path(SERVICES, "cart"),
        json={"metadata": {"labels": {"tier": "db"}}},
        headers=MERGE,
    )
    patched.raise_for_status()
    listed = {o["metadata"]["name"]: o for o in api.get(path).json()["items"]}
    assert listed["cart"]["metadata"]["labels"] == {"tier": "db"}
    # At least the patch's version: the controller may have written a status since.
    listed_rv = int(listed["cart"]["metadata"]["resourceVersion"])
    assert listed_rv >= int(patched.json()["metadata"]["resourceVersion"])
    assert listed_rv > int(first[0]["metadata"]["resourceVersion"])
    # The label selector reads the labels as they are now, not as first stored.
    assert api.get(path, params={"labelSelector": "tier=web"}).json()["items"] == []
    by_label = api.get(path, params={"labelSelector": "tier=db"}).json()["items"]
    assert [o["metadata"]["name"] for o in by_label] == ["cart"]


def test_a_list_shows_the_status_the_controller_wrote(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    path = kalix.api_path(SERVICES)
    api.post(path, json=service("cart", min_instances=1)).raise_for_status()
    ready = wait_for_summary(api, kalix.api_path(SERVICES, "cart"), "Ready")
    (item,) = api.get(path).json()["items"]
    assert item == ready
    # A soft delete: gone from the list and the get, kept with includeDeleted.
    api.delete(kalix.api_path(SERVICES, "cart")).raise_for_status()
    assert api.get(path).json()["items"] == []
    assert api.get(kalix.api_path(SERVICES, "cart")).status_code == 404
    (tombstone,) = api.get(path, params={"includeDeleted": "true"}).json()["items"]
    assert tombstone["metadata"]["deletionTimestamp"]
    assert tombstone["spec"]["softDeleted"] == tombstone["metadata"]["deletionTimestamp"]


def test_list_items_are_the_bytes_a_get_answers(kalix: KalixLocalServer, api: httpx.Client) -> None:
    path = kalix.api_path(SERVICES)
    for name in ("a", "b", "c"):
        body = service(name, min_instances=1, labels={"x": 'quote " and é'})
        api.post(path, json=body).raise_for_status()
    for name in ("a", "b", "c"):  # then the controller leaves them alone
        wait_for_summary(api, kalix.api_path(SERVICES, name), "Ready")
    gets = [api.get(kalix.api_path(SERVICES, name)) for name in ("a", "b", "c")]
    listed = api.get(path)
    assert all(g.headers["content-type"] == "application/json" for g in gets)
    joined = b",".join(g.content for g in gets)
    assert listed.content.endswith(b'"items":[' + joined + b"]}")
    assert [o["metadata"]["name"] for o in listed.json()["items"]] == ["a", "b", "c"]


def test_a_watch_event_carries_the_bytes_a_get_answers(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    path = kalix.api_path(SERVICES)
    api.post(path, json=service("cart", min_instances=1)).raise_for_status()
    wait_for_summary(api, kalix.api_path(SERVICES, "cart"), "Ready")
    start = api.get(path).json()["metadata"]["resourceVersion"]
    patch = {"metadata": {"labels": {"n": "1"}}}
    api.patch(kalix.api_path(SERVICES, "cart"), json=patch, headers=MERGE).raise_for_status()
    get = api.get(kalix.api_path(SERVICES, "cart")).content
    params = {"watch": "true", "resourceVersion": start, "timeoutSeconds": "1"}
    with api.stream("GET", path, params=params, timeout=10) as response:
        lines = [line for line in response.iter_bytes() if line.strip()]
    line = b"".join(lines).strip()
    assert line == b'{"type":"MODIFIED","object":' + get + b"}"


def test_a_row_without_its_published_text_is_rendered_when_read(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, run_background=False))
    backend = app.state.backend
    project = backend.projects.create_project("p")["id"]
    backend.services.create(project, service("cart", labels={"tier": "web"}))
    shown = backend.services.get_body(project, "cart")
    store: Store = backend.core.store
    with store.tx() as tx:  # as a data dir of schema 1 leaves it
        tx._c.execute("UPDATE objects SET published = NULL")
    assert backend.services.get_body(project, "cart") == shown
    listed = json.loads(backend.services.list_body(project, {"tier": "web"}))
    assert listed["items"] == [json.loads(shown)]
    with store.tx() as tx:  # and stored back
        assert tx._c.execute("SELECT published FROM objects").fetchone()[0] == shown.decode()


def test_a_schema_1_data_dir_gains_the_published_column(tmp_path: Path) -> None:
    db = tmp_path / "kalix-local.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE objects DROP COLUMN published")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    Store(db).close()
    conn = sqlite3.connect(db)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(objects)")}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert "published" in columns and version == SCHEMA_VERSION == 3
