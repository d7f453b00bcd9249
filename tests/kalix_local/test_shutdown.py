"""until_shutdown: a watch stream ends at the server's shutdown, and never outlives a
response whose client went away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from kalix_local.shutdown import ShutdownSignal, until_shutdown


class Stream:
    """One chunk, then waits for an event that never comes (a quiet watch)."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            yield b"first\n"
            await asyncio.Event().wait()
            yield b"never\n"
        finally:
            self.closed.set()


async def first_then(signal: ShutdownSignal, stream: Stream, cancel: bool) -> list[bytes]:
    got: list[bytes] = []

    async def consume() -> None:
        async for chunk in until_shutdown(stream.chunks(), signal):
            got.append(chunk)

    task = asyncio.ensure_future(consume())
    while not got:
        await asyncio.sleep(0)
    if cancel:
        task.cancel()
    else:
        signal.trigger()
    await asyncio.wait_for(stream.closed.wait(), timeout=5)
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), timeout=5)
    return got


def test_the_shutdown_ends_a_quiet_stream() -> None:
    async def run() -> list[bytes]:
        signal = ShutdownSignal()
        signal.bind()
        return await first_then(signal, Stream(), cancel=False)

    assert asyncio.run(run()) == [b"first\n"]


def test_a_cancelled_response_closes_the_stream_it_was_reading() -> None:
    async def run() -> list[bytes]:
        signal = ShutdownSignal()
        signal.bind()
        return await first_then(signal, Stream(), cancel=True)

    assert asyncio.run(run()) == [b"first\n"]


def test_a_shutdown_before_the_loop_bound_still_counts() -> None:
    signal = ShutdownSignal()
    signal.trigger()

    async def run() -> list[bytes]:
        signal.bind()
        chunks = until_shutdown(Stream().chunks(), signal)
        return [chunk async for chunk in chunks]

    assert asyncio.run(run()) == []
