"""The only code that touches SQLite.

One connection in WAL mode, serialised by a lock; every backend operation is one
``with store.tx()`` transaction, so a request either lands whole or not at all (also
across a ``kill -9``). ``resourceVersion`` is one global counter; every object write
appends an event that watch streams replay from a given version.

Each object row also keeps its *published* JSON (``published``: what a get answers,
rendered by its kind's backend, see :attr:`Store.renderers`), rewritten by every
``save_object``: a list joins those texts instead of decoding, rendering and encoding
every object again, and the event of a write carries the same text.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Events kept for watches from an old resourceVersion.
EVENTS_KEPT = 10_000
_PRUNE_EVERY = 500

#: Bumped with every change of the tables; ``PRAGMA user_version`` holds it. Version 0
#: (no number) is the layout before project UUIDs; version 1 the one before project
#: descriptions, role bindings, service tokens and ``objects.published`` (NULL, e.g.
#: after the migration: rendered when first read); version 2 had one of those two
#: changes (they were made side by side). All are migrated on open.
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS role_bindings (
    name TEXT PRIMARY KEY, project TEXT NOT NULL, role TEXT NOT NULL,
    principal TEXT NOT NULL, created TEXT NOT NULL, UNIQUE (project, role, principal));
CREATE TABLE IF NOT EXISTS service_tokens (
    name TEXT PRIMARY KEY, project TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL, scopes TEXT NOT NULL, created REAL NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, id TEXT NOT NULL, project TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS token_grants (
    hash TEXT NOT NULL, project TEXT NOT NULL, PRIMARY KEY (hash, project));
CREATE TABLE IF NOT EXISTS access_tokens (
    hash TEXT PRIMARY KEY, subject TEXT NOT NULL, principal TEXT NOT NULL,
    projects TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS access_tokens_expiry ON access_tokens (expires);
CREATE TABLE IF NOT EXISTS oidc_trust (
    subject TEXT NOT NULL, project TEXT NOT NULL, PRIMARY KEY (subject, project));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    uid TEXT NOT NULL, rv INTEGER NOT NULL, generation INTEGER NOT NULL,
    created TEXT NOT NULL, deleted_at TEXT, body TEXT NOT NULL, internal TEXT NOT NULL,
    due_at REAL, published TEXT,
    PRIMARY KEY (project, kind, name));
CREATE INDEX IF NOT EXISTS objects_due ON objects (kind, due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS hostnames (
    name TEXT PRIMARY KEY, project TEXT NOT NULL, body TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    rv INTEGER PRIMARY KEY, project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_scope ON events (project, kind, rv);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class StoreVersionError(Exception):
    """The data directory was written by a newer kalix-local."""


@dataclass(frozen=True)
class ProjectRow:
    id: str
    name: str
    created: str
    description: str = ""


@dataclass(frozen=True)
class RoleBindingRow:
    #: projects/<project-id>/roles/<role>/bindings/<binding-id>
    name: str
    project: str
    role: str
    principal: str
    created: str


@dataclass(frozen=True)
class ServiceTokenRow:
    #: projects/<project-id>/tokens/<token-id>
    name: str
    project: str
    description: str
    scopes: tuple[int, ...]
    created: float
    expires: float | None


@dataclass(frozen=True)
class AccessTokenRow:
    subject: str
    principal: str
    projects: frozenset[str]
    created: float
    expires: float


@dataclass
class Record:
    """One stored object. ``body`` holds the user metadata, spec and status; ``internal``
    what the API never shows (rollout instances, secret data)."""

    project: str
    kind: str
    name: str
    uid: str
    rv: int
    generation: int
    created: str
    deleted_at: str | None
    body: dict[str, Any]
    internal: dict[str, Any]
    due_at: float | None = None


_OBJECT_COLUMNS = (
    "project, kind, name, uid, rv, generation, created, deleted_at, body, internal, due_at"
)


#: What a list reads: the same columns without ``internal`` (rollout instances, secret
#: data), which no list shows and which was most of a list's decoding time.
_LISTED_COLUMNS = _OBJECT_COLUMNS.replace("internal", "NULL")


#: One event a commit wrote: (rv, project, kind, name, type, rendered object, and that
#: object's JSON text, the one a get answers).
Event = tuple[int, str, str, str, str, dict[str, Any], str]

#: How one kind shows a record on the API (the dict a get answers).
Renderer = Callable[["Record"], dict[str, Any]]


def encode(obj: Any) -> str:
    """JSON text as kalix-local answers it (compact, UTF-8 kept, as ``JSONResponse``)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _record(row: sqlite3.Row | tuple[Any, ...]) -> Record:
    return Record(
        project=row[0],
        kind=row[1],
        name=row[2],
        uid=row[3],
        rv=row[4],
        generation=row[5],
        created=row[6],
        deleted_at=row[7],
        body=json.loads(row[8]),
        internal=json.loads(row[9]) if row[9] is not None else {},
        due_at=row[10],
    )


