"""Faults on the federation plane, for tests of what a client does when gRPC fails.

`unavailable`: the call is refused with UNAVAILABLE before anything happens.
`lost-answer`: the call is carried out, then answered with UNAVAILABLE, as when a
connection drops after the server acted: the client cannot tell it was applied.
`late`: the call is answered at once with UNAVAILABLE (as if refused) and carried out
`delaySeconds` later (default 1, at most 30) in the background, with the same request
and the same code as a normal call: a proxy that timed out while the backend still
worked. A client that retries ends up with the call applied twice. Only for the calls
that change something (`LATE_METHODS`).
Each fault names one method (e.g. `CreateHostname`) and fires `count` times. Set
through the admin API (`/_local/federation/faults`); kept in memory only. Clearing the
faults (or `/_local/reset`) drops late calls not yet carried out, and waits for one
being carried out; so does stopping the server.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("kalix_local.federation")

MODES = ("unavailable", "lost-answer", "late")
#: The calls a `late` fault may delay: those that change something.
LATE_METHODS = ("CreateHostname", "DeleteHostname", "UpdateHostname")
DEFAULT_LATE_SECONDS = 1.0
MAX_LATE_SECONDS = 30.0
MAX_COUNT = 10_000
#: Late calls waiting at once; more are refused (answered UNAVAILABLE, never run).
MAX_PENDING_LATE = 1_000
STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class GrpcFault:
    id: int
    method: str
    mode: str
    count: int
    injected: int = 0
    delay_seconds: float | None = None
    #: late calls run so far (whatever their outcome)
    carried_out: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "method": self.method,
            "mode": self.mode,
            "count": self.count,
            "injected": self.injected,
            "remaining": self.count - self.injected,
        }
        if self.mode == "late":
            out["delaySeconds"] = self.delay_seconds
            out["carriedOut"] = self.carried_out
        return out


class LateCalls:
    """Work to run after a delay, on one worker thread started on first use.

    :meth:`cancel` drops what is waiting and waits for what is running; :meth:`stop`
    does that and ends the worker (no thread outlives it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0
        self._thread: threading.Thread | None = None
        self._stopped = False
        #: held while a piece of work runs, so cancel() can wait for it
        self._running = threading.Lock()

    def schedule(self, delay: float, work: Callable[[], None]) -> bool:
        """Run `work` in `delay` seconds; False when stopped or too much is waiting."""
        with self._cond:
            if self._stopped or len(self._heap) >= MAX_PENDING_LATE:
                return False
            self._seq += 1
            heapq.heappush(self._heap, (self._clock() + delay, self._seq, work))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kalix-federation-late", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return True

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _next(self) -> Callable[[], None] | None:
        """The next piece of work once due (taking the run lock), None once stopped."""
        with self._cond:
            while not self._stopped:
                now = self._clock()
                if self._heap and self._heap[0][0] <= now:
                    self._running.acquire()  # under the condition: cancel() sees it held
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(self._heap[0][0] - now if self._heap else None)
            return None

    def _run(self) -> None:
        while (work := self._next()) is not None:
            try:
                work()
            except Exception:  # work reports its own outcome; this is a bug
                log.exception("a late federation call failed")
            finally:
                self._running.release()

    def cancel(self) -> int:
        """Drop the work not yet started and wait for the one running; how many dropped."""
        with self._cond:
            dropped = len(self._heap)
            self._heap.clear()
        with self._running:
            pass
        return dropped

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        with self._cond:
            self._stopped = True
            dropped = len(self._heap)
            self._heap.clear()
            self._cond.notify_all()
            thread = self._thread
        if dropped:
            log.info("dropped %d late federation call(s) at shutdown", dropped)
        if thread is not None:
            thread.join(timeout)


class GrpcFaults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[GrpcFault] = []
        self._next_id = 1
        self.late = LateCalls()

    def add(
        self, method: str, mode: str, count: int = 1, delay_seconds: float | None = None
    ) -> GrpcFault:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not method or not 1 <= count <= MAX_COUNT:
            raise ValueError(f"method must be named and count must be 1 to {MAX_COUNT}")
        if mode == "late":
            if method not in LATE_METHODS:
                raise ValueError(
                    f"a late fault applies to the calls that change something "
                    f"({', '.join(LATE_METHODS)}), not {method!r}"
                )
            delay = DEFAULT_LATE_SECONDS if delay_seconds is None else float(delay_seconds)
            if not (math.isfinite(delay) and 0 <= delay <= MAX_LATE_SECONDS):
                raise ValueError(f"delaySeconds must be 0 to {MAX_LATE_SECONDS:g}, got {delay}")
            delay_seconds = delay
        elif delay_seconds is not None:
            raise ValueError("delaySeconds applies to mode late only")
        with self._lock:
            fault = GrpcFault(self._next_id, method, mode, count, delay_seconds=delay_seconds)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str) -> GrpcFault | None:
        """The next fault due for `method` (counted as injected), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.injected < fault.count:
                    fault.injected += 1
                    return fault
        return None

    def carry_out_later(self, fault: GrpcFault, work: Callable[[], None]) -> bool:
        """Run `work` (the delayed call) after the fault's delay; False if it never will."""

        def run() -> None:
            try:
                work()
            finally:
                with self._lock:
                    fault.carried_out += 1

        return self.late.schedule(fault.delay_seconds or 0.0, run)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        """Remove every fault and drop the late calls still waiting."""
        with self._lock:
            self._faults.clear()
        dropped = self.late.cancel()
        if dropped:
            log.info("dropped %d late federation call(s)", dropped)

    def stop(self) -> None:
        """End the late calls' worker (the server is stopping)."""
        self.late.stop()
