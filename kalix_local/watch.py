"""Watch streams: newline-delimited ``{"type", "object"}`` events from the store.

Every commit that writes events wakes the waiting streams (an asyncio.Event per
stream, set thread-safely by the store's listener); streams read new events in a
short transaction and never hold the store lock while they wait.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from anyio import to_thread

from kalix_local.backend.common import labels_match
from kalix_local.backend.objects import ObjectBackend
from kalix_local.errors import Gone
from kalix_local.store import Store

DEFAULT_TIMEOUT_SECONDS = 30
MAX_TIMEOUT_SECONDS = 300
_BATCH = 500


class WatchHub:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        store.add_listener(self._notify)

    def _notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def _line(type_: str, obj: dict[str, Any]) -> bytes:
    return (json.dumps({"type": type_, "object": obj}) + "\n").encode()


class Watch:
    """One watch request: checked (and its snapshot taken) before the stream starts, so
    a bad resourceVersion is a proper 410 rather than a broken stream."""

    def __init__(
        self,
        hub: WatchHub,
        kind: ObjectBackend,
        project: str,
        name: str | None,
        labels: dict[str, str],
        resource_version: str | None,
        timeout: float,
    ) -> None:
        self.hub = hub
        self.kind = kind
        self.project = project
        self.name = name
        self.labels = labels
        self.timeout = timeout
        self.initial: list[bytes] = []
        store = kind.core.store
        with store.tx() as tx:
            if resource_version in (None, "", "0"):
                # No version (or "0", any version): start with the current state.
                for rec in tx.list_objects(project, kind.kind):
                    if (name is None or rec.name == name) and self._match_labels(
                        rec.body.get("metadata", {})
                    ):
                        self.initial.append(_line("ADDED", kind.render(rec)))
                self.last = tx.current_rv()
            else:
                assert resource_version is not None
                self.last = int(resource_version)
                if self.last < tx.events_floor():
                    raise Gone(f"too old resource version: {self.last} ({tx.events_floor() + 1})")

    def _match_labels(self, meta: dict[str, Any]) -> bool:
        return labels_match(meta.get("labels"), self.labels)

    def _fetch(self) -> list[tuple[int, str, dict[str, Any]]]:
        with self.kind.core.store.tx() as tx:
            return tx.events_since(self.project, self.kind.kind, self.last, self.name, _BATCH)

    async def stream(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        with self.hub.subscribe() as changed:
            for line in self.initial:
                yield line
            while True:
                changed.clear()
                events = await to_thread.run_sync(self._fetch)
                for rv, type_, obj in events:
                    self.last = rv
                    if self._match_labels(obj.get("metadata", {})):
                        yield _line(type_, obj)
                if len(events) == _BATCH:
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    return
