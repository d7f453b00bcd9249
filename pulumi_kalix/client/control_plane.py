"""`ControlPlane` and `AsyncControlPlane`: typed httpx clients of the Kalix control plane.

Each operation is written once, as a small generator that yields the HTTP calls it
needs and turns the responses into models (`_Op`); a sync and an async driver run it.
The drivers own the request loop: bearer auth, timeouts, a request id kept across
retries, retries with exponential backoff and full jitter honouring `Retry-After`
(bounded in count and total time, each logged at debug), and the mapping of error
responses onto :mod:`pulumi_kalix.errors`.

`delete(name, preconditions=Preconditions(uid=..., resource_version=...))` sends a
`DeleteOptions` body: the control plane deletes only the object named, else answers 409
(`PreconditionFailedError`); an object already gone is `None`, with or without them.

What is retried (`RetryPolicy`; every sleep full jitter over an exponential curve,
capped, honouring `Retry-After`; every budget bounded in attempts and total time):
- connection refused / connect timeouts (nothing was sent), 503 (any method), 502/504 of an
  idempotent call: the control plane is down or restarting. These ride out an outage
  for `outage_seconds` (30 s; `kalix:retrySeconds`) in up to `outage_retries`
  attempts, sleeping at most `outage_backoff_max` (2 s) so a restart is seen soon.
- 429: every method, within `max_retries` / `max_elapsed`.
- 500: safe methods only (GET: reads, lists, and opening a watch stream); a write
  that got a 500 is not retried.
- 502, 504, timeouts and dropped connections: the request may have been applied, so
  only idempotent methods (GET, PUT, DELETE) and calls marked `retry_uncertain` (a
  create whose caller adopts its own object on `AlreadyExists`) are retried.
- `wait_for`: a poll that fails (5xx, 429, no connection) is not the end of the wait,
  nor a deleted object: the wait polls on until its own deadline, and no retry sleeps
  past it; a timeout names the last failure.
- `update` (read-modify-write): a 409 Conflict re-reads after a jittered pause
  (`conflict_base` .. `conflict_max`), up to `UPDATE_ATTEMPTS` times, so many writers
  to one object all land.

An `APIConnectionError` tells a request that never reached the server (`answer_lost`
False: "could not reach") from one whose answer was lost after it was sent
(`answer_lost` True: the server may have applied it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import random
import ssl
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, Field

from ..api import (
    API_VERSION,
    API_VERSION_V1BETA1,
    ContainerRegistryConfig,
    DeleteOptions,
    ExternalSecret,
    KalixBroker,
    KalixObjectStorage,
    KalixObservability,
    KalixRoute,
    KalixSecret,
    KalixService,
    KalixServiceConfig,
    KalixStore,
    Preconditions,
    Status,
    WatchEvent,
    WireModel,
    api_prefix,
)
from ..errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    KalixError,
    RateLimitedError,
    ServerError,
    WaitTimeoutError,
    make_status_error,
)
from .watch_hub import CollectionWatch, HubStopped, Subscription, at_least_version

log = logging.getLogger("pulumi_kalix.client")

DEFAULT_API_URL = "http://127.0.0.1:9000"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = "pulumi-kalix/0.1"

T = TypeVar("T", bound=WireModel)
R = TypeVar("R")

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: How many times `update()` reads and writes before a 409 Conflict is raised.
UPDATE_ATTEMPTS = 30


#: How long a call rides out an unreachable or unavailable control plane (a restart).
DEFAULT_OUTAGE_SECONDS = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, total time, and the backoff curve.

    Two budgets: an *outage* (connection refused, 502, 503, 504: the control plane is
    down or restarting) is ridden out for up to `outage_seconds` and `outage_retries`
    attempts; any other retryable failure (429, a 500 on a safe method, a timeout or a
    dropped connection of an idempotent call) gets `max_retries` within `max_elapsed`.
    Every sleep is full jitter over `backoff_base * 2^attempt`, capped at
    `backoff_max` (`outage_backoff_max` during an outage, so a restarted server is
    noticed soon)."""

    max_retries: int = 6
    max_elapsed: float = 90.0
    backoff_base: float = 0.2
    backoff_max: float = 8.0
    #: A longer `Retry-After` is capped to this (and still bounded by `max_elapsed`).
    max_retry_after: float = 60.0
    outage_seconds: float = DEFAULT_OUTAGE_SECONDS
    outage_retries: int = 40
    outage_backoff_max: float = 2.0
    #: `update()`'s pause before re-reading after a 409 Conflict: full jitter over
    #: `conflict_base * 2^attempt`, capped at `conflict_max`.
    conflict_base: float = 0.02
    conflict_max: float = 0.5

    def delay(
        self, attempt: int, retry_after: float | None, rng: random.Random, *, outage: bool = False
    ) -> float:
        # Full jitter: uniform in [0, min(cap, base * 2^attempt)], but never less
        # than what the server asked for.
        cap = min(self.backoff_max, self.outage_backoff_max) if outage else self.backoff_max
        backoff = rng.uniform(0, min(cap, self.backoff_base * (2 ** min(attempt, 30))))
        if retry_after is not None:
            return max(min(retry_after, self.max_retry_after), backoff)
        return backoff

    def conflict_delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.conflict_max, self.conflict_base * (2 ** min(attempt, 30))))

    def allows(self, attempt: int, elapsed: float, *, outage: bool) -> bool:
        """Whether attempt number `attempt + 1` may follow after `elapsed` seconds."""
        if outage:
            return attempt < self.outage_retries and elapsed <= self.outage_seconds
        return attempt < self.max_retries and elapsed <= self.max_elapsed


NO_RETRIES = RetryPolicy(max_retries=0, outage_retries=0)


