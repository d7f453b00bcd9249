"""Riding out a failing control plane, against kalix-local as a real server: HTTP 500
on reads, failed polls while waiting, a restart in the middle of a call, the outage
budget running out, many writers to one object, and an answer lost after the request
was sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_kalix.api import OWNER_ANNOTATION, KalixService
from pulumi_kalix.client import NO_RETRIES, ControlPlane, PollPolicy, RetryPolicy
from pulumi_kalix.config import Settings, unreachable_hint
from pulumi_kalix.errors import APIConnectionError, ServerError, WaitTimeoutError
from tests.support.local_server import KalixLocalServer

#: An outage budget of 15 s with sleeps of at most 0.5 s: a restart is noticed soon.
RESTART_RETRIES = RetryPolicy(backoff_base=0.05, outage_backoff_max=0.5, outage_seconds=15.0)
POLL = PollPolicy(initial=0.05, factor=1.0, maximum=0.05, use_watch=False)


def service(name: str = "api") -> KalixService:
    return KalixService.model_validate(
        {
            "metadata": {"name": name, "annotations": {OWNER_ANNOTATION: "shop/dev/api"}},
            "spec": {"containers": [{"image": "registry.test/api:1"}]},
        }
    )


def make_cp(kalix: KalixLocalServer, **kwargs: Any) -> ControlPlane:
    return ControlPlane(kalix.url, kalix.access_token(), kalix.project_id(), **kwargs)


def add_fault(kalix: KalixLocalServer, **spec: Any) -> int:
    return int(kalix.admin("POST", "/faults", spec)["id"])


def injected(kalix: KalixLocalServer, fault_id: int) -> int:
    faults: list[dict[str, Any]] = kalix.admin("GET", "/faults")["faults"]
    return int(next(f for f in faults if f["id"] == fault_id)["injected"])


def is_ready(s: KalixService | None) -> bool:
    return s is not None and s.status is not None and s.status.summary == "Ready"


@pytest.fixture
def own_server() -> Iterator[KalixLocalServer]:
    """A server of this test's own, to stop and start (the shared one stays up)."""
    with KalixLocalServer() as server:
        yield server


# -- HTTP 500 and failed polls ------------------------------------------------------


def test_500_on_list_is_retried(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, retry=RESTART_RETRIES) as cp:
        cp.services.create(service())
        fid = add_fault(kalix, mode="status", status=500, count=3, methods=["GET"])

        assert [s.metadata.name for s in cp.services.list()] == ["api"]

    assert injected(kalix, fid) == 3


def test_wait_for_polls_through_500s_and_dropped_connections(kalix: KalixLocalServer) -> None:
    # No client retries at all: the wait itself must take a failed poll in its stride.
    with make_cp(kalix, retry=NO_RETRIES) as cp:
        cp.services.create(service())
        f500 = add_fault(kalix, mode="status", status=500, count=3, methods=["GET"])
        fdrop = add_fault(kalix, mode="drop", count=3, methods=["GET"])

        started = time.monotonic()
        ready = cp.services.wait_for("api", is_ready, timeout=10, poll=POLL)

    assert is_ready(ready)
    assert injected(kalix, f500) == 3 and injected(kalix, fdrop) == 3
    assert time.monotonic() - started < 5


def test_wait_for_with_the_watch_rides_out_500s(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, retry=RESTART_RETRIES) as cp:
        cp.services.create(service())
        fid = add_fault(kalix, mode="status", status=500, count=4, methods=["GET"])

        ready = cp.services.wait_for("api", is_ready, timeout=10)

    assert is_ready(ready)
    assert injected(kalix, fid) == 4


def test_a_wait_whose_polls_all_fail_ends_at_its_own_deadline(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, retry=RESTART_RETRIES) as cp:
        cp.services.create(service())
        add_fault(kalix, mode="status", status=500, count=10_000, methods=["GET"])

        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as info:
            cp.services.wait_for("api", is_ready, timeout=1.5, poll=POLL)
        elapsed = time.monotonic() - started
    kalix.admin("DELETE", "/faults")

    assert 1.5 <= elapsed < 3.0
    assert "the last poll failed" in str(info.value)
    assert isinstance(info.value.__cause__, ServerError)


# -- a restart of the control plane ------------------------------------------------


