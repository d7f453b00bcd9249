"""The `late` fault of the federation plane: a call answered UNAVAILABLE at once and
carried out later, as behind a proxy that timed out while the backend still worked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest

from kalix_local.federation.faults import GrpcFaults, LateCalls
from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.support.federation import Hostnames, access_token, channel
from tests.support.local_server import KalixLocalServer

DELAY = 1.0
#: How long a test waits for a late call at most (bounded, well past DELAY).
WAIT_SECONDS = 10.0


def late(kalix: KalixLocalServer, method: str, **extra: Any) -> dict[str, Any]:
    body = {"method": method, "mode": "late", "count": 1, "delaySeconds": DELAY, **extra}
    fault: dict[str, Any] = kalix.admin("POST", "/federation/faults", body)
    return fault


def faults(kalix: KalixLocalServer) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = kalix.admin("GET", "/federation/faults")["faults"]
    return listed


def unavailable(action: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        action()
    error: grpc.RpcError = caught.value
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert error.details() == "injected fault: late"
    return error


def eventually(check: Callable[[], bool], seconds: float = WAIT_SECONDS) -> float:
    """Seconds until `check()` held (bounded)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def names(hostnames: Hostnames) -> set[str]:
    return {h.name for h in hostnames.list()}


def generated(hostnames: Hostnames) -> list[str]:
    return sorted(h.name for h in hostnames.list() if h.is_generated)


@pytest.fixture
def hostnames(kalix: KalixLocalServer) -> Hostnames:
    return Hostnames(kalix)


# -- against the server ---------------------------------------------------------------


