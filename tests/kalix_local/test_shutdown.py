"""The server's shutdown ends every open watch stream at once (no task per event
watches for it), and a stream whose client went away leaves nothing subscribed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kalix_local.app import create_app
from kalix_local.config import Settings
from kalix_local.watch import Watch
from tests.support.objects import service


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = create_app(Settings(data_dir=tmp_path, run_background=False))
    backend = app.state.backend
    backend.projects.create_project("p")
    with backend.core.store.tx() as tx:
        app.state.project = tx.project_named("p").id
    backend.services.create(app.state.project, service("a", "img:1"))
    return app


def stream(app: FastAPI) -> AsyncIterator[bytes]:
    services = app.state.backend.services
    watch = Watch(app.state.watch_hub, services, app.state.project, None, {}, None, 60)
    return watch.stream()


async def first_then_rest(app: FastAPI, chunks: AsyncIterator[bytes]) -> list[bytes]:
    """The first line, then what comes until the stream ends (bounded: 5 s)."""
    got = [await anext(chunks)]

    async def rest() -> None:
        async for chunk in chunks:
            got.append(chunk)

    await asyncio.wait_for(rest(), timeout=5)
    return got


def test_the_shutdown_ends_a_quiet_stream(app: FastAPI) -> None:
    async def run() -> list[bytes]:
        chunks = stream(app)
        asyncio.get_running_loop().call_later(0.05, app.state.shutdown.trigger)
        return await first_then_rest(app, chunks)

    got = asyncio.run(run())
    assert len(got) == 1 and got[0].startswith(b'{"type":"ADDED"')
    assert app.state.watch_hub._subscribers == {}


def test_a_shutdown_from_another_thread_ends_the_stream(app: FastAPI) -> None:
    async def run() -> list[bytes]:
        chunks = stream(app)
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, lambda: loop.run_in_executor(None, app.state.shutdown.trigger))
        return await first_then_rest(app, chunks)

    assert len(asyncio.run(run())) == 1


def test_a_stream_opened_after_the_shutdown_ends_at_once(app: FastAPI) -> None:
    app.state.shutdown.trigger()

    async def run() -> list[bytes]:
        return [chunk async for chunk in stream(app)]

    assert asyncio.run(run()) == []


def test_a_cancelled_response_unsubscribes_its_stream(app: FastAPI) -> None:
    async def run() -> None:
        chunks = stream(app)

        async def consume() -> None:
            async for _ in chunks:
                pass

        task = asyncio.ensure_future(consume())
        for _ in range(500):  # the stream subscribes on its first step
            if app.state.watch_hub._subscribers:
                break
            await asyncio.sleep(0.01)
        assert app.state.watch_hub._subscribers
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    assert app.state.watch_hub._subscribers == {}
