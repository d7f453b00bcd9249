"""Retries of the drivers: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_kalix.api import KalixService
from pulumi_kalix.client import NO_RETRIES, Call, RetryPolicy
from pulumi_kalix.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)

from .helpers import (
    POLICY,
    SERVICES,
    TOKEN,
    FakeClock,
    Script,
    Step,
    fail,
    make_async_client,
    make_client,
    ok,
    service_json,
    status_response,
)

UNCERTAIN_FAILURES: dict[str, Callable[[], Step]] = {
    "502": lambda: status_response(502, "BadGateway", "upstream"),
    "504": lambda: status_response(504, "Timeout", "gateway timeout"),
    "read-timeout": lambda: fail(httpx.ReadTimeout),
    "dropped": lambda: fail(httpx.RemoteProtocolError, "peer closed connection"),
}
UNCERTAIN_ERRORS: dict[str, type[Exception]] = {
    "502": ServerError,
    "504": ServerError,
    "read-timeout": APITimeoutError,
    "dropped": APIConnectionError,
}


def new_service() -> KalixService:
    return KalixService.model_validate(service_json())


def test_429_with_retry_after_waits_at_least_that_long_then_succeeds(clock: FakeClock) -> None:
    script = Script(
        status_response(429, "TooManyRequests", "slow down", headers={"Retry-After": "2"}),
        ok(service_json()),
    )
    client = make_client(script, clock=clock)

    service = client.services.get("api")

    assert service.metadata.name == "api"
    assert script.methods == ["GET", "GET"]
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 2.0


def test_503_is_retried_for_post(clock: FakeClock) -> None:
    script = Script(
        status_response(503, "ServiceUnavailable", "try later"),
        ok(service_json(), 201),
    )
    client = make_client(script, clock=clock)

    created = client.services.create(new_service())

    assert created.metadata.uid == "uid-api"
    assert script.methods == ["POST", "POST"]
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("failure", sorted(UNCERTAIN_FAILURES))
def test_uncertain_failures_are_retried_for_idempotent_methods(
    clock: FakeClock, method: str, failure: str
) -> None:
    script = Script(UNCERTAIN_FAILURES[failure](), ok({}))
    client = make_client(script, clock=clock)

    response = client.send(Call(method, f"{SERVICES}/api"))

    assert response.status_code == 200
    assert script.methods == [method, method]
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("failure", sorted(UNCERTAIN_FAILURES))
def test_uncertain_failures_are_not_retried_for_post_and_patch(
    clock: FakeClock, method: str, failure: str
) -> None:
    script = Script(UNCERTAIN_FAILURES[failure](), ok({}))
    client = make_client(script, clock=clock)

    with pytest.raises(UNCERTAIN_ERRORS[failure]):
        client.send(Call(method, SERVICES, json={}))

    assert script.methods == [method]
    assert clock.sleeps == []


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("failure", sorted(UNCERTAIN_FAILURES))
def test_uncertain_failures_are_retried_for_post_and_patch_marked_retry_uncertain(
    clock: FakeClock, method: str, failure: str
) -> None:
    script = Script(UNCERTAIN_FAILURES[failure](), ok({}))
    client = make_client(script, clock=clock)

    response = client.send(Call(method, SERVICES, json={}, retry_uncertain=True))

    assert response.status_code == 200
    assert script.methods == [method, method]


def test_create_with_retry_uncertain_retries_a_dropped_connection(clock: FakeClock) -> None:
    script = Script(fail(httpx.RemoteProtocolError), ok(service_json(), 201))
    client = make_client(script, clock=clock)

    created = client.services.create(new_service(), retry_uncertain=True)

    assert created.metadata.name == "api"
    assert script.methods == ["POST", "POST"]
    assert script.bodies()[0] == script.bodies()[1] == new_service().to_wire()


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout])
def test_connect_failures_are_retried_for_post(
    clock: FakeClock, exc_type: type[httpx.TransportError]
) -> None:
    script = Script(fail(exc_type, "connection refused"), ok(service_json(), 201))
    client = make_client(script, clock=clock)

    created = client.services.create(new_service())

    assert created.metadata.name == "api"
    assert script.methods == ["POST", "POST"]


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 422])
def test_other_error_statuses_are_not_retried(clock: FakeClock, code: int) -> None:
    script = Script(status_response(code, "Whatever", "no"))
    client = make_client(script, clock=clock)

    with pytest.raises(APIStatusError) as info:
        client.services.get("api")

    assert info.value.status_code == code
    assert script.methods == ["GET"]
    assert clock.sleeps == []


def test_retries_are_bounded_by_max_retries(clock: FakeClock) -> None:
    script = Script(*[status_response(429, "TooManyRequests", f"n{i}") for i in range(4)])
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=3))

    with pytest.raises(RateLimitedError) as info:
        client.services.get("api")

    assert len(script.requests) == 4
    assert len(clock.sleeps) == 3
    assert info.value.message == "n3"


def test_no_retries_policy_makes_one_attempt(clock: FakeClock) -> None:
    script = Script(status_response(503, "ServiceUnavailable", "down"))
    client = make_client(script, clock=clock, retry=NO_RETRIES)

    with pytest.raises(ServerError):
        client.services.get("api")

    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_retries_are_bounded_by_max_elapsed_and_raise_the_last_rate_limit(
    clock: FakeClock,
) -> None:
    limited = [
        status_response(429, "TooManyRequests", f"n{i}", headers={"Retry-After": "2"})
        for i in range(3)
    ]
    script = Script(*limited)
    policy = RetryPolicy(max_retries=10, max_elapsed=5.0, backoff_base=0.01)
    client = make_client(script, clock=clock, retry=policy)

    with pytest.raises(RateLimitedError) as info:
        client.services.get("api")

    # t=0 wait 2 -> t=2 wait 2 -> t=4: another 2 s would pass the 5 s budget.
    assert clock.sleeps == [2.0, 2.0]
    assert len(script.requests) == 3
    assert info.value.retry_after == 2.0
    assert info.value.message == "n2"
    assert info.value.status_code == 429


def test_max_elapsed_counts_time_spent_in_requests(clock: FakeClock) -> None:
    def slow_503(request: httpx.Request) -> httpx.Response:
        clock.now += 4.0  # the server took 4 s to answer
        return status_response(429, "TooManyRequests", "slow")

    script = Script(slow_503, slow_503, slow_503)
    policy = RetryPolicy(max_retries=10, max_elapsed=10.0, backoff_base=0.01, backoff_max=0.01)
    client = make_client(script, clock=clock, retry=policy)

    with pytest.raises(RateLimitedError):
        client.services.get("api")

    # 4 s + wait, 8 s + wait, then 12 s > 10 s: no third wait.
    assert len(script.requests) == 3
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    ("last", "expected", "status_code"),
    [
        (lambda: status_response(429, "TooManyRequests", "last"), RateLimitedError, 429),
        (lambda: status_response(503, "ServiceUnavailable", "last"), ServerError, 503),
        (lambda: status_response(504, "Timeout", "last"), ServerError, 504),
    ],
    ids=["429", "503", "504"],
)
def test_the_error_after_the_budget_is_the_last_status(
    clock: FakeClock,
    last: Callable[[], httpx.Response],
    expected: type[APIStatusError],
    status_code: int,
) -> None:
    script = Script(fail(httpx.ReadTimeout), fail(httpx.ConnectError), last())
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=2, outage_retries=2))

    with pytest.raises(APIStatusError) as info:
        client.services.get("api")

    assert type(info.value) is expected
    assert info.value.status_code == status_code
    assert info.value.message == "last"


def test_the_rate_limit_raised_after_the_budget_carries_retry_after(clock: FakeClock) -> None:
    script = Script(
        status_response(503, "ServiceUnavailable", "first"),
        status_response(429, "TooManyRequests", "last", headers={"Retry-After": "7"}),
    )
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=1))

    with pytest.raises(RateLimitedError) as info:
        client.services.get("api")

    assert info.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("exc_type", "expected"),
    [(httpx.ConnectError, APIConnectionError), (httpx.ReadTimeout, APITimeoutError)],
)
def test_the_error_after_the_budget_is_the_last_transport_failure(
    clock: FakeClock, exc_type: type[httpx.TransportError], expected: type[Exception]
) -> None:
    script = Script(
        status_response(503, "ServiceUnavailable", "first"),
        status_response(429, "TooManyRequests", "second"),
        fail(exc_type, "last one"),
    )
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=2, outage_retries=2))

    with pytest.raises(APIConnectionError) as info:
        client.services.get("api")

    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, exc_type)
    assert info.value.method == "GET"
    assert info.value.url.endswith(f"{SERVICES}/api")


def test_backoff_delays_are_full_jitter_over_a_growing_cap(clock: FakeClock) -> None:
    failures = [status_response(429, "TooManyRequests") for _ in range(6)]
    script = Script(*failures, ok(service_json()))
    policy = RetryPolicy(max_retries=6, backoff_base=1.0, backoff_max=8.0)
    client = make_client(script, clock=clock, retry=policy, seed=42)

    client.services.get("api")

    caps = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    replay = random.Random(42)
    assert clock.sleeps == [replay.uniform(0, cap) for cap in caps]
    assert all(0 <= s <= cap for s, cap in zip(clock.sleeps, caps, strict=True))


class _Ceiling(random.Random):
    """An rng whose `uniform` returns the upper bound: exposes the backoff cap."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_cap_doubles_per_attempt_up_to_backoff_max() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0)

    caps = [policy.delay(attempt, None, _Ceiling()) for attempt in range(6)]

    assert caps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_is_jittered_across_the_whole_range() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    rng = random.Random(3)

    delays = [policy.delay(5, None, rng) for _ in range(200)]

    assert all(0.0 <= d <= 8.0 for d in delays)
    assert min(delays) < 1.0
    assert max(delays) > 7.0
    assert len(set(delays)) == 200


