"""Waits on one collection share one watch of it (pulumi_kalix/client/watch_hub.py),
against kalix-local: both waits return from one stream, a failing wait does not hang
the other, and without watch on the server the waits poll."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from pulumi_kalix.api import KalixService
from pulumi_kalix.client import AsyncControlPlane, ControlPlane
from tests.support.local_server import KalixLocalServer


def labelled(obj: Any) -> bool:
    return obj is not None and bool(obj.metadata.labels)


def _create(sync: ControlPlane, *names: str) -> None:
    for name in names:
        sync.services.create(
            KalixService.model_validate(
                {"metadata": {"name": name}, "spec": {"containers": [{"image": "r.test/a:1"}]}}
            )
        )


def _label_later(sync: ControlPlane, *names: str) -> threading.Timer:
    def label() -> None:
        for name in names:
            sync.services.patch(name, {"metadata": {"labels": {"x": "1"}}})

    timer = threading.Timer(0.5, label)
    timer.start()
    return timer


def _wait_both(
    server: KalixLocalServer, a: Callable[[Any], bool], b: Callable[[Any], bool]
) -> tuple[list[Any], int, bool | None, int]:
    """Both waits at once; (results or exceptions, streams the hub opened, watch_offered,
    watch requests still open on the stream pool after the waits)."""
    access, namespace = server.access_token(), server.project_id()

    async def main() -> tuple[list[Any], int, bool | None, int]:
        async with AsyncControlPlane(server.url, access, namespace) as client:
            assert client.shared_watches
            results = await asyncio.gather(
                client.services.wait_for("a", a, timeout=20),
                client.services.wait_for("b", b, timeout=20),
                return_exceptions=True,
            )
            hub = client.collection_watch(client.services)
            pool = client._stream_http._transport._pool  # type: ignore[attr-defined]
            return results, hub.streams, client.watch_offered, len(pool._requests)

    return asyncio.run(main())


def test_two_waits_share_one_stream_and_both_return(kalix: KalixLocalServer) -> None:
    with ControlPlane(kalix.url, kalix.access_token(), kalix.project_id()) as sync:
        _create(sync, "a", "b")
        timer = _label_later(sync, "a", "b")
        try:
            (found_a, found_b), streams, watched, open_after = _wait_both(kalix, labelled, labelled)
        finally:
            timer.join(10)
    assert labelled(found_a) and found_a.metadata.name == "a"
    assert labelled(found_b) and found_b.metadata.name == "b"
    assert streams == 1 and watched is True
    assert open_after == 0  # the last wait to leave closed the stream


def test_a_failing_wait_does_not_hang_the_other(kalix: KalixLocalServer) -> None:
    def fails_when_labelled(obj: Any) -> bool:
        if labelled(obj):
            raise RuntimeError("a failed")
        return False

    with ControlPlane(kalix.url, kalix.access_token(), kalix.project_id()) as sync:
        _create(sync, "a", "b")
        timer = _label_later(sync, "a", "b")
        try:
            (error_a, found_b), streams, _, _ = _wait_both(kalix, fails_when_labelled, labelled)
        finally:
            timer.join(10)
    assert isinstance(error_a, RuntimeError) and str(error_a) == "a failed"
    assert labelled(found_b)
    assert streams == 1


def test_without_watch_on_the_server_the_waits_poll() -> None:
    with (
        KalixLocalServer(watch=False) as server,
        ControlPlane(server.url, server.access_token(), server.project_id()) as sync,
    ):
        _create(sync, "a", "b")
        timer = _label_later(sync, "a", "b")
        try:
            (found_a, found_b), _, watched, _ = _wait_both(server, labelled, labelled)
        finally:
            timer.join(10)
    assert labelled(found_a) and labelled(found_b)
    assert watched is False  # the shared watch saw a plain list: the waits polled


def test_a_wait_that_knows_its_write_version_takes_the_hubs_object_instead_of_a_get(
    kalix: KalixLocalServer,
) -> None:
    """The first read of a wait comes from the shared watch when the hub holds the
    object at the version the caller's own write returned, or later; an older or
    missing one is read from the server as before."""
    with ControlPlane(kalix.url, kalix.access_token(), kalix.project_id()) as sync:
        _create(sync, "a", "b")
        written = sync.services.patch("b", {"metadata": {"labels": {"x": "1"}}})
    version = str(written.metadata.resource_version)
    assert version.isdigit()

    async def main() -> tuple[list[str], list[str]]:
        async with AsyncControlPlane(kalix.url, kalix.access_token(), kalix.project_id()) as c:
            reads: list[str] = []
            poll = c.services._poll

            async def counted(name: str, deadline: float) -> Any:
                reads.append(name)
                return await poll(name, deadline)

            c.services._poll = counted  # type: ignore[method-assign]
            # A wait on "a" that never ends opens the hub; its stream carries "b" too.
            opener = asyncio.ensure_future(c.services.wait_for("a", lambda o: False, timeout=30))
            hub = c.collection_watch(c.services)
            for _ in range(250):
                if hub.latest("b", version) is not None:
                    break
                await asyncio.sleep(0.02)
            found = await c.services.wait_for("b", labelled, timeout=5, written_version=version)
            assert labelled(found)
            first = [r for r in reads if r == "b"]
            later = str(int(version) + 1000)  # a write the stream has not carried yet
            assert hub.latest("b", later) is None
            with_get = asyncio.ensure_future(
                c.services.wait_for("b", labelled, timeout=5, written_version=later)
            )
            assert labelled(await with_get)
            opener.cancel()
            await asyncio.gather(opener, return_exceptions=True)
            return first, [r for r in reads if r == "b"]

    first, after = asyncio.run(main())
    assert first == []  # no GET: the hub's object was at the written version
    assert after == ["b"]  # the newer version was not on the stream: read it
