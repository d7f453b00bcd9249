"""Tells long-lived responses (watch streams) that the server is shutting down.

Uvicorn waits for open responses before it stops, and cancels them (with a traceback per
stream) once ``timeout_graceful_shutdown`` is over. A watch that ends itself when the
shutdown starts lets the server stop promptly and quietly; its client reconnects, as it
would after any watch timeout. The watch hub ends its streams from :meth:`on_trigger`
(kalix_local/watch.py): no stream needs a task per event to watch for the shutdown.
"""

from __future__ import annotations

from collections.abc import Callable


class ShutdownSignal:
    """Set once, from a signal handler (any thread)."""

    def __init__(self) -> None:
        self.requested = False
        self._callbacks: list[Callable[[], None]] = []

    def on_trigger(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the triggering thread: it must be thread-safe) when the
        shutdown starts; at once if it already has."""
        self._callbacks.append(callback)
        if self.requested:
            callback()

    def trigger(self) -> None:
        self.requested = True
        for callback in list(self._callbacks):
            callback()
