"""Shared fixtures: kalix-local as a real server on loopback, checked against the
published API after every test (``KALIX_CONTRACT``, see tests/support/local_server.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterator

import pytest

from tests.support import local_server
from tests.support.local_server import KalixLocalServer

#: In report mode, also write the violations here as JSON (one object per violation).
CONTRACT_REPORT_FILE_ENV = "KALIX_CONTRACT_REPORT_FILE"


@pytest.fixture(scope="session")
def kalix_server() -> Iterator[KalixLocalServer]:
    """One server for the session: 0.05 s rollout steps, static DNS resolver."""
    with KalixLocalServer(rollout_step_seconds=0.05, dns_resolver="static") as server:
        yield server


@pytest.fixture
def kalix(
    kalix_server: KalixLocalServer, request: pytest.FixtureRequest
) -> Iterator[KalixLocalServer]:
    """The session server, reset to no objects, no hostnames, no faults; what this test
    exchanged with it is checked against the published API afterwards (a test marked
    ``contract_exempt(reason, side=...)`` skips that side, or both)."""
    kalix_server.reset()
    since = kalix_server.contract_offset()
    yield kalix_server
    marker = request.node.get_closest_marker("contract_exempt")
    exempt: tuple[str, ...] = ()
    if marker is not None:
        side = marker.kwargs.get("side")
        exempt = (side,) if side else ("request", "response")
    kalix_server.check_contract(since, exempt=exempt)


#: The key of a worker's report-mode violations in its xdist ``workeroutput``.
_WORKER_VIOLATIONS = "kalix_contract_violations"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its report-mode violations to the controller, which prints
    the summary (the session servers are closed, so every violation is collected)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and local_server.contract_mode() == "report":
        workeroutput[_WORKER_VIOLATIONS] = [
            dataclasses.asdict(v) for v in local_server.REPORTED_VIOLATIONS
        ]


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when it is not loaded
def pytest_testnodedown(node: object, error: object) -> None:
    from tests.contract.validator import ExchangeViolation, Violation

    output = getattr(node, "workeroutput", {})
    for row in output.get(_WORKER_VIOLATIONS, []):
        violation = Violation(**row.pop("violation"))
        local_server.REPORTED_VIOLATIONS.append(ExchangeViolation(**row, violation=violation))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if local_server.contract_mode() != "report":
        return
    if hasattr(terminalreporter.config, "workerinput"):
        return  # an xdist worker: the controller summarizes every worker's
    from tests.contract.validator import summarize

    violations = local_server.REPORTED_VIOLATIONS
    title = f"{local_server.CONTRACT_ENV}=report: kalix-local against the published API"
    sys.stderr.write("\n" + summarize(violations, title))
    sys.stderr.flush()
    report_file = os.environ.get(CONTRACT_REPORT_FILE_ENV)
    if report_file:
        rows = [
            {
                "exchange": f"{v.method} {v.path} -> {v.status}",
                "side": v.side,
                "kind": v.kind,
                "operation": v.verb,
                "jsonPath": v.violation.json_path,
                "rule": v.violation.rule,
                "detail": v.violation.detail,
            }
            for v in violations
        ]
        with open(report_file, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
