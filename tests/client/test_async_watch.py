"""The async client's watches against kalix-local: a `wait_for` that returns from its
watch stream has closed that stream (on its own task, not left to the garbage
collector), and watch streams use a pool of their own, apart from the GETs."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from pulumi_kalix.api import KalixService
from pulumi_kalix.client import AsyncControlPlane, ControlPlane
from tests.support.local_server import KalixLocalServer


def labelled(obj: Any) -> bool:
    return obj is not None and bool(obj.metadata.labels)


def test_wait_for_closes_its_watch_stream_when_it_returns(kalix: KalixLocalServer) -> None:
    access, namespace = kalix.access_token(), kalix.project_id()
    with ControlPlane(kalix.url, access, namespace) as sync:
        sync.services.create(
            KalixService.model_validate(
                {"metadata": {"name": "api"}, "spec": {"containers": [{"image": "r.test/a:1"}]}}
            )
        )
        label_later = threading.Timer(
            0.5, lambda: sync.services.patch("api", {"metadata": {"labels": {"x": "1"}}})
        )

        async def main() -> tuple[int, bool | None, bool]:
            async with AsyncControlPlane(kalix.url, access, namespace) as client:
                label_later.start()
                found = await client.services.wait_for("api", labelled, timeout=20)
                streams = client._stream_http._transport._pool  # type: ignore[attr-defined]
                calls = client._http._transport._pool  # type: ignore[attr-defined]
                return (
                    len(streams._requests),
                    client.watch_offered,
                    labelled(found) and streams is not calls,
                )

        try:
            in_flight, watched, apart = asyncio.run(main())
        finally:
            label_later.join(10)
    assert watched is True  # the change came through a watch stream
    assert in_flight == 0  # ... which was closed before wait_for returned
    assert apart  # on its own pool
