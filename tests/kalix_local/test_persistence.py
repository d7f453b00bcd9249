"""State survives a restart and a kill -9 in the middle of writes."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.support.local_server import KalixLocalServer
from tests.support.objects import service, wait_for_summary


def test_restart__objects_hostnames_and_token_survive(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path) as server:
        token = server.token
        with server.client() as api:
            api.post(server.api_path("kalixservices"), json=service("cart")).raise_for_status()
            before = wait_for_summary(api, server.api_path("kalixservices", "cart"), "Ready")
            api.post(server.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
        server.restart()
        assert server.token == token  # the default token is re-used
        with server.client() as api:
            after = api.get(server.api_path("kalixservices", "cart")).json()
            assert after == before
            assert api.get(server.hostnames_path("shop.example.com")).status_code == 200
        assert (tmp_path / "default-token").stat().st_mode & 0o777 == 0o600


def test_restart__rollout_continues(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, rollout_step_seconds=0.3) as server:
        with server.client() as api:
            body = service("cart", min_instances=3)
            assert api.post(server.api_path("kalixservices"), json=body).status_code == 201
        server.kill()
        server.start()
        with server.client() as api:
            obj = wait_for_summary(api, server.api_path("kalixservices", "cart"), "Ready", 10)
            assert obj["status"]["replicas"] == 3


def test_kill_9_mid_write__acknowledged_writes_survive(tmp_path: Path) -> None:
    acknowledged: list[str] = []
    stop = threading.Event()
    with KalixLocalServer(tmp_path) as server:

        def writer(worker: int) -> None:
            with server.client() as api:
                for i in range(2000):  # bounded; the kill ends it much sooner
                    if stop.is_set():
                        return
                    name = f"svc-{worker}-{i}"
                    try:
                        response = api.post(server.api_path("kalixservices"), json=service(name))
                    except httpx.TransportError:
                        return
                    if response.status_code == 201:
                        acknowledged.append(name)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
        for thread in threads:
            thread.start()
        # Kill once writes are flowing (not after a fixed time: a loaded machine is slow).
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        assert len(acknowledged) > 10
        db = sqlite3.connect(tmp_path / "kalix-local.db")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        server.start()
        with server.client() as api:
            names = {
                i["metadata"]["name"]
                for i in api.get(server.api_path("kalixservices")).json()["items"]
            }
            assert set(acknowledged) <= names
            # Store still writable and consistent after the crash.
            assert (
                api.post(server.api_path("kalixservices"), json=service("after")).status_code == 201
            )
