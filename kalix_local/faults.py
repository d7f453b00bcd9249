"""Fault injection on API paths: error statuses, latency and dropped connections.

Rules are added through ``POST /_local/faults``. Each applies to at most ``count``
matching requests and injects its fault into a ``rate`` share of them, decided by a
seeded ``random.Random`` so that a test sees the same sequence every run.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from kalix_local.errors import status_body

API_PATH_PREFIXES = ("/apis/", "/kalix.io/")
_REASONS = {
    429: "TooManyRequests",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
}


class FaultSpec(BaseModel):
    """Body of ``POST /_local/faults``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    mode: Literal["status", "latency", "drop", "drop-after"]
    status: Literal[429, 500, 502, 503] = 503
    retry_after: int = Field(default=1, ge=0, le=3600, alias="retryAfter")
    latency_ms: int = Field(default=200, ge=0, le=60_000, alias="latencyMs")
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int = Field(ge=1, le=10_000)
    methods: list[str] | None = None
    path_contains: str | None = Field(default=None, alias="pathContains")


@dataclass
class FaultRule:
    id: int
    spec: FaultSpec
    remaining: int
    injected: int = 0

    def matches(self, method: str, path: str) -> bool:
        methods = self.spec.methods
        if methods and method.upper() not in {m.upper() for m in methods}:
            return False
        return not self.spec.path_contains or self.spec.path_contains in path

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.spec.model_dump(by_alias=True, exclude_none=True),
            "remaining": self.remaining,
            "injected": self.injected,
        }


@dataclass
class Faults:
    seed: int | None = None
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._next_id = 1

    def add(self, spec: FaultSpec) -> FaultRule:
        with self._lock:
            rule = FaultRule(id=self._next_id, spec=spec, remaining=spec.count)
            self._next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self.rules = []
            self._rng = random.Random(self.seed)  # a reset replays the same decisions

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self.rules]

    def pick(self, method: str, path: str) -> FaultSpec | None:
        """The fault to inject into this request, if any (first matching rule)."""
        with self._lock:
            for rule in self.rules:
                if rule.remaining > 0 and rule.matches(method, path):
                    rule.remaining -= 1
                    if self._rng.random() < rule.spec.rate:
                        rule.injected += 1
                        return rule.spec
                    return None
        return None


class ConnectionDropped(Exception):
    """Raised after a partial response so the server closes the connection."""


async def _drop(send: Send) -> None:
    # Promise a body that never comes, then fail: the server closes the connection
    # and the client sees it dropped mid-response.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )
    raise ConnectionDropped("injected fault: connection dropped")


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PATH_PREFIXES):
            await self.app(scope, receive, send)
            return
        fault = self.faults.pick(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.mode == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
            await self.app(scope, receive, send)
        elif fault.mode == "status":
            await self._status(fault, send)
        elif fault.mode == "drop":
            await _drop(send)
        else:  # drop-after: the request is applied, its response lost

            async def swallow(message: Any) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop(send)

    @staticmethod
    async def _status(fault: FaultSpec, send: Send) -> None:
        code = fault.status
        body = status_body(code, _REASONS[code], f"injected fault: HTTP {code}")
        headers = [(b"content-type", b"application/json")]
        if code in (429, 503):
            headers.append((b"retry-after", str(fault.retry_after).encode()))
            body["details"] = {"retryAfterSeconds": fault.retry_after}
        payload = json.dumps(body).encode()
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
