"""``kalix-local serve --federation-port`` and ``kalix-local oidc-token``."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.support.federation import access_token, channel
from tests.support.local_server import REPO_ROOT, KalixLocalServer, free_port


def test_serve_announces_the_federation_plane(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path) as server:
        output = server.log_path.read_text()
        assert f"federation plane: {server.federation_address} (gRPC, plaintext" in output
        with channel(server) as chan:
            assert access_token(chan, server.token).token


def test_federation_port_0_picks_a_free_one(tmp_path: Path) -> None:
    server = KalixLocalServer(tmp_path, extra_args=["--federation-port", "0"])
    with server:  # the later --federation-port 0 wins over the helper's own
        line = next(
            ln for ln in server.log_path.read_text().splitlines() if "federation plane:" in ln
        )
        address = line.split("federation plane: ")[1].split(" ")[0]
        assert address.startswith("127.0.0.1:") and not address.endswith(":0")
        assert address == server.federation_address  # what its --port-file says
        with channel(server) as chan:
            assert access_token(chan, server.token).token


def test_a_taken_federation_port_exits_1_before_announcing_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kalix_local",
                "serve",
                "--port",
                str(free_port()),
                "--federation-port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert "serving" not in result.stdout
    assert f"federation plane: cannot listen on 127.0.0.1:{port}" in result.stderr


def test_oidc_token_prints_a_jwt_last_and_validates_projects(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kalix_local", "oidc-token", "--data-dir", str(tmp_path), *args],
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )

    good = run("--subject", "ci", "--audience", "regions/us-east1", "--project", "shop")
    assert good.returncode == 0, good.stderr
    lines = good.stdout.strip().splitlines()
    assert lines[0] == "subject: ci (trusted for: shop)"
    assert lines[-1].count(".") == 2
    bad = run("--subject", "ci", "--audience", "regions/us-east1", "--project", "Bad_Name")
    assert bad.returncode == 2 and "Bad_Name" in bad.stderr
