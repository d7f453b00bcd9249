"""Every KalixLocalServer is a contract check: ``contract_violations()`` and ``close()``
fail on what breaks the published API, as ``KALIX_CONTRACT`` says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract import samples
from tests.support import local_server
from tests.support.local_server import KalixLocalServer, contract_mode

PATH = "/apis/kalix.io/v1alpha1/namespaces/default/kalixservices"


def exchange(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "method": "GET",
        "path": f"{PATH}/cart",
        "query": "",
        "user_agent": "python-httpx/0.28",
        "request_body": None,
        "status": 200,
        "response_body": samples.service(),
    }
    return base | fields


def invented_service() -> dict[str, Any]:
    body = samples.service()
    body["status"]["observedGeneration"] = 4
    return body


def write(server: KalixLocalServer, *records: dict[str, Any], tail: str = "") -> None:
    assert server.record_path is not None
    with server.record_path.open("a", encoding="utf-8") as handle:
        for rec in records:
            handle.write(json.dumps(rec) + "\n")
        handle.write(tail)


@pytest.fixture
def unstarted(tmp_path: Path) -> Iterator[KalixLocalServer]:
    """A server object whose record file a test writes by hand (never started)."""
    server = KalixLocalServer(tmp_path)
    yield server
    server.close(check=False)


@pytest.fixture
def reported() -> Iterator[list[Any]]:
    saved = list(local_server.REPORTED_VIOLATIONS)
    local_server.REPORTED_VIOLATIONS.clear()
    yield local_server.REPORTED_VIOLATIONS
    local_server.REPORTED_VIOLATIONS[:] = saved


def test_every_server_records_unless_told_not_to(tmp_path: Path) -> None:
    server = KalixLocalServer(tmp_path / "a")
    assert server.record_path == tmp_path / "a" / "contract.jsonl"
    assert server.args[-2:] == ["--record", str(server.record_path)]
    silent = KalixLocalServer(tmp_path / "b", record=False)
    assert silent.record_path is None and "--record" not in silent.args
    assert silent.contract_violations() == []


def test_violations_of_a_hand_written_record_file(unstarted: KalixLocalServer) -> None:
    write(
        unstarted,
        exchange(),  # fine
        exchange(response_body=invented_service()),
        exchange(method="DELETE", response_body=samples.service()),
        exchange(method="DELETE", response_body=samples.status()),  # fine
        exchange(
            method="PATCH",
            user_agent="pulumi-kalix/0.1",
            request_body={"status": {"summary": "Ready"}, "spec": {"color": "red"}},
        ),
        exchange(method="PATCH", request_body={"spec": {"color": "red"}}),  # not the provider
        exchange(status=404, response_body={"error": "no"}),
        exchange(watch=True, response_body=None, query="watch=true"),  # fine
        tail='{"method": "GET", "pa',  # a line cut short by a kill: skipped
    )
    assert unstarted.contract_violations() == [
        f"GET {PATH}/cart -> 200 response $.status.observedGeneration: "
        "not in the published schema (value 4)",
        f"DELETE {PATH}/cart -> 200 response $.kind: kind must be 'Status' "
        '(the published group-version-kind), got "KalixService"',
        f"PATCH {PATH}/cart -> 200 request $.spec.color: not in the published schema (merge patch)",
        f'GET {PATH}/cart -> 404 response $.error: not in the published schema (value "no")',
    ]


def test_strict__close_raises_listing_the_first_twenty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "strict")
    server = KalixLocalServer()  # its own temporary data dir
    records = [exchange(path=f"{PATH}/s{i}", response_body=invented_service()) for i in range(25)]
    write(server, *records)
    with pytest.raises(AssertionError) as raised:
        server.close()
    message = str(raised.value)
    assert message.startswith("kalix-local broke the published Akka API contract 25 time(s)")
    assert "KALIX_CONTRACT=report" in message
    assert f"GET {PATH}/s0 -> 200 response $.status.observedGeneration" in message
    assert f"{PATH}/s19 " in message and f"{PATH}/s20 " not in message
    assert message.endswith("... and 5 more")
    assert not server.data_dir.exists()  # cleaned up all the same


def test_report__collects_instead_of_failing(
    unstarted: KalixLocalServer, monkeypatch: pytest.MonkeyPatch, reported: list[Any]
) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "report")
    write(unstarted, exchange(response_body=invented_service()))
    unstarted.close()
    assert [v.violation.json_path for v in reported] == ["$.status.observedGeneration"]


def test_off__ignores_everything(
    unstarted: KalixLocalServer, monkeypatch: pytest.MonkeyPatch, reported: list[Any]
) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "off")
    write(unstarted, exchange(response_body=invented_service()))
    unstarted.close()
    assert reported == []
    assert unstarted.contract_violations() != []  # still there to look at


def test_opting_out_and_bad_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "strict")
    exempt = KalixLocalServer(tmp_path, check_contract=False)
    write(exempt, exchange(response_body=invented_service()))
    exempt.close()
    monkeypatch.setenv("KALIX_CONTRACT", "lenient")
    with pytest.raises(ValueError, match="strict, report, off"):
        contract_mode()


def test_an_exempt_side_is_not_checked(
    unstarted: KalixLocalServer, monkeypatch: pytest.MonkeyPatch, reported: list[Any]
) -> None:
    """What ``@pytest.mark.contract_exempt(side="request")`` does for one test."""
    monkeypatch.setenv("KALIX_CONTRACT", "report")
    write(
        unstarted,
        exchange(
            method="POST",
            path=PATH,
            user_agent="pulumi-kalix/0.1",
            request_body={"spec": {"containers": [{"image": ""}]}},
            status=422,
            response_body={"kind": "Status", "apiVersion": "v1", "code": 422, "oops": 1},
        ),
    )
    unstarted.check_contract(0, exempt=("request",))
    assert [(v.side, v.violation.json_path) for v in reported] == [("response", "$.oops")]
    unstarted.close()  # the exempt line is not checked again
    assert len(reported) == 1


def test_each_line_is_checked_once_from_where_a_test_began(
    unstarted: KalixLocalServer, monkeypatch: pytest.MonkeyPatch, reported: list[Any]
) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "report")
    write(unstarted, exchange(path=f"{PATH}/before", response_body=invented_service()))
    since = unstarted.contract_offset()
    write(unstarted, exchange(path=f"{PATH}/during", response_body=invented_service()))
    unstarted.check_contract(since)  # what the `kalix` fixture does after a test
    assert [v.path for v in reported] == [f"{PATH}/during"]
    unstarted.close()  # the rest, once
    assert [v.path for v in reported] == [f"{PATH}/during", f"{PATH}/before"]


def test_a_live_server_fails_on_a_bad_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALIX_CONTRACT", "strict")
    server = KalixLocalServer(tmp_path).start()
    try:
        with server.client() as api:
            # Answers kalix-local gets right today: an empty list and a NotFound Status.
            assert api.get(server.api_path("kalixservices")).status_code == 200
            assert api.get(server.api_path("kalixroutes", "nope")).status_code == 404
        assert server.contract_violations() == []
        # kalix-local cannot be monkeypatched from here: pretend it answered this.
        write(server, exchange(path=f"{PATH}/forged", response_body=invented_service()))
        assert server.contract_violations() == [
            f"GET {PATH}/forged -> 200 response $.status.observedGeneration: "
            "not in the published schema (value 4)"
        ]
    except BaseException:
        server.close(check=False)
        raise
    with pytest.raises(AssertionError, match=f"GET {PATH}/forged -> 200 response"):
        server.close()
    assert server.process is None
