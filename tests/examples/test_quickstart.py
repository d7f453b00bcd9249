"""examples/quickstart: through the engine harness, and through a real `pulumi` CLI if any."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.lifecycle.conftest import kinds
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import EXAMPLES, REPO, example_engine, op_set, ops, program

EXAMPLE = "quickstart"
GENERATED_URL = re.compile(r"^https://[a-z]+-[a-z]+-\d{4}\.us-east1\.kalix\.app$")


def assert_quickstart_outputs(out: Mapping[str, Any]) -> None:
    assert GENERATED_URL.match(out["url"]), out["url"]
    assert out["url"] == f"https://{out['hostname']}"
    assert out["service_status"] == "Ready"
    assert int(out["ready_instances"]) == 2  # min_instances=2, both rolled out
    assert out["route_status"] == "Ready"


def assert_nothing_left(server: KalixLocalServer) -> None:
    with control_plane(server) as api:
        assert api.services.list() == []
        assert api.routes.list() == []
        assert api.hostnames.list() == []


def test_quickstart_through_the_harness(kalix: KalixLocalServer, tmp_path: Path) -> None:
    eng = example_engine(EXAMPLE, kalix, tmp_path / "state.json")
    assert ops(eng.up(program(EXAMPLE))) == [
        ("create", "shopping-cart"),  # the ServiceExposure component
        ("create", "shopping-cart"),  # the Service
        ("create", "shopping-cart-host"),
        ("create", "shopping-cart-route"),
    ]
    out = eng.stack_outputs
    assert_quickstart_outputs(out)
    with control_plane(kalix) as api:
        route = api.routes.get("shopping-cart")  # named after the service, like the CLI
        assert [(r.prefix, r.route.service) for r in route.spec.routes] == [("/", "shopping-cart")]
        assert route.spec.host == out["hostname"]
        service = api.services.get("shopping-cart")
        assert service.spec.containers[0].image == "kalix-local/shopping-cart:1.0"

    assert op_set(eng.up(program(EXAMPLE))) == {"same"}
    assert eng.stack_outputs["url"] == out["url"]  # the generated name is stable

    assert {s.op for s in kinds(eng.destroy())} == {"delete"}
    assert_nothing_left(kalix)
    assert eng.load() == {}


def test_a_copy_of_the_quickstart_runs_on_its_own(kalix: KalixLocalServer, tmp_path: Path) -> None:
    """Copied out of the repository (what a user does), it needs nothing from it."""
    copy = tmp_path / "my-project"
    shutil.copytree(EXAMPLES / EXAMPLE, copy)
    eng = example_engine(EXAMPLE, kalix, tmp_path / "state.json")
    eng.program_dir = copy
    eng.up(copy / "__main__.py")
    assert_quickstart_outputs(eng.stack_outputs)
    eng.destroy()
    assert_nothing_left(kalix)


# -- the real CLI --------------------------------------------------------------------------

PULUMI = shutil.which("pulumi")
CLI_TIMEOUT = 300


@pytest.mark.cli
@pytest.mark.skipif(
    PULUMI is None, reason="the Pulumi CLI is not on PATH (pulumi.com/docs/install)"
)
def test_quickstart_through_the_pulumi_cli(tmp_path: Path) -> None:
    assert PULUMI is not None
    # A copy of the example, as a user would make one (so the stack's Pulumi.dev.yaml
    # never lands in the repository), run with the project's environment active: the
    # language host and the provider shim both take PULUMI_PYTHON_CMD (tests/test_layout).
    project = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / EXAMPLE, project, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
    venv_bin = REPO / ".venv" / "bin"
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_PYTHON_CMD": str(venv_bin / "python"),
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "quickstart-test",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    (tmp_path / "state").mkdir()

    def pulumi(*args: str) -> str:
        r = subprocess.run(
            [PULUMI, *args, "--non-interactive", "--cwd", str(project)],
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert r.returncode == 0, f"pulumi {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
        return r.stdout

    with KalixLocalServer(rollout_step_seconds=0.05, dns_resolver="static") as server:
        pulumi("stack", "init", "dev")
        pulumi("config", "set", "kalix:apiHost", server.api_host)
        pulumi("config", "set", "kalix:project", server.project)
        pulumi("config", "set", "--secret", "kalix:token", server.token)
        pulumi("up", "--yes", "--skip-preview")
        assert_quickstart_outputs(json.loads(pulumi("stack", "output", "--json")))
        pulumi("preview", "--expect-no-changes")
        pulumi("up", "--yes", "--expect-no-changes")
        # The token is a secret in the state file too.
        state = pulumi("stack", "export")
        assert server.token not in state
        pulumi("destroy", "--yes", "--skip-preview")
        assert_nothing_left(server)
        pulumi("stack", "rm", "--yes")
