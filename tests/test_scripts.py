"""The README's main-job command says clearly when the Pulumi CLI is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_quickstart_stops_first_with_one_line_when_pulumi_is_missing(tmp_path: Path) -> None:
    # A PATH with bash and coreutils but no pulumi, wherever pulumi may be installed.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "dirname", "env"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        (bindir / tool).symlink_to(found)
    result = subprocess.run(
        [str(bindir / "bash"), str(REPO / "scripts" / "quickstart")],
        env={"PATH": str(bindir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "the Pulumi CLI is not installed" in lines[0]
    assert "install it" in lines[0]
