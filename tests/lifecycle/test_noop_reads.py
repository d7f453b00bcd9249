"""A no-op `up` reads each unchanged resource's health once, batched: the services of
one project share a list instead of one GET each (issue 15), and an unhealthy one is
still named on its own row."""

from __future__ import annotations

import pulumi
import pytest

import pulumi_kalix as kalix
from tests.contract.validator import read_records
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, ops

NAMES = [f"svc-{i}" for i in range(6)]


def services(broken: str | None = None):
    def program() -> None:
        made = [
            kalix.Service(
                n,
                image="registry.example/cart:broken" if n == broken else "registry.example/c:1",
                min_instances=1,
            )
            for n in NAMES
        ]
        pulumi.export("statuses", pulumi.Output.all(*[s.status for s in made]))

    return program


def service_reads(stack: Stack, since: int) -> list[str]:
    assert stack.server.record_path is not None
    return [
        f"{rec['method']} {rec['path'].rsplit('/', 1)[-1]}"
        for _, rec in read_records(stack.server.record_path, since)
        if rec["method"] == "GET" and "/kalixservices" in rec["path"]
    ]


def test_noop_up_lists_services_instead_of_reading_each(stack: Stack) -> None:
    stack.server.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*:broken": {"reason": "ImagePullBackOff", "message": "image not found"}}},
    )
    stack.engine.config.update({"kalix:failureGraceSeconds": "1", "kalix:staleSeconds": "2"})
    program = services(broken="svc-3")
    with pytest.raises(EngineError):
        stack.engine.up(program)
    since = stack.server.contract_offset()
    assert ops(stack.engine.up(program)) == [("same", n) for n in NAMES]

    reads = service_reads(stack, since)
    assert "GET kalixservices" in reads  # a list of the collection
    assert len(reads) < len(NAMES), reads
    # Health is still per resource: only the broken one is reported, with its reason.
    assert [n for n in NAMES if stack.engine.warnings(n)] == ["svc-3"]
    assert "is not healthy: Unavailable" in stack.engine.warnings("svc-3")[0]
    statuses = stack.engine.stack_outputs["statuses"]
    assert [s for s in statuses if s != "Ready"] == ["Unavailable"]