@dataclass(frozen=True)
class PollPolicy:
    """How a wait polls: `initial` seconds after a change, growing by `factor` while
    nothing changes, up to `maximum`. Polling is the published way to learn of changes;
    watch is used on top when the server streams (`use_watch`)."""

    initial: float = 0.2
    factor: float = 1.5
    maximum: float = 2.0
    use_watch: bool = True

    def next(self, current: float | None) -> float:
        return self.initial if current is None else min(self.maximum, current * self.factor)


DEFAULT_POLL = PollPolicy()


def _wake_delay(predicate: object) -> float | None:
    """Seconds until a predicate's answer may change on its own (a settle window);
    `wake_at()` answers in wall-clock time."""
    wake_at = getattr(predicate, "wake_at", None)
    when = wake_at() if callable(wake_at) else None
    return None if when is None else max(0.0, float(when) - time.time())


def _wakes_sooner(predicate: object, ends: float) -> bool:
    """Whether an event just made the predicate's answer due to change with time alone
    (a grace or settle window began) before the watch round ends: a watch only wakes on
    events, so the round must end for the window to be seen in time."""
    wake = _wake_delay(predicate)
    return wake is not None and time.monotonic() + wake < ends


def _policy(poll: PollPolicy, poll_interval: float | None) -> PollPolicy:
    if poll_interval is None:
        return poll
    return PollPolicy(poll_interval, 1.0, poll_interval, poll.use_watch)


def _ended_early(started: float, budget: float, events: int) -> bool:
    """A stream that closed at once with nothing in it taught us nothing: poll instead
    of opening the next one straight away (a server may close watches immediately)."""
    return events == 0 and time.monotonic() - started < min(budget, 1.0) * 0.9


class _NotAStream(Exception):
    """A watch request was answered with a plain body: the server does not offer watch."""


@dataclass
class Call:
    """One HTTP request an operation needs."""

    method: str
    path: str
    params: dict[str, str] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_uncertain: bool = False
    #: statuses the operation handles itself (returned, not raised)
    expect: tuple[int, ...] = ()
    #: seconds the driver waits before sending (a backoff the operation asks for)
    pause: float = 0.0

    @property
    def retry_when_uncertain(self) -> bool:
        return self.retry_uncertain or self.method in _IDEMPOTENT


_Op = Generator[Call, httpx.Response, R]


#: Methods that change nothing: an HTTP 500 may be retried (a watch is a GET).
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
#: Failures of a request that never reached the server.
_NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class _Decision:
    retry: bool
    retry_after: float | None = None
    #: the control plane is down or restarting: the outage budget applies
    outage: bool = False


def _retry_decision(
    call: Call, response: httpx.Response | None, exc: httpx.TransportError | None
) -> _Decision:
    """Whether a failed attempt may be retried, and under which budget."""
    if exc is not None:
        if isinstance(exc, _NOTHING_SENT):
            return _Decision(True, outage=not isinstance(exc, httpx.PoolTimeout))
        return _Decision(call.retry_when_uncertain)
    assert response is not None
    code = response.status_code
    ra = response.headers.get("retry-after")
    retry_after = float(ra) if ra and ra.replace(".", "", 1).isdigit() else None
    if code == 429:
        return _Decision(True, retry_after)
    if code == 503:
        return _Decision(True, retry_after, outage=True)
    if code in (502, 504):
        return _Decision(call.retry_when_uncertain, retry_after, outage=True)
    if code == 500:
        return _Decision(call.method in _SAFE)
    return _Decision(False)


def _transport_error(exc: httpx.TransportError, call: Call, base_url: str) -> APIConnectionError:
    """A connect failure (nothing sent) is named apart from a lost answer: a request
    that was sent and whose connection then dropped or timed out may have been applied."""
    url = f"{base_url}{call.path}"
    timeout = isinstance(exc, httpx.TimeoutException)
    cls = APITimeoutError if timeout else APIConnectionError
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, _NOTHING_SENT):
        verb = f"timed out ({type(exc).__name__})" if timeout else detail
        return cls(
            f"could not reach the Kalix control plane at {base_url} "
            f"({call.method} {call.path}): {verb}",
            method=call.method,
            url=url,
        )
    how = f"timed out ({type(exc).__name__})" if timeout else f"connection lost ({detail})"
    return cls(
        f"{call.method} {url} {how} after the request was sent: the answer was lost, and "
        "the control plane may have applied the request (read the object to see)",
        method=call.method,
        url=url,
        answer_lost=True,
    )


def _stream_timeout(timeout: httpx.Timeout, call: Call) -> httpx.Timeout:
    """A watch is quiet until something changes: its read timeout must outlast the
    server-side `timeoutSeconds`, or every quiet watch ends in a ReadTimeout."""
    seconds = (call.params or {}).get("timeoutSeconds")
    if seconds is None or timeout.read is None:
        return timeout
    return httpx.Timeout(
        connect=timeout.connect,
        read=max(timeout.read, float(seconds) + 5.0),
        write=timeout.write,
        pool=timeout.pool,
    )


#: A bearer token, or a callable returning the current one (a session's token cache).
TokenSource = str | Callable[[], str] | None