def test_calls_ride_out_a_control_plane_restart(own_server: KalixLocalServer) -> None:
    with make_cp(own_server, retry=RESTART_RETRIES) as cp:
        cp.services.create(service())

        restart = own_server.restart_later(3.0)
        started = time.monotonic()
        got = cp.services.get("api")  # connection refused for ~3 s, then answered
        read_after = time.monotonic() - started
        created = cp.services.create(service("web"))  # nothing sent while down: retried
        restart.join(timeout=20)
        own_server.restart()  # the pooled connections die with the old process
        after = cp.services.create(service("shop"))  # a POST is not sent on a dead one

    assert restart.error is None  # type: ignore[attr-defined]
    assert got.metadata.name == "api"
    assert created.metadata.name == "web"
    assert after.metadata.name == "shop"
    assert 2.5 <= read_after < 10.0


def test_a_wait_rides_out_a_control_plane_restart(own_server: KalixLocalServer) -> None:
    with make_cp(own_server, retry=RESTART_RETRIES) as cp:
        cp.services.create(service())
        cp.services.wait_for("api", is_ready, timeout=10)

        restart = own_server.restart_later(3.0)
        # A poll that failed is not an object that is gone: no false "deleted".
        with pytest.raises(WaitTimeoutError, match="the last poll failed"):
            cp.services.wait_for("api", lambda s: s is None, timeout=1)
        started = time.monotonic()
        ready = cp.services.wait_for("api", is_ready, timeout=15)
        elapsed = time.monotonic() - started
        restart.join(timeout=20)

    assert restart.error is None  # type: ignore[attr-defined]
    assert is_ready(ready)
    assert elapsed < 12


def test_the_outage_budget_runs_out_with_a_clear_error(own_server: KalixLocalServer) -> None:
    cp = make_cp(own_server, retry=RetryPolicy(outage_seconds=2.0, outage_backoff_max=0.5))
    own_server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(APIConnectionError) as info:
            cp.services.get("api")
        elapsed = time.monotonic() - started
    finally:
        cp.close()

    assert 1.0 <= elapsed < 4.0
    assert info.value.answer_lost is False
    assert f"could not reach the Kalix control plane at {own_server.url}" in str(info.value)
    assert "could not reach the Akka platform" in unreachable_hint(own_server.url, info.value)


def test_kalix_retry_seconds_sets_the_outage_budget_of_the_session() -> None:
    from_config = Settings.load(
        {"kalix:retrySeconds": "7", "kalix:token": "t"}.get, {"KALIX_RETRY_SECONDS": "3"}
    )
    from_env = Settings.load(None, {"KALIX_RETRY_SECONDS": "3", "AKKA_TOKEN": "t"})

    assert from_config.retry_seconds == 7.0
    assert from_env.retry_seconds == 3.0
    assert Settings.load(None, {}).retry_seconds == 30.0
    assert from_env.session().retry.outage_seconds == 3.0
    with pytest.raises(Exception, match="kalix:retrySeconds"):
        Settings.load(None, {"KALIX_RETRY_SECONDS": "soon"})


# -- many writers to one object ----------------------------------------------------


def test_fifty_concurrent_writers_to_one_object_all_succeed(kalix: KalixLocalServer) -> None:
    writers = 50
    errors: list[BaseException] = []
    with make_cp(kalix) as cp:
        cp.services.create(service())
        barrier = threading.Barrier(writers, timeout=10)

        def add_label(i: int) -> None:
            def mutate(s: KalixService) -> KalixService:
                s.metadata.labels = {**(s.metadata.labels or {}), f"writer-{i}": "yes"}
                return s

            try:
                barrier.wait()
                cp.services.update("api", mutate)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=add_label, args=(i,)) for i in range(writers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        elapsed = time.monotonic() - started
        labels = cp.services.get("api").metadata.labels

    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert labels == {f"writer-{i}": "yes" for i in range(writers)}
    assert elapsed < 20


# -- an answer lost after the request was sent ---------------------------------------


def test_a_lost_answer_says_the_request_may_have_been_applied(kalix: KalixLocalServer) -> None:
    with make_cp(kalix) as cp:
        add_fault(kalix, mode="drop-after", count=1, methods=["POST"])

        with pytest.raises(APIConnectionError) as info:
            cp.services.create(service())
        applied = [s.metadata.name for s in cp.services.list()]

    error = info.value
    assert error.answer_lost is True
    assert "answer was lost" in str(error)
    assert "may have applied" in str(error)
    assert "could not reach" not in str(error)
    hint = unreachable_hint(kalix.url, error)
    assert "was lost" in hint and "could not reach" not in hint and "kalix-local" not in hint
    assert applied == ["api"]  # it had been applied