def test_retry_after_is_a_floor_for_the_jittered_backoff() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)

    assert policy.delay(0, 2.0, _Ceiling()) == 2.0
    assert policy.delay(4, 2.0, _Ceiling()) == 8.0


def test_429_without_retry_after_uses_the_backoff(clock: FakeClock) -> None:
    script = Script(status_response(429, "TooManyRequests"), ok(service_json()))
    policy = RetryPolicy(backoff_base=0.25, backoff_max=8.0)
    client = make_client(script, clock=clock, retry=policy)

    client.services.get("api")

    assert len(clock.sleeps) == 1
    assert 0.0 <= clock.sleeps[0] <= 0.25


def test_every_attempt_of_one_request_carries_the_same_request_id(clock: FakeClock) -> None:
    script = Script(
        status_response(503, "ServiceUnavailable"),
        fail(httpx.ConnectError),
        ok(service_json()),
        ok(service_json()),
    )
    client = make_client(script, clock=clock)

    client.services.get("api")
    client.services.get("api")

    ids = [r.headers["x-request-id"] for r in script.requests]
    assert ids[0] == ids[1] == ids[2]
    assert ids[3] != ids[0]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_each_retry_is_logged_at_debug(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_kalix.client")
    script = Script(
        status_response(503, "ServiceUnavailable"),
        fail(httpx.ConnectError, "refused"),
        ok(service_json()),
    )
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=3, outage_retries=3))

    client.services.get("api")

    request_id = script.requests[0].headers["x-request-id"]
    retries = [r for r in caplog.records if r.name == "pulumi_kalix.client"]
    assert [r.levelno for r in retries] == [logging.DEBUG, logging.DEBUG]
    first, second = (r.getMessage() for r in retries)
    assert first.startswith(f"retry 1/3 of GET {SERVICES}/api in ")
    assert "after HTTP 503" in first
    assert request_id in first
    assert second.startswith(f"retry 2/3 of GET {SERVICES}/api in ")
    assert "ConnectError" in second


