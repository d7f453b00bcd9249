"""Soft-deleted services are purged once --soft-delete-retention-seconds is over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, service, wait_for_summary, wait_until

#: Long enough that "restorable for now" right after a delete holds on a loaded machine
#: (parallel workers); each purge is still awaited, within 15 s.
RETENTION = ["--soft-delete-retention-seconds", "5"]


def deleted_names(kalix: KalixLocalServer, api: httpx.Client) -> list[str]:
    listed = api.get(kalix.api_path("kalixservices"), params={"includeDeleted": "true"})
    listed.raise_for_status()
    items: list[dict[str, Any]] = listed.json()["items"]
    return [i["metadata"]["name"] for i in items if i["metadata"].get("deletionTimestamp")]


def restore(kalix: KalixLocalServer, api: httpx.Client, name: str) -> httpx.Response:
    local = kalix.api_path("kalixservices", name).replace("/apis/kalix.io/v1alpha1/", "/_local/")
    return api.post(local + "/restore")


def test_a_tombstone_is_purged_after_the_retention(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, extra_args=RETENTION) as kalix, kalix.client() as api:
        api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        api.delete(kalix.api_path("kalixservices", "cart")).raise_for_status()
        assert deleted_names(kalix, api) == ["cart"]  # restorable for now
        wait_until(lambda: deleted_names(kalix, api), lambda names: names == [], timeout=15)
        assert_status(restore(kalix, api, "cart"), 404, "NotFound")
        assert "purged soft-deleted service" in kalix.log_path.read_text()


def test_a_restored_service_is_not_purged(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, extra_args=RETENTION) as kalix, kalix.client() as api:
        for name in ("cart", "other"):
            api.post(kalix.api_path("kalixservices"), json=service(name)).raise_for_status()
        api.delete(kalix.api_path("kalixservices", "cart")).raise_for_status()
        assert restore(kalix, api, "cart").status_code == 200
        api.delete(kalix.api_path("kalixservices", "other")).raise_for_status()
        # "other" was deleted after "cart" was: once it is purged, cart's retention is over.
        wait_until(lambda: deleted_names(kalix, api), lambda names: names == [], timeout=15)
        wait_for_summary(api, kalix.api_path("kalixservices", "cart"), "Ready")


def test_tombstones_kept_across_a_restart_follow_the_new_retention(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path) as kalix, kalix.client() as api:  # 14 days
        api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        api.delete(kalix.api_path("kalixservices", "cart")).raise_for_status()
    with KalixLocalServer(tmp_path) as kalix, kalix.client() as api:
        assert deleted_names(kalix, api) == ["cart"]  # still restorable after a restart
    with KalixLocalServer(tmp_path, extra_args=RETENTION) as kalix, kalix.client() as api:
        wait_until(lambda: deleted_names(kalix, api), lambda names: names == [], timeout=15)
