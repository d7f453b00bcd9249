"""Shared helpers for the client unit tests: a scripted MockTransport, a fake clock."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from pulumi_kalix.api import API_PREFIX
from pulumi_kalix.client import DEFAULT_TIMEOUT, AsyncControlPlane, ControlPlane, RetryPolicy

BASE_URL = "http://kalix.test"
PROJECT = "demo"
TOKEN = "tok-s3cr3t-0123456789abcdef"
SERVICES = f"{API_PREFIX}/{PROJECT}/kalixservices"
ROUTES = f"{API_PREFIX}/{PROJECT}/kalixroutes"
SECRETS = f"{API_PREFIX}/{PROJECT}/kalixsecrets"

#: A policy with room for several retries and no practical time limit.
POLICY = RetryPolicy(max_retries=5, max_elapsed=1_000.0, backoff_base=0.2, backoff_max=8.0)

Handler = Callable[[httpx.Request], httpx.Response]
Step = httpx.Response | Handler


class FakeClock:
    """Stands in for the `time` module inside `pulumi_kalix.client.control_plane`.

    `sleep` records the delay and advances `monotonic`, so retry budgets and wait
    deadlines are exercised without any real waiting.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A MockTransport handler that answers requests from a fixed list of steps.

    A step is a response, or a callable taking the request (which may raise an
    `httpx.TransportError`). Every request is recorded; running past the script fails.
    """

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Handler:
    """A step that raises `exc_type` the way httpx does (with the request attached)."""

    def raise_(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return raise_


def status_response(
    code: int,
    reason: str,
    message: str = "",
    *,
    causes: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An error response with a Kubernetes `Status` body."""
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    if causes is not None:
        body["details"] = {"causes": [{"field": f, "message": m} for f, m in causes]}
    return httpx.Response(code, json=body, headers=headers)


def service_json(
    name: str = "api",
    *,
    rv: str = "1",
    image: str = "registry.test/api:1",
    summary: str | None = None,
    generation: int = 1,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixService",
        "metadata": {
            "name": name,
            "namespace": PROJECT,
            "uid": f"uid-{name}",
            "resourceVersion": rv,
            "generation": generation,
        },
        "spec": {"containers": [{"name": "main", "image": image}]},
    }
    if summary is not None:
        obj["status"] = {"summary": summary, "observedGeneration": generation}
    return obj


def ok(body: Any, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json=body)


def watch_stream(
    events: Iterable[tuple[str, dict[str, Any]]], pulled: list[int]
) -> Iterator[bytes]:
    """A newline-delimited watch body; appends the index of each event the client pulls."""
    for i, (type_, obj) in enumerate(events):
        pulled.append(i)
        yield (json.dumps({"type": type_, "object": obj}) + "\n").encode()


def make_client(
    handler: Handler,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy = POLICY,
    token: str | None = TOKEN,
    seed: int = 7,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> ControlPlane:
    sleep = clock.sleep if clock is not None else _no_sleep
    return ControlPlane(
        BASE_URL,
        token,
        PROJECT,
        timeout=timeout,
        retry=retry,
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        rng=random.Random(seed),
    )


def make_async_client(
    handler: Handler, *, retry: RetryPolicy = POLICY, seed: int = 7
) -> AsyncControlPlane:
    return AsyncControlPlane(
        BASE_URL,
        TOKEN,
        PROJECT,
        retry=retry,
        transport=httpx.MockTransport(handler),
        rng=random.Random(seed),
    )


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep({seconds})")
