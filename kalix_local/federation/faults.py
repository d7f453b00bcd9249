"""Faults on the federation plane, for tests of what a client does when gRPC fails.

`unavailable`: the call is refused with UNAVAILABLE before anything happens.
`lost-answer`: the call is carried out, then answered with UNAVAILABLE, as when a
connection drops after the server acted: the client cannot tell it was applied.
Each fault names one method (e.g. `CreateHostname`) and fires `count` times. Set
through the admin API (`/_local/federation/faults`); kept in memory only.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

MODES = ("unavailable", "lost-answer")


@dataclass
class GrpcFault:
    id: int
    method: str
    mode: str
    count: int
    injected: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "remaining": self.count - self.injected}


class GrpcFaults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[GrpcFault] = []
        self._next_id = 1

    def add(self, method: str, mode: str, count: int) -> GrpcFault:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not method or count < 1:
            raise ValueError("method must be named and count must be at least 1")
        with self._lock:
            fault = GrpcFault(self._next_id, method, mode, count)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str) -> str | None:
        """The mode of the next fault due for `method` (counted as injected), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.injected < fault.count:
                    fault.injected += 1
                    return fault.mode
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