class _BaseClient:
    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        project: str,
        *,
        retry: RetryPolicy,
        rng: random.Random | None,
        renew: Callable[[str], None] | None = None,
    ) -> None:
        if not project:
            raise ValueError("project is required")
        self.base_url = base_url.rstrip("/")
        self.project = project
        self._token = token
        #: told which token a server rejected (401), so the next one is fresh
        self._renew = renew
        self.retry = retry
        self._rng = rng or random.Random()
        # Shared by the clients `with_project` derives: one server, one answer.
        self._watch_support: dict[str, bool | None] = {"offered": None}

    @property
    def watch_offered(self) -> bool | None:
        """Whether the server streams watch events: None until a wait has tried."""
        return self._watch_support["offered"]

    @watch_offered.setter
    def watch_offered(self, value: bool) -> None:
        self._watch_support["offered"] = value

    def may_watch(self) -> bool:
        """False once the server answered a watch request with a plain body."""
        return self._watch_support["offered"] is not False

    def current_token(self) -> str | None:
        return self._token() if callable(self._token) else self._token

    def _headers(self, call: Call, request_id: str, token: str | None = None) -> dict[str, str]:
        headers = {"user-agent": USER_AGENT, "x-request-id": request_id, **call.headers}
        token = token if token is not None else self.current_token()
        if token:
            headers["authorization"] = f"Bearer {token}"
        return headers

    def _renews(self, response: httpx.Response | None, token: str | None, renewed: bool) -> bool:
        """A 401 for a token the source can replace: renew it and try once more."""
        if renewed or self._renew is None or not token or response is None:
            return False
        if response.status_code != 401:
            return False
        self._renew(token)
        return True

    def _check(self, call: Call, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400 and response.status_code not in call.expect:
            raise make_status_error(response)
        return response

    def _retry_delay(
        self,
        call: Call,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
        attempt: int,
        started: float,
        request_id: str,
        deadline: float | None = None,
    ) -> float:
        """How long to wait before the next attempt; raises the error when giving up
        (out of the policy's budget, or past `deadline`, a `time.monotonic()` value)."""
        decision = _retry_decision(call, response, error)
        delay = self.retry.delay(attempt, decision.retry_after, self._rng, outage=decision.outage)
        now = time.monotonic()
        in_budget = decision.retry and self.retry.allows(
            attempt, now - started + delay, outage=decision.outage
        )
        if not in_budget or (deadline is not None and now + delay > deadline):
            if error is not None:
                raise _transport_error(error, call, self.base_url) from error
            assert response is not None
            raise make_status_error(response)
        why = f"HTTP {response.status_code}" if response is not None else repr(error)
        log.debug(
            "retry %d/%d of %s %s in %.2fs after %s (request id %s)",
            attempt + 1,
            self.retry.outage_retries if decision.outage else self.retry.max_retries,
            call.method,
            call.path,
            delay,
            why,
            request_id,
        )
        return delay

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}(base_url={self.base_url!r}, project={self.project!r})"


# ---------------------------------------------------------------------------
# Operations, written once for both drivers.
# ---------------------------------------------------------------------------


def _parse(model: type[T], response: httpx.Response) -> T:
    return model.model_validate(response.json())


class _Items(BaseModel, Generic[T]):
    """Just the `items` of a list body; the rest of the body is not looked at."""

    items: list[T] = Field(default_factory=list)


_ITEMS: dict[type[Any], type[_Items[Any]]] = {}


def _items_model(model: type[T]) -> type[_Items[T]]:
    cached = _ITEMS.get(model)
    if cached is None:
        cached = _ITEMS[model] = _Items[model]  # type: ignore[valid-type]
    return cached


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored as it was after it).

    Decoding a list of 1,000 objects allocates tens of thousands of containers and frees
    none: every collection the allocations set off found nothing, yet walked them and
    every other live object of the process again (in a program's process, more than
    the decoding itself). The switch is process-wide: a block that found it off (its
    caller's choice, or another thread's block) leaves it off, so it is back on once
    the block that turned it off ends; another thread's block at worst sees collections.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def ssl_verify(verify: Any) -> Any:
    """httpx's `verify`, with `True` made one shared SSL context: httpx builds a fresh
    one per client otherwise (tens of ms of CPU and ~1 MiB each, loading the CA bundle)."""
    return _default_ssl_context() if verify is True else verify


#: Watch streams are long-lived (one connection each while they wait): a pool of their
#: own, unbounded, so they never hold the connections ordinary calls need.
_STREAM_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=None)


class _Objects(Generic[T]):
    """Operations on one Kubernetes-style collection (`kalixservices`, ...)."""

    def __init__(
        self, plural: str, model: type[T], project: str, api_version: str = API_VERSION
    ) -> None:
        self.plural = plural
        self.model = model
        self.project = project
        self.prefix = api_prefix(api_version)

    def path(self, name: str | None = None) -> str:
        base = f"{self.prefix}/{self.project}/{self.plural}"
        if name is None:
            return base
        if not name:
            raise ValueError(f"{self.plural}: name must not be empty")
        return f"{base}/{name}"

    def parse_list(self, body: bytes) -> list[T]:
        """The items of a list body, validated in one pass over the JSON (no dicts built
        first, then each item validated again: about half the time at 1,000 items), with
        the garbage collector paused (see :func:`_gc_paused`)."""
        with _gc_paused():
            return _items_model(self.model).model_validate_json(body).items

    def get(self, name: str) -> _Op[T]:
        response = yield Call("GET", self.path(name))
        return _parse(self.model, response)

    def get_or_none(self, name: str) -> _Op[T | None]:
        response = yield Call("GET", self.path(name), expect=(404,))
        return None if response.status_code == 404 else _parse(self.model, response)

    def list(self, label_selector: str | None = None, **params: str) -> _Op[list[T]]:
        query = dict(params)
        if label_selector:
            query["labelSelector"] = label_selector
        response = yield Call("GET", self.path(), params=query or None)
        return self.parse_list(response.content)

    def create(self, obj: T, *, retry_uncertain: bool = False) -> _Op[T]:
        response = yield Call(
            "POST", self.path(), json=obj.to_wire(), retry_uncertain=retry_uncertain
        )
        return _parse(self.model, response)

    def replace(self, obj: T) -> _Op[T]:
        name = getattr(obj, "metadata").name  # noqa: B009 - every object kind has metadata
        response = yield Call("PUT", self.path(name), json=obj.to_wire())
        return _parse(self.model, response)

    def patch(self, name: str, patch: dict[str, Any]) -> _Op[T]:
        response = yield Call(
            "PATCH",
            self.path(name),
            json=patch,
            headers={"content-type": "application/merge-patch+json"},
        )
        return _parse(self.model, response)

    def delete(
        self, name: str, *, preconditions: Preconditions | None = None, **params: str
    ) -> _Op[Status | None]:
        """Delete; the control plane answers a `Status` (published), `None` when the
        object was already gone. A body that is not a Status (an older server answering
        with the object) is read as success.

        With `preconditions` the request carries a `DeleteOptions` body: the object is
        deleted only if its `uid` / `resourceVersion` are the ones given, else
        :class:`~pulumi_kalix.errors.PreconditionFailedError` (a 409 Conflict) is
        raised and nothing is deleted."""
        body = None
        if preconditions is not None:
            body = DeleteOptions(preconditions=preconditions).to_wire()
        response = yield Call(
            "DELETE", self.path(name), params=params or None, json=body, expect=(404,)
        )
        if response.status_code == 404:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("kind") == "Status":
            return Status.model_validate(body)
        return Status(status="Success", code=response.status_code)

    def update(
        self,
        name: str,
        mutate: Callable[[T], T | None],
        attempts: int = UPDATE_ATTEMPTS,
        pause: Callable[[int], float] | None = None,
    ) -> _Op[T]:
        """Read-modify-write: re-read and re-apply `mutate` when the write was stale,
        after `pause(attempt)` seconds (a jittered backoff, so that many writers to one
        object spread out instead of colliding again at once)."""
        wait = 0.0
        for attempt in range(attempts):
            response = yield Call("GET", self.path(name), pause=wait)
            current = _parse(self.model, response)
            changed = mutate(current)
            if changed is None:
                return current
            try:
                return (yield from self.replace(changed))
            except ConflictError:
                if attempt == attempts - 1:
                    raise
                wait = pause(attempt) if pause is not None else 0.0
                log.debug(
                    "stale resourceVersion on %s/%s; re-reading in %.3fs", self.plural, name, wait
                )
        raise AssertionError("unreachable")

    def watch_call(self, name: str, resource_version: str | None, timeout: float) -> Call:
        params = {
            "watch": "true",
            "fieldSelector": f"metadata.name={name}",
            "timeoutSeconds": str(max(1, int(timeout))),
        }
        if resource_version:
            params["resourceVersion"] = resource_version
        return Call("GET", self.path(), params=params)

    def event_object(self, event: WatchEvent) -> T | None:
        return None if event.type == "DELETED" else self.model.model_validate(event.object)