class Tx:
    """Operations inside one transaction (the store lock is held)."""

    def __init__(self, conn: sqlite3.Connection, renderers: dict[str, Renderer]) -> None:
        self._c = conn
        self._renderers = renderers
        self.wrote_events = False
        #: the events this transaction wrote, handed to the listeners after the commit
        self.events: list[Event] = []

    # -- resource versions and events ------------------------------------------------

    def _counter(self, name: str) -> int:
        row = self._c.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _set_counter(self, name: str, value: int) -> None:
        self._c.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def current_rv(self) -> int:
        return self._counter("rv")

    def next_rv(self) -> int:
        rv = self._counter("rv") + 1
        self._set_counter("rv", rv)
        return rv

    def events_floor(self) -> int:
        """Events with rv <= this value were pruned (or wiped by a reset)."""
        return self._counter("events_floor")

    def add_event(
        self,
        rv: int,
        project: str,
        kind: str,
        name: str,
        type_: str,
        obj: dict[str, Any],
        text: str | None = None,
    ) -> None:
        """``text``: ``obj`` already encoded (by :meth:`save_object`), else encoded here."""
        if text is None:
            text = encode(obj)
        self._c.execute(
            "INSERT INTO events (rv, project, kind, name, type, body) VALUES (?, ?, ?, ?, ?, ?)",
            (rv, project, kind, name, type_, text),
        )
        self.wrote_events = True
        self.events.append((rv, project, kind, name, type_, obj, text))
        if rv % _PRUNE_EVERY == 0:
            floor = rv - EVENTS_KEPT
            if floor > self.events_floor():
                self._c.execute("DELETE FROM events WHERE rv <= ?", (floor,))
                self._set_counter("events_floor", floor)

    def events_since(
        self, project: str, kind: str, rv: int, name: str | None = None, limit: int = 500
    ) -> list[tuple[int, str, str]]:
        """(rv, type, the object's JSON text) of the events after ``rv``."""
        sql = "SELECT rv, type, body FROM events WHERE project = ? AND kind = ? AND rv > ?"
        args: list[Any] = [project, kind, rv]
        if name is not None:
            sql += " AND name = ?"
            args.append(name)
        sql += " ORDER BY rv LIMIT ?"
        args.append(limit)
        return [(r[0], r[1], r[2]) for r in self._c.execute(sql, args)]

    # -- objects ---------------------------------------------------------------------

    def get_object(self, project: str, kind: str, name: str) -> Record | None:
        row = self._c.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE project = ? AND kind = ? AND name = ?",
            (project, kind, name),
        ).fetchone()
        return _record(row) if row else None

    def list_objects(
        self, project: str, kind: str, include_deleted: bool = False, *, internal: bool = True
    ) -> list[Record]:
        """`internal=False`: records for showing, with ``internal`` left empty (not read);
        never save one of those back."""
        columns = _OBJECT_COLUMNS if internal else _LISTED_COLUMNS
        sql = f"SELECT {columns} FROM objects WHERE project = ? AND kind = ?"
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        return [_record(r) for r in self._c.execute(sql + " ORDER BY name", (project, kind))]

    def published_objects(
        self,
        project: str,
        kind: str,
        *,
        include_deleted: bool = False,
        name: str | None = None,
        labels: bool = False,
    ) -> list[tuple[str, Any]]:
        """(published JSON text, labels) of each object, by name; ``labels`` only read
        (parsed from the row) when asked, else None. Nothing else is decoded."""
        columns = "name, published"
        if labels:
            columns += ", json_extract(body, '$.metadata.labels')"
        sql = f"SELECT {columns} FROM objects WHERE project = ? AND kind = ?"
        args: list[Any] = [project, kind]
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        if name is not None:
            sql += " AND name = ?"
            args.append(name)
        out: list[tuple[str, Any]] = []
        for row in self._c.execute(sql + " ORDER BY name", args).fetchall():
            text = row[1] if row[1] is not None else self._publish(project, kind, row[0])
            out.append((text, json.loads(row[2]) if labels and row[2] is not None else None))
        return out

    def published_object(self, project: str, kind: str, name: str) -> str | None:
        """The published JSON text of a live object (None: missing or soft-deleted)."""
        row = self._c.execute(
            "SELECT published FROM objects "
            "WHERE project = ? AND kind = ? AND name = ? AND deleted_at IS NULL",
            (project, kind, name),
        ).fetchone()
        if row is None:
            return None
        return str(row[0]) if row[0] is not None else self._publish(project, kind, name)

    def _publish(self, project: str, kind: str, name: str) -> str:
        """Render a row stored without its published text (written before schema 2)."""
        rec = self.get_object(project, kind, name)
        assert rec is not None
        text = encode(self._renderers[kind](rec))
        self._c.execute(
            "UPDATE objects SET published = ? WHERE project = ? AND kind = ? AND name = ?",
            (text, project, kind, name),
        )
        return text

    def save_object(self, rec: Record) -> tuple[dict[str, Any], str] | None:
        """Store ``rec`` with its published JSON (re-rendered on every save, so no read
        ever sees a stale one); returns (the rendered object, its text), None for a kind
        without a renderer."""
        render = self._renderers.get(rec.kind)
        shown = None
        if render is not None:
            obj = render(rec)
            shown = (obj, encode(obj))
        self._c.execute(
            f"INSERT OR REPLACE INTO objects ({_OBJECT_COLUMNS}, published) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.project,
                rec.kind,
                rec.name,
                rec.uid,
                rec.rv,
                rec.generation,
                rec.created,
                rec.deleted_at,
                json.dumps(rec.body),
                json.dumps(rec.internal),
                rec.due_at,
                shown[1] if shown is not None else None,
            ),
        )
        return shown

    def delete_object(self, project: str, kind: str, name: str) -> None:
        self._c.execute(
            "DELETE FROM objects WHERE project = ? AND kind = ? AND name = ?",
            (project, kind, name),
        )

    def due_objects(self, kind: str, now: float, limit: int = 200) -> list[Record]:
        rows = self._c.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM objects "
            "WHERE kind = ? AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?",
            (kind, now, limit),
        )
        return [_record(r) for r in rows]

    def next_due(self, kind: str) -> float | None:
        row = self._c.execute(
            "SELECT MIN(due_at) FROM objects WHERE kind = ? AND due_at IS NOT NULL", (kind,)
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def hurry_pending(self, kind: str, react_at: float) -> None:
        """Bring forward to ``react_at`` every reaction of ``kind`` still waiting for the
        controller (``internal.pending``) and due later (``reactAt`` moves with it)."""
        self._c.execute(
            "UPDATE objects SET due_at = ?1, internal = CASE "
            "WHEN json_type(internal, '$.reactAt') IS NULL THEN internal "
            "ELSE json_set(internal, '$.reactAt', ?1) END "
            "WHERE kind = ?2 AND json_extract(internal, '$.pending') = 1 AND due_at > ?1",
            (react_at, kind),
        )

    def mark_due(self, kind: str, due_at: float, project: str | None = None) -> None:
        """Schedule every live object of ``kind`` (in ``project``) for a check."""
        sql = "UPDATE objects SET due_at = ? WHERE kind = ? AND deleted_at IS NULL"
        args: list[Any] = [due_at, kind]
        if project is not None:
            sql += " AND project = ?"
            args.append(project)
        self._c.execute(sql, args)

    # -- projects and tokens ---------------------------------------------------------
    # Every other table names a project by its id (a UUID); ``name`` is the friendly name.

    _PROJECT = "SELECT id, name, created, description FROM projects"

    def project(self, id_: str) -> ProjectRow | None:
        row = self._c.execute(f"{self._PROJECT} WHERE id = ?", (id_,)).fetchone()
        return ProjectRow(*row) if row else None

    def project_named(self, name: str) -> ProjectRow | None:
        row = self._c.execute(f"{self._PROJECT} WHERE name = ?", (name,)).fetchone()
        return ProjectRow(*row) if row else None

    def list_projects(self) -> list[ProjectRow]:
        rows = self._c.execute(f"{self._PROJECT} ORDER BY name, id")
        return [ProjectRow(*r) for r in rows]

    def create_project(self, name: str, created: str, description: str = "") -> str:
        """The id of the project ``name``, created (with a new UUID) if missing."""
        found = self.project_named(name)
        if found is not None:
            return found.id
        id_ = str(uuid.uuid4())
        self._c.execute(
            "INSERT INTO projects (id, name, created, description) VALUES (?, ?, ?, ?)",
            (id_, name, created, description),
        )
        return id_

    def update_project(self, id_: str, *, name: str, description: str) -> None:
        self._c.execute(
            "UPDATE projects SET name = ?, description = ? WHERE id = ?", (name, description, id_)
        )

    def delete_project(self, id_: str) -> None:
        """Remove the project and everything in it (objects, hostnames, events, grants,
        role bindings, service tokens and the access tokens made from those)."""
        for table in ("objects", "hostnames", "events", "token_grants", "oidc_trust"):
            self._c.execute(f"DELETE FROM {table} WHERE project = ?", (id_,))
        for (token_name,) in self._c.execute(
            "SELECT name FROM service_tokens WHERE project = ?", (id_,)
        ).fetchall():
            self._c.execute("DELETE FROM access_tokens WHERE subject = ?", (token_name,))
        for table in ("role_bindings", "service_tokens"):
            self._c.execute(f"DELETE FROM {table} WHERE project = ?", (id_,))
        self._c.execute("DELETE FROM projects WHERE id = ?", (id_,))

    def token_hash_of(self, token_id: str) -> str | None:
        """The hash of the refresh token with this id (access tokens name it)."""
        row = self._c.execute("SELECT hash FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return str(row[0]) if row else None

    # -- role bindings ---------------------------------------------------------------

    _BINDING = "SELECT name, project, role, principal, created FROM role_bindings"

    def role_bindings(self, project: str) -> list[RoleBindingRow]:
        rows = self._c.execute(f"{self._BINDING} WHERE project = ? ORDER BY name", (project,))
        return [RoleBindingRow(*r) for r in rows]

    def role_binding(self, name: str) -> RoleBindingRow | None:
        row = self._c.execute(f"{self._BINDING} WHERE name = ?", (name,)).fetchone()
        return RoleBindingRow(*row) if row else None

    def role_binding_of(self, project: str, role: str, principal: str) -> RoleBindingRow | None:
        row = self._c.execute(
            f"{self._BINDING} WHERE project = ? AND role = ? AND principal = ?",
            (project, role, principal),
        ).fetchone()
        return RoleBindingRow(*row) if row else None

    def add_role_binding(self, row: RoleBindingRow) -> None:
        self._c.execute(
            "INSERT INTO role_bindings (name, project, role, principal, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (row.name, row.project, row.role, row.principal, row.created),
        )

    def delete_role_binding(self, name: str) -> None:
        self._c.execute("DELETE FROM role_bindings WHERE name = ?", (name,))

    # -- service tokens --------------------------------------------------------------

    _TOKEN = "SELECT name, project, description, scopes, created, expires FROM service_tokens"

    @staticmethod
    def _service_token(row: tuple[Any, ...]) -> ServiceTokenRow:
        return ServiceTokenRow(
            row[0], row[1], row[2], tuple(json.loads(row[3])), float(row[4]), row[5]
        )

    def service_tokens(self, project: str) -> list[ServiceTokenRow]:
        rows = self._c.execute(f"{self._TOKEN} WHERE project = ? ORDER BY name", (project,))
        return [self._service_token(r) for r in rows]

    def service_token(self, name: str) -> ServiceTokenRow | None:
        row = self._c.execute(f"{self._TOKEN} WHERE name = ?", (name,)).fetchone()
        return self._service_token(row) if row else None

    def service_token_by_hash(self, token_hash: str) -> ServiceTokenRow | None:
        row = self._c.execute(f"{self._TOKEN} WHERE hash = ?", (token_hash,)).fetchone()
        return self._service_token(row) if row else None

    def add_service_token(self, row: ServiceTokenRow, token_hash: str) -> None:
        self._c.execute(
            "INSERT INTO service_tokens (name, project, hash, description, scopes, created, "
            "expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row.name,
                row.project,
                token_hash,
                row.description,
                json.dumps(list(row.scopes)),
                row.created,
                row.expires,
            ),
        )

    def delete_service_token(self, name: str) -> None:
        """Revoke it, and the access tokens made from it."""
        self._c.execute("DELETE FROM service_tokens WHERE name = ?", (name,))
        self._c.execute("DELETE FROM access_tokens WHERE subject = ?", (name,))

    def add_token(self, token_hash: str, token_id: str, project: str, created: str) -> None:
        self._c.execute(
            "INSERT INTO tokens (hash, id, project, created) VALUES (?, ?, ?, ?)",
            (token_hash, token_id, project, created),
        )

    def grant_token(self, token_hash: str, project: str) -> None:
        """Let a token also act on `project` (one stack may span projects)."""
        self._c.execute(
            "INSERT OR IGNORE INTO token_grants (hash, project) VALUES (?, ?)",
            (token_hash, project),
        )

    def token_id(self, token_hash: str) -> str | None:
        row = self._c.execute("SELECT id FROM tokens WHERE hash = ?", (token_hash,)).fetchone()
        return str(row[0]) if row else None

    def token_projects(self, token_hash: str) -> set[str] | None:
        """The ids of the projects a refresh token may act on; None for an unknown token."""
        row = self._c.execute("SELECT project FROM tokens WHERE hash = ?", (token_hash,)).fetchone()
        if row is None:
            return None
        grants = self._c.execute(
            "SELECT project FROM token_grants WHERE hash = ?", (token_hash,)
        ).fetchall()
        return {str(row[0]), *(str(g[0]) for g in grants)}

    def add_access_token(self, token_hash: str, row: AccessTokenRow) -> None:
        self._c.execute(
            "INSERT INTO access_tokens (hash, subject, principal, projects, created, expires) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                token_hash,
                row.subject,
                row.principal,
                json.dumps(sorted(row.projects)),
                row.created,
                row.expires,
            ),
        )

    def access_token(self, token_hash: str) -> AccessTokenRow | None:
        found = self._c.execute(
            "SELECT subject, principal, projects, created, expires FROM access_tokens "
            "WHERE hash = ?",
            (token_hash,),
        ).fetchone()
        if found is None:
            return None
        return AccessTokenRow(
            found[0], found[1], frozenset(json.loads(found[2])), float(found[3]), float(found[4])
        )

    def prune_access_tokens(self, before: float) -> None:
        """Forget access tokens that expired before ``before`` (they are refused anyway)."""
        self._c.execute("DELETE FROM access_tokens WHERE expires < ?", (before,))

    def trust_subject(self, subject: str, project: str) -> None:
        """Let ID tokens of ``subject`` (from the local issuer) act on ``project``."""
        self._c.execute(
            "INSERT OR IGNORE INTO oidc_trust (subject, project) VALUES (?, ?)", (subject, project)
        )

    def trusted_projects(self, subject: str) -> set[str]:
        rows = self._c.execute("SELECT project FROM oidc_trust WHERE subject = ?", (subject,))
        return {str(r[0]) for r in rows}

    def meta(self, key: str) -> str | None:
        row = self._c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def meta_or_create(self, key: str, make: Callable[[], str]) -> str:
        """A value of this data directory that never changes once made (e.g. an id)."""
        value = self.meta(key)
        if value is None:
            value = make()
            self._c.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value

    # -- hostnames -------------------------------------------------------------------

    def get_hostname(self, name: str) -> tuple[str, dict[str, Any]] | None:
        row = self._c.execute(
            "SELECT project, body FROM hostnames WHERE name = ?", (name,)
        ).fetchone()
        return (str(row[0]), json.loads(row[1])) if row else None

    def list_hostnames(self, project: str) -> list[dict[str, Any]]:
        rows = self._c.execute(
            "SELECT body FROM hostnames WHERE project = ? ORDER BY rowid", (project,)
        )
        return [json.loads(r[0]) for r in rows]

    def insert_hostname(self, name: str, project: str, body: dict[str, Any], created: str) -> None:
        self._c.execute(
            "INSERT INTO hostnames (name, project, body, created) VALUES (?, ?, ?, ?)",
            (name, project, json.dumps(body), created),
        )

    def update_hostname(self, name: str, body: dict[str, Any]) -> None:
        self._c.execute("UPDATE hostnames SET body = ? WHERE name = ?", (json.dumps(body), name))

    def delete_hostname(self, name: str) -> None:
        self._c.execute("DELETE FROM hostnames WHERE name = ?", (name,))

    # -- settings and reset ----------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._c.execute("SELECT key, value FROM settings")}

    def set_setting(self, key: str, value: Any) -> None:
        self._c.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def delete_setting(self, key: str) -> None:
        self._c.execute("DELETE FROM settings WHERE key = ?", (key,))

    def reset(self) -> None:
        """Wipe objects, hostnames, events, settings, role bindings and service tokens
        (what lives in projects); keep projects and refresh tokens. The rv counter keeps
        counting so that no watcher ever sees a version twice."""
        self._c.execute(
            "DELETE FROM access_tokens WHERE subject IN (SELECT name FROM service_tokens)"
        )
        for table in (
            "objects",
            "hostnames",
            "events",
            "settings",
            "role_bindings",
            "service_tokens",
        ):
            self._c.execute(f"DELETE FROM {table}")
        self._set_counter("events_floor", self.current_rv())


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        # Secret data lives here: owner only. SQLite gives its -wal and -shm files the
        # database file's mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        self._conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL: a commit survives a process crash (kill -9); only an OS
        # crash may lose the last transactions, which a local emulator can afford.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._lock = threading.RLock()
        self._listeners: list[Callable[[list[Event]], None]] = []
        #: kind -> how its backend renders a record (registered by each backend). It may
        #: read only the record's columns and ``body``: ``due_at`` and ``internal`` are
        #: also updated in place, which does not re-render.
        self.renderers: dict[str, Renderer] = {}
        try:
            _open_schema(self._conn, path)
        except BaseException:
            self._conn.close()
            raise

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self._conn, self.renderers)
            try:
                yield tx
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            # Still under the lock, so listeners see commits in resourceVersion order.
            if tx.wrote_events:
                for listener in list(self._listeners):
                    listener(tx.events)

    def add_listener(self, listener: Callable[[list[Event]], None]) -> None:
        """Called (from the committing thread, holding the store lock: it must not block
        or call the store) after every commit that wrote events, with those events."""
        self._listeners.append(listener)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _open_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables, or migrate an older data directory in one transaction."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the data directory {path.parent} was written by a newer kalix-local "
            f"(schema {version}, this one knows {SCHEMA_VERSION}); upgrade kalix-local "
            "or start with another --data-dir"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        legacy = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projects'"
        ).fetchone()
        if legacy is not None and version == 0:
            _migrate_from_0(conn)
        elif version in (1, 2):
            _add_project_descriptions(conn)
        for statement in _statements(_SCHEMA):
            conn.execute(statement)
        # Versions 0 to 2 may have the objects table without this column.
        columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(objects)")}
        if "published" not in columns:
            conn.execute("ALTER TABLE objects ADD COLUMN published TEXT")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _add_project_descriptions(conn: sqlite3.Connection) -> None:
    """Versions 1 and 2 may lack project descriptions (the new tables are simply created)."""
    columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(projects)")}
    if "description" not in columns:
        conn.execute("ALTER TABLE projects ADD COLUMN description TEXT NOT NULL DEFAULT ''")


