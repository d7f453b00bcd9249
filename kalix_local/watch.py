"""Watch streams: newline-delimited ``{"type", "object"}`` events from the store.

A commit hands its events to the hub (under the store lock, so in resourceVersion
order); the hub builds each line once, around the object's stored JSON text (the bytes
a get answers), and queues it for the streams of that project and kind only (and of
that name, for a `fieldSelector` on one), waking just those. A stream reads the events
table only to catch up: after its snapshot, and when it fell too far behind (its queue
overflowed). It never holds the store lock while it waits, and it ends when the server
shuts down (:meth:`WatchHub.stop`) without a task per event to watch for that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from anyio import to_thread

from kalix_local.backend.common import labels_match
from kalix_local.backend.objects import ObjectBackend
from kalix_local.errors import Gone
from kalix_local.store import Event, Store

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30
MAX_TIMEOUT_SECONDS = 300
_BATCH = 500
#: Events queued for one stream before it is told to catch up from the table instead.
_QUEUE_MAX = 2_000
#: Events whose fan-out is timed at once (debug logging only; the oldest are dropped).
_TIMED_MAX = 1_000

#: A queued event: (rv, type, object, its line).
_Queued = tuple[int, str, dict[str, Any], bytes]


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, name: str | None) -> None:
        self.loop = loop
        self.name = name
        self.changed = asyncio.Event()
        self.queue: deque[_Queued] = deque()
        self.overflowed = False
        self.expired = False

    def expire(self) -> None:  # on the stream's loop, at its timeout
        self.expired = True
        self.changed.set()

    def push(self, events: list[_Queued]) -> None:  # on the stream's loop
        if self.overflowed:
            return
        if len(self.queue) + len(events) > _QUEUE_MAX:
            self.queue.clear()
            self.overflowed = True
        else:
            self.queue.extend(events)
        self.changed.set()


class WatchHub:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._subscribers: dict[tuple[str, str], set[_Subscriber]] = {}
        #: Set by :meth:`stop` (the server's shutdown): every stream ends.
        self.stopping = False
        #: With debug logging: rv -> [commit time, streams, written, first, last write]
        #: (perf_counter), logged when every stream has written the event.
        self.timed = log.isEnabledFor(logging.DEBUG)
        self._timing: dict[int, list[float]] = {}
        store.add_listener(self._notify)

    def stop(self) -> None:
        """End every stream (any thread): each is woken and sees ``stopping``."""
        self.stopping = True
        with self._lock:
            subscribers = [sub for subs in self._subscribers.values() for sub in subs]
        for sub in subscribers:
            if not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.changed.set)

    def _notify(self, events: list[Event]) -> None:
        scoped: dict[tuple[str, str], list[tuple[str, _Queued]]] = {}
        for rv, project, kind, name, type_, obj, text in events:
            scoped.setdefault((project, kind), []).append(
                (name, (rv, type_, obj, _line(type_, text)))
            )
        with self._lock:
            targets = [(scope, list(self._subscribers.get(scope, ()))) for scope in scoped]
        # One wake-up per event loop for all its streams (not one per stream).
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Subscriber, list[_Queued]]]] = {}
        for scope, subscribers in targets:
            for sub in subscribers:
                mine = [q for name, q in scoped[scope] if sub.name is None or sub.name == name]
                if mine:
                    by_loop.setdefault(sub.loop, []).append((sub, mine))
        if self.timed:
            self._time(by_loop)
        for loop, pushes in by_loop.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_push_all, pushes)

    def _time(
        self, by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Subscriber, list[_Queued]]]]
    ) -> None:
        now = time.perf_counter()
        streams: dict[int, int] = {}
        for pushes in by_loop.values():
            for _, queued in pushes:
                for q in queued:
                    streams[q[0]] = streams.get(q[0], 0) + 1
        with self._lock:
            for rv, count in streams.items():
                self._timing[rv] = [now, count, 0, 0.0, 0.0]
            while len(self._timing) > _TIMED_MAX:
                del self._timing[next(iter(self._timing))]

    def written(self, rvs: list[int]) -> None:
        """A stream wrote (handed to its socket) the events ``rvs`` (debug timing)."""
        now = time.perf_counter()
        with self._lock:
            for rv in rvs:
                entry = self._timing.get(rv)
                if entry is None:
                    continue
                entry[2] += 1
                entry[3] = entry[3] or now
                entry[4] = now
                if entry[2] >= entry[1]:
                    del self._timing[rv]
                    log.debug(
                        "watch event %d: written to %d streams, first %.2f ms and last "
                        "%.2f ms after its commit",
                        rv,
                        int(entry[1]),
                        (entry[3] - entry[0]) * 1000,
                        (entry[4] - entry[0]) * 1000,
                    )

    @contextmanager
    def subscribe(self, project: str, kind: str, name: str | None) -> Iterator[_Subscriber]:
        sub = _Subscriber(asyncio.get_running_loop(), name)
        with self._lock:
            self._subscribers.setdefault((project, kind), set()).add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                subs = self._subscribers.get((project, kind))
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subscribers[(project, kind)]


def _push_all(pushes: list[tuple[_Subscriber, list[_Queued]]]) -> None:
    for sub, events in pushes:
        sub.push(events)


def _line(type_: str, text: str) -> bytes:
    """One event line around the object's JSON text (``type_`` is ADDED, MODIFIED or
    DELETED: nothing to escape)."""
    return f'{{"type":"{type_}","object":{text}}}\n'.encode()


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
                rows = tx.published_objects(project, kind.kind, name=name, labels=bool(labels))
                for text, have in rows:
                    if not labels or labels_match(have, labels):
                        self.initial.append(_line("ADDED", text))
                self.last = tx.current_rv()
            else:
                assert resource_version is not None
                self.last = int(resource_version)
                if self.last < tx.events_floor():
                    raise Gone(f"too old resource version: {self.last} ({tx.events_floor() + 1})")

    def _match_labels(self, meta: dict[str, Any]) -> bool:
        return labels_match(meta.get("labels"), self.labels)

    def _fetch(self) -> list[tuple[int, str, str]]:
        with self.kind.core.store.tx() as tx:
            return tx.events_since(self.project, self.kind.kind, self.last, self.name, _BATCH)

    async def stream(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        with self.hub.subscribe(self.project, self.kind.kind, self.name) as sub:
            # One timer for the whole stream: a timer per wait was a heap push and a
            # cancel per event on each of 200 streams.
            timer = loop.call_later(self.timeout, sub.expire)
            try:
                if self.hub.stopping:
                    return
                if self.initial:
                    yield b"".join(self.initial)
                catch_up = True  # what was written between the snapshot and subscribing
                while not (self.hub.stopping or sub.expired):
                    if catch_up:
                        sub.overflowed = False
                        sub.queue.clear()
                        events = await to_thread.run_sync(self._fetch)
                        lines = []
                        for rv, type_, text in events:
                            self.last = rv
                            # The object is decoded only to match a label selector.
                            if not self.labels or self._match_labels(
                                json.loads(text).get("metadata", {})
                            ):
                                lines.append(_line(type_, text))
                        if lines:
                            yield b"".join(lines)
                        catch_up = len(events) == _BATCH
                        if catch_up:
                            continue
                    lines = []
                    taken: list[int] = []
                    while sub.queue:
                        rv, type_, obj, line = sub.queue.popleft()
                        taken.append(rv)
                        if rv <= self.last:
                            continue  # already read from the table
                        self.last = rv
                        if not self.labels or self._match_labels(obj.get("metadata", {})):
                            lines.append(line)
                    if lines:  # what queued up meanwhile goes out as one write
                        yield lines[0] if len(lines) == 1 else b"".join(lines)
                    if taken and self.hub.timed:
                        self.hub.written(taken)  # resumed: the write was handed over
                    if lines:
                        continue  # more may have queued during the write: look again
                    if sub.overflowed:
                        catch_up = True
                        continue
                    if self.hub.stopping or sub.expired:
                        return
                    sub.changed.clear()
                    await sub.changed.wait()
            finally:
                timer.cancel()
