"""What `pulumi preview --diff` shows in a pull request: the CLI diffs old and checked
inputs itself (a Python dynamic provider sends no detailed diff), so our inputs must
not churn and must show only what the user changed. The README's example is the
rendering of the quickstart's image bump, checked here so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness.display import changed_keys, render
from tests.support.local_server import KalixLocalServer

from .conftest import REPO, example_engine, program, project_name

README_BLOCK = re.compile(
    r"<!-- preview-diff:begin -->\n```text\n(.*?)```\n<!-- preview-diff:end -->", re.S
)


@pytest.mark.parametrize("example", ["quickstart", "grpc-routes", "descriptors"])
def test_a_second_run_changes_no_input(
    example: str, kalix: KalixLocalServer, tmp_path: Path
) -> None:
    config = {"version": "1"} if example == "grpc-routes" else {}
    eng = example_engine(example, kalix, tmp_path / "state.json", config)
    eng.up(program(example))
    eng.preview(program(example))
    assert eng.inputs_diffed, "no resource was registered"
    for urn, (old, new) in eng.inputs_diffed.items():
        assert old is not None, urn
        churn = {k for k in changed_keys(old, new)} | (
            {"__claim"} if old.get("__claim") != new.get("__claim") else set()
        )
        assert not churn, f"{urn}: inputs change on every run: {sorted(churn)}"
    eng.destroy()


def image_bump(kalix: KalixLocalServer, tmp_path: Path) -> str:
    eng = example_engine("quickstart", kalix, tmp_path / "state.json")
    eng.up(program("quickstart"))
    eng.config[f"{project_name('quickstart')}:image"] = "kalix-local/shopping-cart:1.1"
    steps = eng.preview(program("quickstart"))
    changed = {
        urn.rsplit("::", 1)[1] + ":" + urn.split("::")[2].rsplit(":", 1)[-1]: changed_keys(old, new)
        for urn, (old, new) in eng.inputs_diffed.items()
        if old is not None and changed_keys(old, new)
    }
    assert changed == {"shopping-cart:Service": ["image"]}  # nothing derived, nothing else
    ids = {urn: str(entry.get("id") or "") for urn, entry in eng.load().items()}
    text = render(steps, eng.inputs_diffed, ids)
    eng.destroy()
    return text


def test_the_readme_shows_the_preview_diff_of_an_image_bump(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    text = image_bump(kalix, tmp_path)
    found = README_BLOCK.search((REPO / "README.md").read_text())
    assert found, "README.md has no preview-diff block"
    assert found.group(1) == text, f"README's example is stale; it now renders as:\n{text}"