def test_the_token_is_sent_but_never_logged_or_shown(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    script = Script(
        status_response(503, "ServiceUnavailable"),
        fail(httpx.ReadTimeout),
        status_response(401, "Unauthorized", "token not accepted"),
        *[fail(httpx.ConnectError) for _ in range(3)],
    )
    client = make_client(script, clock=clock, retry=RetryPolicy(max_retries=2, outage_retries=2))

    with pytest.raises(UnauthorizedError) as status_error:
        client.services.get("api")
    with pytest.raises(APIConnectionError) as connection_error:
        client.send(Call("POST", SERVICES, json={}))

    assert script.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert caplog.records, "expected retry logs"
    shown = [
        caplog.text,
        repr(client),
        str(client),
        *(str(e) for e in (status_error.value, connection_error.value)),
        *(repr(e) for e in (status_error.value, connection_error.value)),
        repr(vars(status_error.value)),
        repr(vars(connection_error.value)),
    ]
    for text in shown:
        assert TOKEN not in text


def test_no_authorization_header_without_a_token(clock: FakeClock) -> None:
    script = Script(ok(service_json()))
    client = make_client(script, clock=clock, token=None)

    client.services.get("api")

    assert "authorization" not in script.requests[0].headers


def test_async_send_retries_429_after_retry_after(async_sleeps: list[float]) -> None:
    script = Script(
        status_response(429, "TooManyRequests", headers={"Retry-After": "2"}),
        fail(httpx.ConnectError),
        ok(service_json()),
    )

    async def main() -> KalixService:
        async with make_async_client(script) as client:
            return await client.services.get("api")

    service = asyncio.run(main())

    assert service.metadata.name == "api"
    assert script.methods == ["GET", "GET", "GET"]
    assert len(async_sleeps) == 2
    assert async_sleeps[0] >= 2.0
    ids = {r.headers["x-request-id"] for r in script.requests}
    assert len(ids) == 1


def test_async_send_does_not_retry_uncertain_post(async_sleeps: list[float]) -> None:
    script = Script(status_response(502, "BadGateway"), ok({}))

    async def main() -> None:
        async with make_async_client(script) as client:
            await client.send(Call("POST", SERVICES, json={}))

    with pytest.raises(ServerError):
        asyncio.run(main())

    assert script.methods == ["POST"]
    assert async_sleeps == []


def test_async_send_gives_up_after_max_retries(async_sleeps: list[float]) -> None:
    script = Script(*[status_response(503, "ServiceUnavailable", f"n{i}") for i in range(3)])

    async def main() -> None:
        client = make_async_client(script, retry=RetryPolicy(max_retries=2, outage_retries=2))
        async with client:
            await client.services.get("api")

    with pytest.raises(ServerError) as info:
        asyncio.run(main())

    assert info.value.message == "n2"
    assert len(script.requests) == 3
    assert len(async_sleeps) == 2


def test_default_policy_is_bounded() -> None:
    policy = POLICY
    assert policy.max_retries > 0
    default = RetryPolicy()
    assert 0 < default.max_retries <= 10
    assert 0 < default.max_elapsed <= 300


# -- 500 on safe methods, the outage budget, lost answers ---------------------------


def test_500_is_retried_for_get(clock: FakeClock) -> None:
    script = Script(status_response(500, "InternalError", "oops"), ok(service_json()))
    client = make_client(script, clock=clock)

    assert client.services.get("api").metadata.name == "api"
    assert script.methods == ["GET", "GET"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_500_is_not_retried_for_writes(clock: FakeClock, method: str) -> None:
    script = Script(status_response(500, "InternalError", "oops"), ok({}))
    client = make_client(script, clock=clock)

    with pytest.raises(ServerError):
        client.send(Call(method, f"{SERVICES}/api", json={}))

    assert script.methods == [method]


@pytest.mark.parametrize(
    "failure",
    [
        lambda: fail(httpx.ConnectError, "refused"),
        lambda: status_response(503, "ServiceUnavailable"),
        lambda: status_response(502, "BadGateway"),
    ],
    ids=["refused", "503", "502"],
)
def test_an_outage_is_ridden_out_beyond_max_retries(clock: FakeClock, failure: Any) -> None:
    script = Script(*[failure() for _ in range(12)], ok(service_json()))
    policy = RetryPolicy(max_retries=1, outage_retries=40, outage_seconds=30.0)
    client = make_client(script, clock=clock, retry=policy)

    assert client.services.get("api").metadata.name == "api"
    assert len(script.requests) == 13
    assert all(0 <= s <= policy.outage_backoff_max for s in clock.sleeps)


def test_the_outage_budget_bounds_the_total_time(clock: FakeClock) -> None:
    script = Script(*[fail(httpx.ConnectError, "refused") for _ in range(100)])
    policy = RetryPolicy(outage_retries=100, outage_seconds=10.0, backoff_base=0.5)
    client = make_client(script, clock=clock, retry=policy)

    with pytest.raises(APIConnectionError) as info:
        client.services.get("api")

    assert sum(clock.sleeps) <= 10.0
    assert sum(clock.sleeps) > 10.0 - policy.outage_backoff_max
    assert max(clock.sleeps) <= policy.outage_backoff_max
    assert info.value.answer_lost is False
    assert "could not reach the Kalix control plane" in str(info.value)


def test_the_outage_budget_bounds_the_attempts(clock: FakeClock) -> None:
    script = Script(*[status_response(503, "ServiceUnavailable") for _ in range(5)])
    client = make_client(script, clock=clock, retry=RetryPolicy(outage_retries=4))

    with pytest.raises(ServerError):
        client.services.get("api")

    assert len(script.requests) == 5


def test_no_retry_sleeps_past_the_callers_deadline(clock: FakeClock) -> None:
    script = Script(*[fail(httpx.ConnectError, "refused") for _ in range(100)])
    policy = RetryPolicy(backoff_base=0.5)
    client = make_client(script, clock=clock, retry=policy)

    with pytest.raises(APIConnectionError):
        client.send(Call("GET", f"{SERVICES}/api"), deadline=clock.now + 3.0)

    assert sum(clock.sleeps) <= 3.0


@pytest.mark.parametrize(
    ("exc_type", "expected"),
    [
        (httpx.RemoteProtocolError, APIConnectionError),
        (httpx.ReadError, APIConnectionError),
        (httpx.ReadTimeout, APITimeoutError),
    ],
)
def test_an_answer_lost_after_sending_is_named_as_such(
    exc_type: type[httpx.TransportError], expected: type[Exception]
) -> None:
    client = make_client(Script(fail(exc_type, "peer closed")), retry=NO_RETRIES)

    with pytest.raises(APIConnectionError) as info:
        client.send(Call("POST", SERVICES, json={}))

    assert type(info.value) is expected
    assert info.value.answer_lost is True
    assert "answer was lost" in str(info.value)
    assert "may have applied" in str(info.value)
    assert "could not reach" not in str(info.value)


def test_conflict_pauses_are_jittered_and_capped() -> None:
    policy = RetryPolicy(conflict_base=0.02, conflict_max=0.5)
    rng = random.Random(5)

    delays = [policy.conflict_delay(attempt, rng) for attempt in range(40)]

    assert all(0 <= d <= 0.5 for d in delays)
    assert [policy.conflict_delay(n, _Ceiling()) for n in range(6)] == [
        0.02,
        0.04,
        0.08,
        0.16,
        0.32,
        0.5,
    ]