# ---------------------------------------------------------------------------
# Sync driver
# ---------------------------------------------------------------------------


class ControlPlane(_BaseClient):
    """Synchronous client; used by the provider process."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        token: TokenSource = None,
        project: str = "default",
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        renew: Callable[[str], None] | None = None,
        verify: Any = True,
    ) -> None:
        super().__init__(base_url, token, project, retry=retry, rng=rng, renew=renew)
        #: a pool handed in belongs to whoever made it: close() leaves it open
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, verify=ssl_verify(verify)
        )
        self._sleep = sleep
        self.services = SyncObjects(self, _Objects("kalixservices", KalixService, project))
        self.routes = SyncObjects(self, _Objects("kalixroutes", KalixRoute, project))
        self.secrets = SyncObjects(self, _Objects("kalixsecrets", KalixSecret, project))
        self.service_configs = SyncObjects(
            self, _Objects("kalixserviceconfigs", KalixServiceConfig, project)
        )
        self.external_secrets = SyncObjects(
            self, _Objects("externalsecrets", ExternalSecret, project)
        )
        self.object_storages = SyncObjects(
            self, _Objects("kalixobjectstorages", KalixObjectStorage, project)
        )
        self.stores = SyncObjects(self, _Objects("kalixstores", KalixStore, project))
        self.container_registry_configs = SyncObjects(
            self, _Objects("containerregistryconfigs", ContainerRegistryConfig, project)
        )
        self.brokers = SyncObjects(self, _Objects("kalixbrokers", KalixBroker, project))
        self.observabilities = SyncObjects(
            self,
            _Objects("kalixobservabilities", KalixObservability, project, API_VERSION_V1BETA1),
        )

    def with_project(self, project: str) -> ControlPlane:
        """The same connection pool, another project."""
        derived = ControlPlane(
            self.base_url,
            self._token,
            project,
            retry=self.retry,
            http_client=self._http,
            sleep=self._sleep,
            rng=self._rng,
            renew=self._renew,
        )
        derived._watch_support = self._watch_support
        return derived

    def run(self, op: _Op[R], *, deadline: float | None = None) -> R:
        """Drive an operation to completion; no retry sleeps past `deadline`
        (a `time.monotonic()` value).

        A failed call is raised inside the operation (at its `yield`), so an operation
        can handle it (`update` re-reads on a stale `resourceVersion`).
        """
        try:
            call = next(op)
            while True:
                try:
                    response = self.send(call, deadline=deadline)
                except KalixError as exc:
                    call = op.throw(exc)
                else:
                    call = op.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def send(self, call: Call, *, deadline: float | None = None) -> httpx.Response:
        if call.pause > 0:
            self._sleep(call.pause)
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        attempt = 0
        renewed = False
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            token = self.current_token()
            try:
                response = self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=self._headers(call, request_id, token),
                )
                if response.status_code < 400 or response.status_code in call.expect:
                    return response
            except httpx.TransportError as exc:
                error = exc
            if self._renews(response, token, renewed):
                renewed = True
                continue
            delay = self._retry_delay(call, response, error, attempt, started, request_id, deadline)
            self._sleep(delay)
            attempt += 1

    def stream_lines(self, call: Call, *, deadline: float | None = None) -> Iterator[str]:
        """The lines of a streamed answer. Opening the stream is retried as `send`
        retries (a watch re-connects after a 500 or a restart); once it is open, a
        failure is raised (the caller re-watches from the last version it saw)."""
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        attempt = 0
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            opened = False
            try:
                with self._http.stream(
                    call.method,
                    call.path,
                    params=call.params,
                    headers=self._headers(call, request_id),
                    timeout=_stream_timeout(self._http.timeout, call),
                ) as response:
                    if response.status_code < 400:
                        opened = True
                        yield from response.iter_lines()
                        return
                    response.read()
            except httpx.TransportError as exc:
                if opened:
                    raise _transport_error(exc, call, self.base_url) from exc
                error, response = exc, None
            delay = self._retry_delay(call, response, error, attempt, started, request_id, deadline)
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ControlPlane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SyncObjects(Generic[T]):
    def __init__(self, client: ControlPlane, ops: _Objects[T]) -> None:
        self._c = client
        self.ops = ops

    def get(self, name: str) -> T:
        return self._c.run(self.ops.get(name))

    def get_or_none(self, name: str) -> T | None:
        return self._c.run(self.ops.get_or_none(name))

    def list(self, label_selector: str | None = None, **params: str) -> list[T]:
        return self._c.run(self.ops.list(label_selector, **params))

    def create(self, obj: T, *, retry_uncertain: bool = False) -> T:
        return self._c.run(self.ops.create(obj, retry_uncertain=retry_uncertain))

    def replace(self, obj: T) -> T:
        return self._c.run(self.ops.replace(obj))

    def patch(self, name: str, patch: dict[str, Any]) -> T:
        return self._c.run(self.ops.patch(name, patch))

    def delete(
        self, name: str, *, preconditions: Preconditions | None = None, **params: str
    ) -> Status | None:
        """See :meth:`_Objects.delete`: `None` when already gone; with `preconditions`,
        :class:`~pulumi_kalix.errors.PreconditionFailedError` when they do not hold."""
        return self._c.run(self.ops.delete(name, preconditions=preconditions, **params))

    def update(
        self, name: str, mutate: Callable[[T], T | None], attempts: int = UPDATE_ATTEMPTS
    ) -> T:
        """Read-modify-write (see :meth:`_Objects.update`), re-reading after a 409
        Conflict with the policy's jittered `conflict_delay`."""
        c = self._c
        return c.run(
            self.ops.update(
                name, mutate, attempts, pause=lambda n: c.retry.conflict_delay(n, c._rng)
            )
        )

    def watch(
        self,
        name: str,
        resource_version: str | None = None,
        timeout: float = 30,
        *,
        deadline: float | None = None,
    ) -> Iterator[WatchEvent]:
        """Events for `name` after `resource_version`, until the server ends the stream
        (opening it is retried, never past `deadline`, a `time.monotonic()` value)."""
        call = self.ops.watch_call(name, resource_version, timeout)
        for line in self._c.stream_lines(call, deadline=deadline):
            event = _watch_event(line)
            if event is not None:
                yield event

    def wait_for(
        self,
        name: str,
        predicate: Callable[[T | None], bool],
        *,
        timeout: float,
        poll: PollPolicy = DEFAULT_POLL,
        poll_interval: float | None = None,
        on_change: Callable[[T | None], None] | None = None,
    ) -> T | None:
        """Return the object as soon as `predicate` holds.

        Works by polling alone (the published contract) with `poll`'s backoff, reset
        whenever the object changed; when the server streams watch events they are used
        too, so a change is seen at once. `predicate` may raise (e.g.
        :class:`ResourceFailedError`) to stop early, and may have a `wake_at()` (wall
        clock) after which it is asked again even if nothing changed. `poll_interval`
        polls at a fixed interval instead of `poll`'s backoff.
        """
        poll = _policy(poll, poll_interval)
        deadline = time.monotonic() + timeout
        obj, error = self._poll(name, deadline)
        last: T | None = obj
        interval: float | None = None
        while True:
            if error is None:
                if on_change:
                    on_change(obj)
                if predicate(obj):
                    return obj
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _wait_timeout(self.ops.plural, name, timeout, last, error)
            wake = _wake_delay(predicate)
            budget = remaining if wake is None else min(remaining, max(wake, 0.05))
            before = obj
            if error is None and poll.use_watch and self._c.may_watch():
                found, done, watched = self._watch_for(name, obj, predicate, on_change, budget)
                if done:
                    return found
                last = found if found is not None else last
                if not watched:  # the watch failed or is not offered: poll this round
                    interval = poll.next(interval)
                    self._c._sleep(min(interval, budget))
            else:
                interval = poll.next(interval)
                self._c._sleep(min(interval, budget))
            fresh, error = self._poll(name, deadline)
            if error is not None:
                continue  # the control plane is not answering: keep what we saw
            obj = fresh
            if _resource_version(obj) != _resource_version(before):
                interval = None  # things are moving: look again soon
            last = obj if obj is not None else last

    def _poll(self, name: str, deadline: float) -> tuple[T | None, KalixError | None]:
        """One read of a wait: (object, None), or (None, error) when the control plane
        did not answer (5xx, 429, a connection error); the client's retries stop at the
        wait's `deadline` and the wait goes on polling until it."""
        try:
            return self._c.run(self.ops.get_or_none(name), deadline=deadline), None
        except (APIConnectionError, ServerError, RateLimitedError) as exc:
            log.debug("poll of %s/%s failed (%s); polling on", self.ops.plural, name, exc)
            return None, exc

    def _watch_for(
        self,
        name: str,
        obj: T | None,
        predicate: Callable[[T | None], bool],
        on_change: Callable[[T | None], None] | None,
        budget: float,
    ) -> tuple[T | None, bool, bool]:
        """Follow the watch stream for up to `budget` seconds:
        (object, predicate held, the watch worked)."""
        started = time.monotonic()
        ends = started + budget
        failed, seen = False, 0
        try:
            events = self.watch(
                name, _resource_version(obj), timeout=min(budget, 60), deadline=ends
            )
            for event in events:
                self._c.watch_offered = True
                seen += 1
                obj = self.ops.event_object(event)
                if on_change:
                    on_change(obj)
                if predicate(obj):
                    return obj, True, True
                if _wakes_sooner(predicate, ends):
                    return obj, False, True  # a window began: the next round is bounded
                if time.monotonic() >= ends:
                    break
            else:
                self._c.watch_offered = True
        except _NotAStream:
            log.debug("the server does not stream watch events; polling %s", self.ops.plural)
            self._c.watch_offered = False
        except (APIConnectionError, APIStatusError) as exc:
            if isinstance(exc, APIStatusError) and exc.status_code in (401, 403):
                raise
            log.debug("watch of %s/%s failed (%s); polling", self.ops.plural, name, exc)
            failed = True
        worked = self._c.watch_offered is True and not failed
        return obj, False, worked and not _ended_early(started, budget, seen)


