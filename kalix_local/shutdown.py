"""Tells long-lived responses (watch streams) that the server is shutting down.

Uvicorn waits for open responses before it stops, and cancels them (with a traceback per
stream) once ``timeout_graceful_shutdown`` is over. A watch that ends itself when the
shutdown starts lets the server stop promptly and quietly; its client reconnects, as it
would after any watch timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ShutdownSignal:
    """Set once, from a signal handler (any thread); awaited on the server's loop."""

    def __init__(self) -> None:
        self.requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> None:
        """On the server's loop, at start (the lifespan)."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        if self.requested:
            self._event.set()

    def trigger(self) -> None:
        self.requested = True
        loop, event = self._loop, self._event
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        if self._event is None:  # not bound (no lifespan ran): never set from outside
            await asyncio.Event().wait()
            return
        await self._event.wait()


async def until_shutdown(
    stream: AsyncIterator[bytes], shutdown: ShutdownSignal
) -> AsyncIterator[bytes]:
    """``stream``'s chunks until it ends or the shutdown starts, whichever is first.

    Also when this generator is itself cancelled (the client went away), the pending
    read of ``stream`` is cancelled and ``stream`` closed, so no watch outlives its
    response.
    """
    stopping = asyncio.ensure_future(shutdown.wait())
    following: asyncio.Future[bytes] | None = None
    try:
        while not shutdown.requested:
            following = asyncio.ensure_future(anext(stream))
            await asyncio.wait({following, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not following.done():
                return  # shutting down: the finally clause stops the read
            try:
                chunk = following.result()
            except StopAsyncIteration:
                return
            following = None
            yield chunk
    finally:
        stopping.cancel()
        if following is not None and not following.done():
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await following
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
