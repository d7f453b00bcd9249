"""Background loops: service rollouts and route DNS checks.

Each loop sleeps until the earliest ``due_at`` of its kind (or until a write wakes it)
and handles what is due. Status changes are written in their own transaction, so the
MODIFIED event reaches watchers the moment the state changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kalix_local.backend import Backend

log = logging.getLogger(__name__)

#: Longest sleep between looks at the store (a due time may come from a restart).
MAX_IDLE_SECONDS = 1.0
BATCH = 200


class _Loop:
    def __init__(self, name: str, kind: str, backend: Backend, handle: Callable[[], None]) -> None:
        self._kind = kind
        self._backend = backend
        self._handle = handle
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        core = self._backend.core
        while not self._stop.is_set():
            try:
                self._handle()
                with core.store.tx() as tx:
                    next_due = tx.next_due(self._kind)
            except Exception:  # keep the loop alive; the next pass retries
                log.exception("%s loop failed", self._thread.name)
                next_due = None
            delay = MAX_IDLE_SECONDS if next_due is None else next_due - core.clock()
            if delay > 0:
                self._wake.wait(min(delay, MAX_IDLE_SECONDS))
            self._wake.clear()


class Background:
    """The rollout ticker and the route checker of one server."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.rollouts = _Loop("kalix-rollouts", "KalixService", backend, self.advance_rollouts)
        self.routes = _Loop("kalix-route-checks", "KalixRoute", backend, self.check_routes)
        backend.core.wake_rollouts = self.rollouts.wake
        backend.core.wake_routes = self.routes.wake

    def start(self) -> None:
        self.backend.services.schedule_purges()
        self.rollouts.start()
        self.routes.start()

    def stop(self) -> None:
        self.rollouts.stop()
        self.routes.stop()

    def advance_rollouts(self) -> None:
        core = self.backend.core
        with core.store.tx() as tx:
            due = tx.due_objects("KalixService", core.clock(), BATCH)
        for rec in due:
            # One transaction per service: each change is visible (and watched) at once.
            with core.store.tx() as tx:
                current = tx.get_object(rec.project, rec.kind, rec.name)
                if current is None or current.due_at is None or current.due_at > core.clock():
                    continue
                self.backend.services.advance(tx, current)

    def check_routes(self) -> None:
        core = self.backend.core
        with core.store.tx() as tx:
            due = tx.due_objects("KalixRoute", core.clock(), BATCH)
        if due:
            self.backend.routes.check(due)