def _watch_event(line: str) -> WatchEvent | None:
    """One line of a watch stream: None for blank lines and BOOKMARKs (no object to
    show); an ERROR event (its object is a Status) is raised as an APIStatusError.
    Anything that is not an event (a list, because the server ignored `watch`) raises
    :class:`_NotAStream`."""
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except ValueError:
        raise _NotAStream() from None
    if not isinstance(data, dict) or "type" not in data or "object" not in data:
        raise _NotAStream()
    event = WatchEvent.model_validate(data)
    if event.type == "BOOKMARK":
        return None
    if event.type == "ERROR":
        status = event.object
        raise APIStatusError(
            f"watch error: {status.get('message') or 'no message'}",
            status_code=int(status.get("code") or 500),
            reason=str(status.get("reason") or ""),
            body=status,
        )
    return event


def _wait_timeout(
    plural: str, name: str, timeout: float, last: Any, error: KalixError | None
) -> WaitTimeoutError:
    text = f"{plural} {name!r}: condition not reached in {timeout:g}s"
    if error is not None:
        text += f" (the last poll failed: {error})"
    exc = WaitTimeoutError(text, last=last)
    exc.__cause__ = error
    return exc


def _resource_version(obj: WireModel | None) -> str | None:
    meta = getattr(obj, "metadata", None)
    return getattr(meta, "resource_version", None)


