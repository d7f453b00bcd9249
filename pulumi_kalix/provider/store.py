"""CRUD of `KalixStore` objects for the `Store` resource.

`postgres.ssl.password` is taken as its own secret input (`ssl_password`) and never
echoed: outputs carry a salted digest of it (itself a secret output), so a new password
is still seen by diff; the rest of the spec is plain and refresh reads it back.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    KalixStore,
    ObjectMeta,
    Postgres,
    PostgresSsl,
    StoreSpec,
    WireValidationError,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown, type_name

USER_KEYS = ("name", "in_memory", "postgres", "ssl_password_digest")
INPUT_KEYS = ("name", "in_memory", "postgres")
EXAMPLE = "postgres={'host': 'db.internal', 'credentials': {'secret': {'name': 'db-creds'}}}"


def password_digest(name: str, password: str) -> str:
    """A digest of the password salted with the name; stored only as a secret output."""
    return hashlib.sha256(f"pulumi-kalix:store:{name}:{password}".encode()).hexdigest()


def _without_password(postgres: Postgres | None) -> dict[str, Any] | None:
    if postgres is None:
        return None
    wire = postgres.to_wire()
    ssl = wire.get("ssl")
    if isinstance(ssl, dict):
        ssl.pop("password", None)  # never into state in plain text, whatever a read gives
    return wire


def postgres_failures(value: Any) -> list[CheckFailure]:
    if is_unknown(value):
        return []
    if not isinstance(value, dict):
        return [failure("postgres", f"postgres must be a map such as {EXAMPLE}")]
    ssl = value.get("ssl")
    if isinstance(ssl, dict) and "password" in ssl:
        return [
            failure(
                "postgres.ssl.password",
                "pass the SSL key password as ssl_password= (kept as a Pulumi secret), "
                "not inside postgres",
            )
        ]
    try:
        strict_validate(Postgres, value, prefix="postgres")
    except WireValidationError as exc:
        return [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    return []


class StoreProvider(ObjectProvider[KalixStore]):
    """The published status (summary, conditions) has no documented values for stores
    and no observedGeneration: nothing is awaited."""

    noun = "store"
    diff_keys = USER_KEYS
    input_keys = INPUT_KEYS
    collection = "stores"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        in_memory, postgres = news.get("in_memory"), news.get("postgres")
        if not (in_memory is None or is_unknown(in_memory) or isinstance(in_memory, bool)):
            got = type_name(in_memory)
            out.append(failure("in_memory", f"in_memory must be a boolean, got {got}"))
            return out
        if bool(in_memory) == (postgres is not None):
            out.append(
                failure(
                    "postgres",
                    "set exactly one of in_memory=True or postgres=... "
                    f"(e.g. {EXAMPLE}); got " + ("both" if in_memory else "neither"),
                )
            )
            return out
        if postgres is not None:
            out.extend(postgres_failures(postgres))
        password = news.get("ssl_password")
        if password is not None and not is_unknown(password):
            if not isinstance(password, str) or not password:
                # The message must not show the value.
                out.append(failure("ssl_password", "ssl_password must be a non-empty string"))
            elif postgres is None:
                out.append(failure("ssl_password", "ssl_password needs postgres=..."))
        return out

    def normalize(self, news: Props) -> Props:
        postgres = news.get("postgres")
        if isinstance(postgres, dict) and not is_unknown(postgres):
            news["postgres"] = Postgres.model_validate(postgres).to_wire()
        news["in_memory"] = bool(news.get("in_memory")) or None
        password = news.get("ssl_password")
        if isinstance(password, str) and not is_unknown(password):
            news["ssl_password_digest"] = password_digest(str(news.get("name")), password)
        elif password is None:
            news["ssl_password_digest"] = None
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        if is_unknown(news.get("ssl_password")) and "ssl_password_digest" not in changed:
            changed.append("ssl_password_digest")
        return changed

    def desired(self, props: Props, current: KalixStore | None) -> KalixStore:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        spec = current.spec.model_copy(deep=True) if current else StoreSpec()
        spec.in_memory = True if props.get("in_memory") else None
        postgres = props.get("postgres")
        spec.postgres = Postgres.model_validate(postgres) if postgres else None
        password = props.get("ssl_password")
        if spec.postgres is not None and isinstance(password, str):
            # Sent on every write: a platform that shows no password must not lose it.
            ssl = spec.postgres.ssl or PostgresSsl()
            ssl.password = password
            spec.postgres.ssl = ssl
        return KalixStore(metadata=meta, spec=spec)

    def inputs_from(self, obj: KalixStore) -> Props | None:
        return {
            "name": obj.metadata.name,
            "in_memory": obj.spec.in_memory or None,
            "postgres": _without_password(obj.spec.postgres),
        }

    def outputs(self, obj: KalixStore, props: Props) -> Props:
        status = obj.status
        return {
            **(self.inputs_from(obj) or {}),
            "ssl_password_digest": props.get("ssl_password_digest"),
            "summary": (status.summary if status else None) or "",
            "conditions": [c.to_wire() for c in (status.conditions or [])] if status else [],
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
