"""The resource classes import no wire models, HTTP stack or federation stubs until a
resource is made: `from pulumi_kalix import Service` stays cheap (issue 15; the time
itself is measured by benchmarks/bench_perf.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("httpx", "pydantic", "pulumi_kalix.api", "pulumi_kalix.client", "pulumi_kalix._proto")


def _printed_by(probe: str) -> str:
    """What `probe` prints, run in a fresh interpreter on this checkout."""
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
        check=True,
        timeout=120,
    )
    return out.stdout


def loaded_after(statement: str) -> list[str]:
    probe = (
        f"import sys, json; {statement}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"('httpx', 'pydantic', 'grpc') or m.startswith(('pulumi_kalix.api', "
        f"'pulumi_kalix.client', 'pulumi_kalix._proto', 'pulumi_kalix.provider')))))"
    )
    return list(json.loads(_printed_by(probe)))


def test_bare_package_imports_nothing_heavy() -> None:
    assert loaded_after("import pulumi_kalix") == []


def test_resource_classes_import_no_wire_models_or_http() -> None:
    loaded = loaded_after(
        "import pulumi; from pulumi_kalix import Service, Route, Hostname, Secret, "
        "ServiceExposure, PathRule, HttpBasic"
    )
    assert [m for m in loaded if m.split(".")[0] in ("httpx", "pydantic")] == []
    assert [m for m in loaded if m.startswith("pulumi_kalix.")] == []


def test_the_client_still_imports_on_demand() -> None:
    # The lazy names still resolve (and do bring the client in).
    loaded = loaded_after("import pulumi_kalix; pulumi_kalix.AsyncControlPlane")
    assert "httpx" in loaded and "pulumi_kalix.client" in loaded


def test_wire_models_build_their_validators_on_first_use() -> None:
    # `defer_build`: a provider process builds the schemas of the kinds it handles,
    # not of all of them (about 140 ms of every provider start, bench: paired runs).
    probe = (
        "import pulumi_kalix.provider.service, pulumi_kalix.claims; "
        "from pulumi_kalix.api import KalixService, KalixBroker; "
        "before = (KalixService.__pydantic_complete__, KalixBroker.__pydantic_complete__); "
        "body = {'metadata': {'name': 'x'}, 'spec': {'containers': [{'image': 'r.example/a:1'}]}}; "
        "svc = KalixService.model_validate(body); "
        "print(before, KalixService.__pydantic_complete__, KalixBroker.__pydantic_complete__, "
        "svc.spec.image)"
    )
    printed = _printed_by(probe).split()
    assert printed == ["(False,", "False)", "True", "False", "r.example/a:1"]
