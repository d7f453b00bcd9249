"""One watch of a whole collection, shared by every wait on an object in it.

A program awaits hundreds of rollouts at once on one :class:`AsyncControlPlane`. With a
watch per object, the server writes each change to its own stream and the program reads
hundreds of connections; a rollout step that makes many services Ready at once then
reaches the last waiter only after the server has served every other stream. One stream
of the collection (per client, kind and project) carries the same events in commit order,
read once, decoded once, handed to the waiters of each name.

The hub only ever adds events: each waiter still reads its object once after joining
(:meth:`AsyncObjects.wait_for`), re-reads when its round of waiting ends without news,
and falls back to its own watch or polling when the hub stops (a server without watch,
a broken stream): watch is not part of the published contract.

The first read can come from the hub instead (:meth:`CollectionWatch.latest`): it
keeps the last event of every name its stream has carried since the stream began from
the current state, so a waiter that knows the resourceVersion of its own write takes
the hub's object when it is at least that version — what a GET would answer, without
one request per await.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import APIConnectionError, APIStatusError

if TYPE_CHECKING:
    from ..api import WireModel
    from .control_plane import AsyncObjects

log = logging.getLogger("pulumi_kalix.client")

T = TypeVar("T", bound="WireModel")

#: Seconds the server keeps one stream open before the hub resumes from the last version.
STREAM_SECONDS = 60


def at_least_version(have: object, want: str | None) -> bool:
    """Whether resourceVersion `have` is `want` or later; only numbers compare (an
    opaque version, or none, never counts as later)."""
    have, want = str(have or ""), want or ""
    return have.isdigit() and want.isdigit() and int(have) >= int(want)


class HubStopped(Exception):
    """The shared watch ended for good; `cause` says why (the waiters then poll, or
    raise it when it is an authorization error)."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Subscription(Generic[T]):
    """One waiter's view of the hub: the objects of its name, as they arrive."""

    def __init__(self, hub: CollectionWatch[T], name: str) -> None:
        self.hub, self.name = hub, name
        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    def deliver(self, obj: T | None) -> None:
        self._queue.put_nowait(obj)

    def wake(self) -> None:
        """The hub stopped: a waiter blocked in :meth:`next` returns and sees it."""
        self._queue.put_nowait(_WAKE)

    async def next(self, timeout: float) -> list[T | None]:
        """What arrived for this name within `timeout`, oldest first (None: deleted;
        empty when nothing did). Raises :class:`HubStopped` once the hub has stopped."""
        got: list[Any] = []
        if self.hub.stopped is None and self._queue.empty():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(timeout, 0.0)):
                    got.append(await self._queue.get())
        while not self._queue.empty():
            got.append(self._queue.get_nowait())
        if self.hub.stopped is not None:
            raise self.hub.stopped
        return [obj for obj in got if obj is not _WAKE]


_WAKE = object()


class CollectionWatch(Generic[T]):
    """The shared watch of one collection: open while someone waits on it."""

    def __init__(self, objects: AsyncObjects[T]) -> None:
        self._objects = objects
        self._subs: dict[str, set[Subscription[T]]] = {}
        self._task: asyncio.Task[None] | None = None
        #: set once the hub gave up; later waits go their own way
        self.stopped: HubStopped | None = None
        #: streams opened so far (the tests and benchmarks read it)
        self.streams = 0
        #: name -> the last event of it on the stream (raw: decoded only when asked)
        self._latest: dict[str, Any] = {}

    def subscribe(self, name: str) -> Subscription[T]:
        sub = Subscription(self, name)
        self._subs.setdefault(name, set()).add(sub)
        if self._task is None and self.stopped is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        return sub

    async def unsubscribe(self, sub: Subscription[T]) -> None:
        subs = self._subs.get(sub.name)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.name]
        if not self._subs and self._task is not None:
            # Nobody waits: close the stream (the next wait opens a fresh one).
            task, self._task = self._task, None
            self._latest.clear()  # the next stream starts from the current state again
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def latest(self, name: str, at_least: str | None) -> T | None:
        """The stream's last object of `name` when it is at version `at_least` or later
        (numeric resourceVersions only), else None: then read it from the server. Only
        while the stream runs: its entries then hold every change since it began from the
        current state, in commit order."""
        event = self._latest.get(name)
        if event is None or self._task is None or self.stopped is not None:
            return None
        version = (event.object.get("metadata") or {}).get("resourceVersion")
        if not at_least_version(version, at_least):
            return None
        return self._objects.ops.event_object(event)

    async def aclose(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        version: str | None = None  # None: start from the current state (ADDED events)
        try:
            while self._subs:
                started, seen = time.monotonic(), 0
                if version is None:
                    self._latest.clear()  # the stream re-sends every current object
                try:
                    async for event in self._events(version):
                        seen += 1
                        meta = event.object.get("metadata") or {}
                        version = meta.get("resourceVersion") or version
                        name = str(meta.get("name", ""))
                        if event.type == "DELETED":
                            self._latest.pop(name, None)
                        else:
                            self._latest[name] = event
                        subs = self._subs.get(name)
                        if subs:
                            obj = self._objects.ops.event_object(event)
                            for sub in list(subs):
                                sub.deliver(obj)
                except APIStatusError as exc:
                    if exc.status_code != 410:
                        raise
                    version = None  # too old to resume: start again from the current state
                    continue
                if seen == 0 and time.monotonic() - started < 0.9:
                    # A server that closes watches at once: nothing to share.
                    raise HubStopped(APIConnectionError("the watch stream closed at once"))
        except asyncio.CancelledError:
            raise
        except HubStopped as exc:
            self._stop(exc)
        except (APIConnectionError, APIStatusError) as exc:
            log.debug("shared watch of %s ended (%s)", self._objects.ops.plural, exc)
            self._stop(HubStopped(exc))
        except Exception as exc:  # e.g. a plain body: the server does not stream
            log.debug("shared watch of %s ended (%r)", self._objects.ops.plural, exc)
            self._stop(HubStopped(exc))

    def _stop(self, exc: HubStopped) -> None:
        self.stopped = exc
        self._task = None
        self._latest.clear()
        for subs in self._subs.values():
            for sub in subs:
                sub.wake()

    async def _events(self, version: str | None) -> AsyncIterator[Any]:
        self.streams += 1
        async for event in self._objects.watch_collection(version, STREAM_SECONDS):
            yield event
