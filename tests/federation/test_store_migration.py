"""A data directory from before project UUIDs is migrated; one from a newer kalix-local
is refused with one line naming it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from kalix_local.backend.projects import hash_token
from kalix_local.store import SCHEMA_VERSION, Store
from tests.support.local_server import REPO_ROOT, KalixLocalServer

# The tables as kalix-local wrote them before schema versions (version 0).
_V0_SCHEMA = """
CREATE TABLE projects (name TEXT PRIMARY KEY, created TEXT NOT NULL);
CREATE TABLE tokens (hash TEXT PRIMARY KEY, project TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE token_grants (hash TEXT NOT NULL, project TEXT NOT NULL, PRIMARY KEY (hash, project));
CREATE TABLE objects (
    project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    uid TEXT NOT NULL, rv INTEGER NOT NULL, generation INTEGER NOT NULL,
    created TEXT NOT NULL, deleted_at TEXT, body TEXT NOT NULL, internal TEXT NOT NULL,
    due_at REAL, PRIMARY KEY (project, kind, name));
CREATE TABLE hostnames (
    name TEXT PRIMARY KEY, project TEXT NOT NULL, body TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE events (
    rv INTEGER PRIMARY KEY, project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
NOW = "2025-01-01T00:00:00Z"


def _v0_data_dir(path: Path, token: str) -> None:
    conn = sqlite3.connect(path / "kalix-local.db")
    conn.executescript(_V0_SCHEMA)
    for project in ("shop", "team-b", "default"):
        conn.execute("INSERT INTO projects VALUES (?, ?)", (project, NOW))
    conn.execute("INSERT INTO tokens VALUES (?, 'shop', ?)", (hash_token(token), NOW))
    conn.execute("INSERT INTO token_grants VALUES (?, 'team-b')", (hash_token(token),))
    body = {"metadata": {}, "spec": {"containers": [{"name": "c", "image": "cart:1"}]}}
    status = {"summary": "Ready", "replicas": 1, "conditions": []}
    conn.execute(
        "INSERT INTO objects VALUES "
        "('shop', 'KalixService', 'cart', ?, 7, 1, ?, NULL, ?, '{}', NULL)",
        (str(uuid.uuid4()), NOW, json.dumps({**body, "status": status})),
    )
    hostname = {"name": "shop.example.com", "isGenerated": False, "global": False}
    conn.execute(
        "INSERT INTO hostnames VALUES ('shop.example.com', 'shop', ?, ?)",
        (json.dumps(hostname), NOW),
    )
    conn.execute("INSERT INTO events VALUES (7, 'shop', 'KalixService', 'cart', 'ADDED', '{}')")
    conn.execute("INSERT INTO counters VALUES ('rv', 7)")
    conn.commit()
    conn.close()


def test_a_version_0_data_dir_is_migrated(tmp_path: Path) -> None:
    token = "klx_old-token"
    _v0_data_dir(tmp_path, token)
    store = Store(tmp_path / "kalix-local.db")
    try:
        with store.tx() as tx:
            ids = {p.name: p.id for p in tx.list_projects()}
            assert set(ids) == {"shop", "team-b", "default"}
            assert all(str(uuid.UUID(i)) == i for i in ids.values())
            assert tx.token_projects(hash_token(token)) == {ids["shop"], ids["team-b"]}
            assert tx.get_object(ids["shop"], "KalixService", "cart") is not None
            assert tx.get_hostname("shop.example.com") == (
                ids["shop"],
                {"name": "shop.example.com", "isGenerated": False, "global": False},
            )
            assert tx.events_since(ids["shop"], "KalixService", 0) == []
            assert tx.events_floor() == 7
    finally:
        store.close()
    version = sqlite3.connect(tmp_path / "kalix-local.db").execute("PRAGMA user_version")
    assert version.fetchone()[0] == SCHEMA_VERSION
    # The old token, exchanged, reaches the old object under the project's new UUID.
    with KalixLocalServer(tmp_path) as server:
        response = httpx.get(
            server.url + server.api_path("kalixservices", "cart", project="shop"),
            headers={"Authorization": f"Bearer {server.access_token(token)}"},
        )
        assert response.status_code == 200
        assert response.json()["metadata"]["namespace"] == ids["shop"]
        assert server.project_id("shop") == ids["shop"]


@pytest.mark.parametrize(
    ("version", "dropped"),
    [
        (1, ("description", "published")),
        # Version 2 had one of the two changes (they were made side by side).
        (2, ("published",)),
        (2, ("description",)),
    ],
)
def test_older_data_dirs_gain_descriptions_bindings_tokens_and_published_text(
    tmp_path: Path, version: int, dropped: tuple[str, ...]
) -> None:
    token = "klx_v1-token"
    _v0_data_dir(tmp_path, token)
    Store(tmp_path / "kalix-local.db").close()  # -> the current layout
    # Back to the older layout.
    conn = sqlite3.connect(tmp_path / "kalix-local.db")
    if "description" in dropped:
        conn.executescript(
            "DROP TABLE role_bindings; DROP TABLE service_tokens;"
            "ALTER TABLE projects DROP COLUMN description;"
        )
    if "published" in dropped:
        conn.execute("ALTER TABLE objects DROP COLUMN published")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    store = Store(tmp_path / "kalix-local.db")
    try:
        with store.tx() as tx:
            shop = tx.project_named("shop")
            assert shop is not None and shop.description == ""
            assert tx.role_bindings(shop.id) == [] and tx.service_tokens(shop.id) == []
            assert tx.get_object(shop.id, "KalixService", "cart") is not None
            assert tx.token_projects(hash_token(token)) is not None
    finally:
        store.close()
    conn = sqlite3.connect(tmp_path / "kalix-local.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert "published" in {r[1] for r in conn.execute("PRAGMA table_info(objects)")}
    conn.close()


def test_a_data_dir_from_a_newer_kalix_local_is_refused_in_one_line(tmp_path: Path) -> None:
    Store(tmp_path / "kalix-local.db").close()
    conn = sqlite3.connect(tmp_path / "kalix-local.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for command in (["token", "create", "--project", "x"], ["serve", "--port", "0"]):
        result = subprocess.run(
            [sys.executable, "-m", "kalix_local", *command, "--data-dir", str(tmp_path)],
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 1, command
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(tmp_path) in lines[0] and "newer kalix-local" in lines[0]