def test_create_is_answered_unavailable_and_carried_out_after_the_delay(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    fault = late(kalix, "CreateHostname")
    assert (fault["mode"], fault["delaySeconds"], fault["carriedOut"]) == ("late", DELAY, 0)

    answered = time.monotonic()
    unavailable(lambda: hostnames.create("shop.example.com"))
    assert time.monotonic() - answered < DELAY  # at once, not after the work

    assert "shop.example.com" not in names(hostnames)  # not yet
    took = eventually(lambda: "shop.example.com" in names(hostnames))
    assert took > DELAY / 2
    (listed,) = faults(kalix)
    assert (listed["injected"], listed["remaining"], listed["carriedOut"]) == (1, 0, 1)


def test_a_retried_generated_create_yields_two_generated_hostnames(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    """What the provider must defend against: the retry succeeds, then the first call
    lands too, and the project holds a generated hostname nobody asked for twice."""
    late(kalix, "CreateHostname")

    unavailable(lambda: hostnames.create(""))
    assert generated(hostnames) == []
    retried = hostnames.create("")  # the fault fired once: this one goes through
    assert generated(hostnames) == [retried.name]

    eventually(lambda: len(generated(hostnames)) == 2)
    assert retried.name in generated(hostnames)


def test_delete_is_carried_out_late(kalix: KalixLocalServer, hostnames: Hostnames) -> None:
    hostnames.create("shop.example.com")
    late(kalix, "DeleteHostname")

    unavailable(lambda: hostnames.delete("shop.example.com"))
    assert "shop.example.com" in names(hostnames)
    eventually(lambda: "shop.example.com" not in names(hostnames))


def test_update_is_carried_out_late_with_the_same_request(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    hostnames.create("shop.example.com")
    late(kalix, "UpdateHostname")
    request = projects_pb2.UpdateHostnameRequest(
        name=f"projects/{hostnames.project_id}/hostnames/shop.example.com",
        hostname=projects_pb2.Hostname(skip_provision_cert=True),
    )
    request.update_mask.paths.append("skip_provision_cert")

    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        metadata = [("authorization", f"Bearer {token}")]
        unavailable(lambda: rpc.UPDATE_HOSTNAME.stub(chan)(request, timeout=10, metadata=metadata))

    def flag() -> bool:
        found = hostnames.get_or_none("shop.example.com")
        return found is not None and found.skip_provision_cert

    assert not flag()
    eventually(flag)


def test_a_late_call_that_fails_fails_quietly(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    """The late half runs the normal code: a name taken meanwhile is ALREADY_EXISTS
    there (logged), and the hostname reserved by the retry stays."""
    late(kalix, "CreateHostname")
    unavailable(lambda: hostnames.create("shop.example.com"))
    hostnames.create("shop.example.com")  # the retry, before the late call lands
    eventually(lambda: faults(kalix)[0]["carriedOut"] == 1)
    assert [h.name for h in hostnames.list()] == ["shop.example.com"]


def test_clearing_the_faults_drops_the_late_calls_waiting(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    late(kalix, "CreateHostname")
    unavailable(lambda: hostnames.create("shop.example.com"))
    kalix.admin("DELETE", "/federation/faults")
    time.sleep(DELAY + 0.5)
    assert "shop.example.com" not in names(hostnames)


def test_reset_drops_the_late_calls_waiting(kalix: KalixLocalServer, hostnames: Hostnames) -> None:
    late(kalix, "CreateHostname")
    unavailable(lambda: hostnames.create("shop.example.com"))
    kalix.reset()
    time.sleep(DELAY + 0.5)
    assert "shop.example.com" not in names(hostnames)


def test_the_default_delay_is_one_second(kalix: KalixLocalServer) -> None:
    fault = kalix.admin("POST", "/federation/faults", {"method": "DeleteHostname", "mode": "late"})
    assert (fault["delaySeconds"], fault["count"]) == (1.0, 1)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"method": "ListHostnames", "mode": "late"}, "calls that change something"),
        ({"method": "CreateHostname", "mode": "late", "delaySeconds": 31}, "delaySeconds"),
        ({"method": "CreateHostname", "mode": "late", "delaySeconds": -1}, "delaySeconds"),
        ({"method": "CreateHostname", "mode": "unavailable", "delaySeconds": 1}, "late only"),
        ({"method": "CreateHostname", "mode": "later"}, "mode"),
        ({"method": "CreateHostname", "mode": "late", "delay": 1}, "delay"),
        ({"method": "CreateHostname", "mode": "late", "count": 0}, "count"),
    ],
)
def test_a_bad_late_fault_is_refused(
    kalix: KalixLocalServer, body: dict[str, Any], why: str
) -> None:
    response = httpx.post(
        f"{kalix.url}/_local/federation/faults", json=body, headers=kalix.admin_headers, timeout=10
    )
    assert response.status_code == 422, response.text
    assert why in response.text
    assert faults(kalix) == []


def test_the_server_stops_promptly_with_a_late_call_waiting(tmp_path: Any) -> None:
    with KalixLocalServer(tmp_path / "data") as server:
        body = {"method": "CreateHostname", "mode": "late", "delaySeconds": 30}
        server.admin("POST", "/federation/faults", body)
        hostnames = Hostnames(server)
        unavailable(lambda: hostnames.create("shop.example.com"))
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 8.0
        log = server.log_path.read_text()
        assert "dropped 1 late federation call(s) at shutdown" in log
        server.start()
        assert "shop.example.com" not in names(Hostnames(server))


# -- the scheduler, in process --------------------------------------------------------


def _late_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kalix-federation-late"]


def test_late_calls_run_in_due_order_and_stop_ends_the_worker() -> None:
    calls = LateCalls()
    ran: list[str] = []
    done = threading.Event()
    assert calls.schedule(0.2, lambda: (ran.append("second"), done.set()))
    assert calls.schedule(0.0, lambda: ran.append("first"))
    assert done.wait(5)
    assert ran == ["first", "second"]
    calls.stop()
    assert _late_threads() == []
    assert not calls.schedule(0.0, lambda: ran.append("after stop"))


def test_stop_drops_waiting_calls_and_leaves_no_thread() -> None:
    calls = LateCalls()
    ran: list[int] = []
    for i in range(3):
        calls.schedule(30.0, lambda i=i: ran.append(i))
    assert calls.pending() == 3
    started = time.monotonic()
    calls.stop()
    assert time.monotonic() - started < 2.0
    assert ran == [] and calls.pending() == 0
    assert _late_threads() == []


def test_cancel_waits_for_the_call_running() -> None:
    calls = LateCalls()
    running, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow() -> None:
        running.set()
        release.wait(5)
        finished.append(True)

    calls.schedule(0.0, slow)
    calls.schedule(30.0, lambda: finished.append(False))
    assert running.wait(5)
    timer = threading.Timer(0.2, release.set)
    timer.start()
    assert calls.cancel() == 1  # the waiting one; returns once slow() is done
    assert finished == [True]
    timer.join(5)
    calls.stop()
    assert _late_threads() == []


def test_a_late_call_that_raises_does_not_end_the_worker() -> None:
    calls = LateCalls()
    done = threading.Event()

    def broken() -> None:
        raise RuntimeError("bug")

    calls.schedule(0.0, broken)
    calls.schedule(0.05, done.set)
    assert done.wait(5)
    calls.stop()
    assert _late_threads() == []


def test_grpc_faults_count_late_calls_carried_out() -> None:
    grpc_faults = GrpcFaults()
    fault = grpc_faults.add("CreateHostname", "late", 2, delay_seconds=0)
    done = threading.Event()
    taken = grpc_faults.take("CreateHostname")
    assert taken is fault
    assert grpc_faults.carry_out_later(fault, done.set)
    assert done.wait(5)
    eventually(lambda: grpc_faults.list()[0]["carriedOut"] == 1, seconds=5)
    assert grpc_faults.list()[0]["remaining"] == 1
    grpc_faults.stop()
    assert _late_threads() == []
