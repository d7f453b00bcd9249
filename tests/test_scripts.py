"""The README's main-job command says clearly when the Pulumi CLI is missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.local_server import free_port

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


def test_quickstart_starts_kalix_local_and_drives_pulumi(tmp_path: Path) -> None:
    """Everything but Pulumi itself: a stand-in `pulumi` records what it is asked."""
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the project's .venv (made by scripts/test)")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls.txt"
    fake = bindir / "pulumi"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$* | backend=$PULUMI_BACKEND_URL" >> {calls}\n'
        'if [ "$1" = "stack" ] && [ "$2" = "output" ]; then echo \'{"url": "https://x"}\'; fi\n'
    )
    fake.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data, state = tmp_path / "kalix-local", tmp_path / "state"
    federation_port = free_port()
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "KALIX_LOCAL_PORT": str(port),
        "KALIX_LOCAL_FEDERATION_PORT": str(federation_port),
        "KALIX_LOCAL_DATA": str(data),
        "PULUMI_STATE_DIR": str(state),
    }
    try:
        result = subprocess.run(
            ["bash", str(REPO / "scripts" / "quickstart")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert f"kalix-local is serving http://127.0.0.1:{port}" in result.stdout
        token = (data / "default-token").read_text().strip()
        lines = calls.read_text().splitlines()
        assert [line.split(" | ")[0] for line in lines] == [
            "stack select --create dev --non-interactive",
            f"config set kalix:apiHost http://127.0.0.1:{federation_port}",
            "config set kalix:project default",
            f"config set --secret kalix:token {token}",
            "up --yes --non-interactive",
            "stack output",
        ]
        assert all(line.endswith(f"backend=file://{state}") for line in lines)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        pid_file = data / "server.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
