"""The README's Python snippets marked `<!-- runs-in-tests: harness ... -->` run as
written, through the engine harness against kalix-local: docs that cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lifecycle.conftest import make_engine
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

REPO = Path(__file__).resolve().parents[1]
MARKED = re.compile(
    r"<!-- runs-in-tests: harness(?P<opts>[^>]*)-->\n```python\n(?P<code>.*?)```", re.S
)


def snippets() -> list[tuple[str, str]]:
    found = [(m["opts"], m["code"]) for m in MARKED.finditer((REPO / "README.md").read_text())]
    assert found, "README.md marks no snippet to run"
    return found


@pytest.mark.parametrize("snippet", range(len(snippets())))
def test_a_readme_snippet_runs_as_written(
    snippet: int, kalix: KalixLocalServer, tmp_path: Path
) -> None:
    opts, code = snippets()[snippet]
    config = {}
    secrets: set[str] = set()
    if (m := re.search(r"config (\w+)", opts)) is not None:  # a secret the user sets first
        config[f"shop:{m[1]}"] = "s3cr3t-for-the-readme"
        secrets.add(f"shop:{m[1]}")
    program = tmp_path / "__main__.py"
    program.write_text(code)
    engine = make_engine(kalix, tmp_path / "state.json", config)
    engine.secret_keys |= secrets
    engine.up(program)
    outputs = engine.stack_outputs
    if "route_status" in outputs and outputs["route_status"] == "DnsNotVerified":
        # What the README says next: the record, on kalix-local, then a refresh.
        host = re.search(r'hostname="([^"]+)"', code)
        assert host is not None
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kalix_local",
                "dns",
                "set",
                host[1],
                outputs["cname"],
                "--url",
                kalix.url,
                "--data-dir",
                str(kalix.data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        with control_plane(kalix) as api:
            api.routes.wait_for("shop", lambda r: r is not None and _ready(r), timeout=30)
        engine.refresh()
        route_urn = next(u for u in engine.load() if u.endswith("kalix:Route::shop"))
        assert engine.load()[route_urn]["outputs"]["status"] == "Ready"
    engine.destroy()


def _ready(route: object) -> bool:
    from pulumi_kalix.awaiting import route_summary

    status = getattr(route, "status", None)
    return route_summary(status.conditions if status else None) == "Ready"
