"""Stores: where services persist state (in memory, or a Postgres database).

``postgres.ssl.password`` is write-only, like a secret's data: it is kept in
``internal`` and never shown; an update without it keeps the stored one. The published
``KalixStoreStatus`` has ``summary`` and ``conditions`` whose values are not documented
for stores, and nothing here connects to a database, so stores have no status.
"""

from __future__ import annotations

import copy
from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.store import Record, Tx
from pulumi_kalix.api import KalixStore


def _password(spec: dict[str, Any]) -> tuple[bool, Any]:
    ssl = (
        (spec.get("postgres") or {}).get("ssl") if isinstance(spec.get("postgres"), dict) else None
    )
    if isinstance(ssl, dict) and "password" in ssl:
        return True, ssl["password"]
    return False, None


class StoreBackend(ObjectBackend):
    kind = "KalixStore"
    plural = "kalixstores"
    model = KalixStore

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        in_memory = spec.get("inMemory") is True
        postgres = spec.get("postgres") is not None
        if in_memory == postgres:
            # OAS requires neither; one backend per store is our assumption.
            got = "both" if in_memory else "neither"
            return [("spec", f"must set exactly one of spec.inMemory: true, spec.postgres ({got})")]
        return []

    def split_spec(
        self, spec: dict[str, Any], old: Record | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        shown = copy.deepcopy(spec)
        given, password = _password(spec)
        if given:
            del shown["postgres"]["ssl"]["password"]
        elif old is not None and shown.get("postgres") is not None:
            password = old.internal.get("sslPassword")  # write-only: kept when left out
        return shown, {"sslPassword": password if shown.get("postgres") is not None else None}

    def spec_state(self, rec: Record) -> Any:
        return (rec.body.get("spec"), rec.internal.get("sslPassword"))

    def patch_base(self, rec: Record) -> dict[str, Any]:
        obj = super().patch_base(rec)
        password = rec.internal.get("sslPassword")
        if password is not None and isinstance(obj["spec"].get("postgres"), dict):
            postgres = obj["spec"]["postgres"] = dict(obj["spec"]["postgres"])
            postgres["ssl"] = {**(postgres.get("ssl") or {}), "password": password}
        return obj

    def render_status(self, rec: Record) -> dict[str, Any] | None:
        return None
