"""The README's main-job command says clearly when the Pulumi CLI is missing, and when the
port it wants is another kalix-local's (or something else's)."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.local_server import KalixLocalServer, free_port

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


def run_copied_quickstart(
    tmp_path: Path, port: int, data: Path
) -> subprocess.CompletedProcess[str]:
    """scripts/quickstart from a copy of the repo's layout (scripts/ only), with a stand-in
    pulumi: whatever it would do past its checks happens in tmp_path, not in the repo."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "quickstart", repo / "scripts" / "quickstart")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "pulumi"
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {tmp_path / "pulumi-calls.txt"}\n')
    fake.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "KALIX_LOCAL_PORT": str(port),
        "KALIX_LOCAL_FEDERATION_PORT": str(free_port()),
        "KALIX_LOCAL_DATA": str(data),
        "PULUMI_STATE_DIR": str(tmp_path / "state"),
    }
    return subprocess.run(
        ["bash", str(repo / "scripts" / "quickstart")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_quickstart_says_what_to_do_when_another_kalix_local_has_the_port(
    tmp_path: Path,
) -> None:
    with KalixLocalServer(tmp_path / "theirs") as theirs:
        result = run_copied_quickstart(tmp_path, theirs.port, tmp_path / "ours")
        assert theirs.admin("GET", "/settings")  # left alone
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert f"a kalix-local from another data directory than {tmp_path / 'ours'}" in line
    assert f"already listens on port {theirs.port}" in line
    assert "KALIX_LOCAL_PORT=9100 KALIX_LOCAL_FEDERATION_PORT=9101 ./scripts/quickstart" in line
    assert not (tmp_path / "pulumi-calls.txt").exists()
    assert not (tmp_path / "repo" / ".venv").exists()  # stopped before installing


def test_quickstart_says_what_to_do_when_something_else_has_the_port(tmp_path: Path) -> None:
    class HealthOnly(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HealthOnly)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_copied_quickstart(tmp_path, server.server_address[1], tmp_path / "ours")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "is taken by something that is not kalix-local" in line
    assert "KALIX_LOCAL_PORT=9100" in line
    assert not (tmp_path / "pulumi-calls.txt").exists()