#: Seconds a wait that knows its write's version waits for the shared watch to carry it
#: before reading the object itself (the event is normally milliseconds away).
FIRST_EVENT_SECONDS = 1.0


def _newer(candidate: object, than: object) -> bool:
    """Whether a shared watch's object is later than the one a wait last saw: by
    resourceVersion when both are numbers (opaque otherwise: then it counts)."""
    a, b = _resource_version(candidate), _resource_version(than)  # type: ignore[arg-type]
    if a is None or b is None or not a.isdigit() or not b.isdigit():
        return True
    return int(a) > int(b)


# ---------------------------------------------------------------------------
# Async driver
# ---------------------------------------------------------------------------


class AsyncControlPlane(_BaseClient):
    """Asynchronous client; used in the program process to await readiness."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        token: TokenSource = None,
        project: str = "default",
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
        renew: Callable[[str], None] | None = None,
        verify: Any = True,
        shared_watches: bool | None = None,
    ) -> None:
        super().__init__(base_url, token, project, retry=retry, rng=rng, renew=renew)
        self._owns_http = http_client is None
        #: waits share one watch per collection (:mod:`.watch_hub`); by default when this
        #: client makes its own pools (a handed-in client or transport keeps one watch per
        #: object, as its caller set it up)
        self.shared_watches = (
            shared_watches
            if shared_watches is not None
            else http_client is None and transport is None
        )
        self._hubs: dict[str, CollectionWatch[Any]] = {}
        verify = ssl_verify(verify)
        self._http = http_client or httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=transport, verify=verify
        )
        #: where watch streams go: their own pool (a handed-in client or transport is
        #: used for both, as the caller set it up)
        self._stream_http = self._http
        if http_client is None and transport is None:
            self._stream_http = httpx.AsyncClient(
                base_url=self.base_url, timeout=timeout, verify=verify, limits=_STREAM_LIMITS
            )
        self.services = AsyncObjects(self, _Objects("kalixservices", KalixService, project))
        self.routes = AsyncObjects(self, _Objects("kalixroutes", KalixRoute, project))
        self.secrets = AsyncObjects(self, _Objects("kalixsecrets", KalixSecret, project))
        self.service_configs = AsyncObjects(
            self, _Objects("kalixserviceconfigs", KalixServiceConfig, project)
        )
        self.external_secrets = AsyncObjects(
            self, _Objects("externalsecrets", ExternalSecret, project)
        )
        self.object_storages = AsyncObjects(
            self, _Objects("kalixobjectstorages", KalixObjectStorage, project)
        )
        self.stores = AsyncObjects(self, _Objects("kalixstores", KalixStore, project))
        self.container_registry_configs = AsyncObjects(
            self, _Objects("containerregistryconfigs", ContainerRegistryConfig, project)
        )
        self.brokers = AsyncObjects(self, _Objects("kalixbrokers", KalixBroker, project))
        self.observabilities = AsyncObjects(
            self,
            _Objects("kalixobservabilities", KalixObservability, project, API_VERSION_V1BETA1),
        )

    def with_project(self, project: str) -> AsyncControlPlane:
        derived = AsyncControlPlane(
            self.base_url,
            self._token,
            project,
            retry=self.retry,
            http_client=self._http,
            renew=self._renew,
        )
        derived._stream_http = self._stream_http
        derived._watch_support = self._watch_support
        derived.shared_watches = self.shared_watches
        return derived

    def collection_watch(self, objects: AsyncObjects[T]) -> CollectionWatch[T]:
        """The shared watch of `objects`' collection (one per kind on this client)."""
        hub = self._hubs.get(objects.ops.plural)
        if hub is None:
            hub = self._hubs[objects.ops.plural] = CollectionWatch(objects)
        return hub

    async def run(self, op: _Op[R], *, deadline: float | None = None) -> R:
        try:
            call = next(op)
            while True:
                try:
                    response = await self.send(call, deadline=deadline)
                except KalixError as exc:
                    call = op.throw(exc)
                else:
                    call = op.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def send(self, call: Call, *, deadline: float | None = None) -> httpx.Response:
        if call.pause > 0:
            await asyncio.sleep(call.pause)
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        attempt = 0
        renewed = False
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            token = await self._async_token()
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=self._headers(call, request_id, token),
                )
                if response.status_code < 400 or response.status_code in call.expect:
                    return response
            except httpx.TransportError as exc:
                error = exc
            if self._renews(response, token, renewed):
                renewed = True
                continue
            delay = self._retry_delay(call, response, error, attempt, started, request_id, deadline)
            await asyncio.sleep(delay)
            attempt += 1

    async def stream_lines(
        self, call: Call, *, deadline: float | None = None
    ) -> AsyncGenerator[str, None]:
        """Async twin of :meth:`ControlPlane.stream_lines`."""
        request_id = uuid.uuid4().hex
        started = time.monotonic()
        attempt = 0
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            opened = False
            headers = self._headers(call, request_id, await self._async_token())
            try:
                async with self._stream_http.stream(
                    call.method,
                    call.path,
                    params=call.params,
                    headers=headers,
                    timeout=_stream_timeout(self._stream_http.timeout, call),
                ) as response:
                    if response.status_code < 400:
                        opened = True
                        async for line in response.aiter_lines():
                            yield line
                        return
                    await response.aread()
            except httpx.TransportError as exc:
                if opened:
                    raise _transport_error(exc, call, self.base_url) from exc
                error, response = exc, None
            delay = self._retry_delay(call, response, error, attempt, started, request_id, deadline)
            await asyncio.sleep(delay)
            attempt += 1

    async def _async_token(self) -> str | None:
        # A token source may have to exchange a token over the network: off the loop.
        if callable(self._token):
            return await asyncio.to_thread(self._token)
        return self._token

    async def aclose(self) -> None:
        for hub in self._hubs.values():
            await hub.aclose()
        if self._owns_http:
            await self._http.aclose()
            if self._stream_http is not self._http:
                await self._stream_http.aclose()

    async def __aenter__(self) -> AsyncControlPlane:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncObjects(Generic[T]):
    def __init__(self, client: AsyncControlPlane, ops: _Objects[T]) -> None:
        self._c = client
        self.ops = ops

    async def get(self, name: str) -> T:
        return await self._c.run(self.ops.get(name))

    async def get_or_none(self, name: str) -> T | None:
        return await self._c.run(self.ops.get_or_none(name))

    async def list(self, label_selector: str | None = None, **params: str) -> list[T]:
        return await self._c.run(self.ops.list(label_selector, **params))

    async def delete(
        self, name: str, *, preconditions: Preconditions | None = None, **params: str
    ) -> Status | None:
        """Async twin of :meth:`SyncObjects.delete`."""
        return await self._c.run(self.ops.delete(name, preconditions=preconditions, **params))

    async def watch(
        self,
        name: str,
        resource_version: str | None = None,
        timeout: float = 30,
        *,
        deadline: float | None = None,
    ) -> AsyncGenerator[WatchEvent, None]:
        call = self.ops.watch_call(name, resource_version, timeout)
        # aclosing: closing this generator closes the stream now, on the caller's task,
        # not later from the garbage collector (RuntimeError on aclose() there).
        async with contextlib.aclosing(self._c.stream_lines(call, deadline=deadline)) as lines:
            async for line in lines:
                event = _watch_event(line)
                if event is not None:
                    yield event

    async def watch_collection(
        self, resource_version: str | None, timeout: float
    ) -> AsyncGenerator[WatchEvent, None]:
        """Events of the whole collection (from the current state as ADDED events when
        `resource_version` is None); raises :class:`_NotAStream` for a plain body."""
        params = {"watch": "true", "timeoutSeconds": str(max(1, int(timeout)))}
        if resource_version:
            params["resourceVersion"] = resource_version
        call = Call("GET", self.ops.path(), params=params)
        deadline = time.monotonic() + timeout
        async with contextlib.aclosing(self._c.stream_lines(call, deadline=deadline)) as lines:
            async for line in lines:
                try:
                    event = _watch_event(line)
                except _NotAStream:
                    self._c.watch_offered = False
                    raise
                if event is not None:
                    self._c.watch_offered = True
                    yield event

    async def wait_for(
        self,
        name: str,
        predicate: Callable[[T | None], bool],
        *,
        timeout: float,
        poll: PollPolicy = DEFAULT_POLL,
        poll_interval: float | None = None,
        on_change: Callable[[T | None], None] | None = None,
        written_version: str | None = None,
    ) -> T | None:
        """Async twin of :meth:`SyncObjects.wait_for`. With `shared_watches` the waits
        on one collection share one watch of it (:mod:`.watch_hub`). `written_version`:
        the resourceVersion the caller's own write returned; the shared watch's object
        of that version or later then stands in for the first read."""
        poll = _policy(poll, poll_interval)
        deadline = time.monotonic() + timeout
        if poll.use_watch and self._c.shared_watches and self._c.may_watch():
            hub = self._c.collection_watch(self)
            if hub.stopped is None:
                sub = hub.subscribe(name)
                try:
                    found, done = await self._wait_shared(
                        sub, predicate, deadline, on_change, written_version
                    )
                finally:
                    await hub.unsubscribe(sub)
                if done:
                    return found
                timeout = max(deadline - time.monotonic(), 0.0)  # the hub stopped: go alone
        return await self._wait_alone(name, predicate, timeout, poll, on_change)

    async def _wait_shared(
        self,
        sub: Subscription[T],
        predicate: Callable[[T | None], bool],
        deadline: float,
        on_change: Callable[[T | None], None] | None,
        written_version: str | None = None,
    ) -> tuple[T | None, bool]:
        """Wait on the hub's events for `sub.name`, reading the object once first (the
        hub may have opened before this wait: its own object of `written_version` or
        later will do) and again whenever a round (until the predicate's next settle
        window) brings nothing. (found, True) when the predicate held; (last, False) when
        the hub stopped, raising an authorization failure. Events older than the last
        object seen are skipped."""
        outcome, first = await self._first_from_hub(sub, written_version, deadline)
        if outcome == "stopped":
            return None, False
        error: KalixError | None = None
        obj = first
        if outcome == "read":
            obj, error = await self._poll(sub.name, deadline)
        while True:
            if error is None:
                if on_change:
                    on_change(obj)
                if predicate(obj):
                    return obj, True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # The caller's own path times out with the last object it reads.
                return obj, False
            wake = _wake_delay(predicate)
            budget = remaining if wake is None else min(remaining, max(wake, 0.05))
            try:
                arrived = await sub.next(budget if error is None else min(budget, 1.0))
            except HubStopped as stop:
                if isinstance(stop.cause, APIStatusError) and stop.cause.status_code in (401, 403):
                    raise stop.cause from None
                return obj, False
            if not arrived:  # a round without news: read it again
                obj, error = await self._poll(sub.name, deadline)
                continue
            newer = [o for o in arrived if error is not None or _newer(o, obj)]
            if not newer:
                continue
            for fresh in newer[:-1]:
                if on_change:
                    on_change(fresh)
                if predicate(fresh):
                    return fresh, True
            obj, error = newer[-1], None

    async def _first_from_hub(
        self, sub: Subscription[T], written_version: str | None, deadline: float
    ) -> tuple[str, T | None]:
        """The wait's first object from the shared watch: ("found", obj), or ("read",
        None) to read it from the server, or ("stopped", None) when the hub stopped.
        With the caller's write version known, the hub either holds the object at that
        version or later, or will carry it (its stream began before the write, or from
        the current state after it): at most `FIRST_EVENT_SECONDS` are spent waiting
        for it before reading."""
        if not (written_version and written_version.isdigit()):
            return "read", None
        cached = sub.hub.latest(sub.name, written_version)
        if cached is not None:
            return "found", cached
        wait = min(FIRST_EVENT_SECONDS, deadline - time.monotonic())
        try:
            arrived = await sub.next(wait)
        except HubStopped:
            return "stopped", None
        fresh = [o for o in arrived if at_least_version(_resource_version(o), written_version)]
        # Only the newest: an earlier one of the same batch is older still.
        return ("found", fresh[-1]) if fresh else ("read", None)

    async def _wait_alone(
        self,
        name: str,
        predicate: Callable[[T | None], bool],
        timeout: float,
        poll: PollPolicy,
        on_change: Callable[[T | None], None] | None,
    ) -> T | None:
        """One wait with its own watch of the object, or polling."""
        deadline = time.monotonic() + timeout
        obj, error = await self._poll(name, deadline)
        last: T | None = obj
        interval: float | None = None
        while True:
            if error is None:
                if on_change:
                    on_change(obj)
                if predicate(obj):
                    return obj
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _wait_timeout(self.ops.plural, name, timeout, last, error)
            wake = _wake_delay(predicate)
            budget = remaining if wake is None else min(remaining, max(wake, 0.05))
            before = obj
            if error is None and poll.use_watch and self._c.may_watch():
                found, done, watched = await self._watch_for(
                    name, obj, predicate, on_change, budget
                )
                if done:
                    return found
                last = found if found is not None else last
                if not watched:  # the watch failed or is not offered: poll this round
                    interval = poll.next(interval)
                    await asyncio.sleep(min(interval, budget))
            else:
                interval = poll.next(interval)
                await asyncio.sleep(min(interval, budget))
            fresh, error = await self._poll(name, deadline)
            if error is not None:
                continue
            obj = fresh
            if _resource_version(obj) != _resource_version(before):
                interval = None
            last = obj if obj is not None else last

    async def _poll(self, name: str, deadline: float) -> tuple[T | None, KalixError | None]:
        """Async twin of :meth:`SyncObjects._poll`."""
        try:
            return await self._c.run(self.ops.get_or_none(name), deadline=deadline), None
        except (APIConnectionError, ServerError, RateLimitedError) as exc:
            log.debug("poll of %s/%s failed (%s); polling on", self.ops.plural, name, exc)
            return None, exc

    async def _watch_for(
        self,
        name: str,
        obj: T | None,
        predicate: Callable[[T | None], bool],
        on_change: Callable[[T | None], None] | None,
        budget: float,
    ) -> tuple[T | None, bool, bool]:
        started = time.monotonic()
        events = self.watch(
            name, _resource_version(obj), timeout=min(budget + 1, 60), deadline=started + budget
        )
        failed, seen = False, 0
        try:
            async with asyncio.timeout(budget):
                async for event in events:
                    self._c.watch_offered = True
                    seen += 1
                    obj = self.ops.event_object(event)
                    if on_change:
                        on_change(obj)
                    if predicate(obj):
                        return obj, True, True
                    if _wakes_sooner(predicate, started + budget):
                        return obj, False, True  # a window began: the next round is bounded
            self._c.watch_offered = True
        except TimeoutError:
            pass
        except _NotAStream:
            log.debug("the server does not stream watch events; polling %s", self.ops.plural)
            self._c.watch_offered = False
        except (APIConnectionError, APIStatusError) as exc:
            if isinstance(exc, APIStatusError) and exc.status_code in (401, 403):
                raise
            log.debug("watch of %s/%s failed (%s); polling", self.ops.plural, name, exc)
            failed = True
        finally:
            # Close the stream here, on this task: left to the garbage collector, an
            # async generator is closed outside its task (RuntimeError on aclose()).
            await events.aclose()
        worked = self._c.watch_offered is True and not failed
        return obj, False, worked and not _ended_early(started, budget, seen)


__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_POLL",
    "NO_RETRIES",
    "AsyncControlPlane",
    "AsyncObjects",
    "Call",
    "ControlPlane",
    "PollPolicy",
    "RetryPolicy",
    "SyncObjects",
]