def _migrate_from_0(conn: sqlite3.Connection) -> None:
    """Version 0 named projects by their friendly name everywhere: give each a UUID,
    re-key every table by it, and give each token an id."""
    conn.execute("ALTER TABLE projects RENAME TO projects_v0")
    conn.execute("ALTER TABLE tokens RENAME TO tokens_v0")
    for statement in _statements(_SCHEMA):
        conn.execute(statement)
    ids: dict[str, str] = {}
    for name, created in conn.execute("SELECT name, created FROM projects_v0").fetchall():
        ids[name] = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO projects (id, name, created) VALUES (?, ?, ?)", (ids[name], name, created)
        )
    for token_hash, project, created in conn.execute(
        "SELECT hash, project, created FROM tokens_v0"
    ).fetchall():
        conn.execute(
            "INSERT INTO tokens (hash, id, project, created) VALUES (?, ?, ?, ?)",
            (token_hash, str(uuid.uuid4()), ids.get(project, project), created),
        )
    for table in ("token_grants", "objects", "hostnames"):
        conn.execute(
            f"UPDATE {table} SET project = COALESCE("
            "(SELECT id FROM projects WHERE projects.name = " + table + ".project), project)"
        )
    # Old events name projects by friendly name: drop them, so a watch from an old
    # resourceVersion gets 410 Expired and relists, as after a reset.
    conn.execute("DELETE FROM events")
    rv = conn.execute("SELECT value FROM counters WHERE name = 'rv'").fetchone()
    conn.execute(
        "INSERT INTO counters (name, value) VALUES ('events_floor', ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (int(rv[0]) if rv else 0,),
    )
    conn.execute("DROP TABLE projects_v0")
    conn.execute("DROP TABLE tokens_v0")
