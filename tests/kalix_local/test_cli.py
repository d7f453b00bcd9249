"""The kalix-local command line: serve output and start time, token create."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.local_server import REPO_ROOT, KalixLocalServer


def test_serve__names_the_token_file_but_never_prints_the_token(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path) as server:
        print(f"kalix-local serving after {server.startup_seconds:.2f}s")
        output = server.log_path.read_text()
        assert "default project: default" in output
        token_file = tmp_path / "default-token"
        assert f"default token: in {token_file} (mode 0600" in output
        assert server.token not in output  # a log of the server holds no token
        assert (
            f"export AKKA_API_HOST={server.api_host} AKKA_PROJECT=default "
            f"AKKA_TOKEN=$(cat {token_file})" in output
        )
        assert server.startup_seconds < 10  # the README promises < 2 s; printed above
        # Tokens and secret data: the directory and its files are the owner's only.
        assert tmp_path.stat().st_mode & 0o777 == 0o700
        assert token_file.stat().st_mode & 0o777 == 0o600
        databases = list(tmp_path.glob("kalix-local.db*"))  # with its -wal and -shm
        assert databases
        for db in databases:
            assert db.stat().st_mode & 0o777 == 0o600, db


def test_serve__prints_the_token_when_asked(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, extra_args=["--print-token"]) as server:
        output = server.log_path.read_text()
        assert f"default token: {server.token}" in output
        assert f"AKKA_TOKEN={server.token}" in output


def run_kalix_local(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kalix_local", *args],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_token_create__prints_token_last(tmp_path: Path) -> None:
    result = run_kalix_local("token", "create", "--project", "shop", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("klx_")
    with KalixLocalServer(tmp_path) as server:
        headers = {"Authorization": f"Bearer {server.access_token(token)}"}
        response = httpx.get(
            server.url + server.api_path("kalixservices", project="shop"), headers=headers
        )
        assert response.status_code == 200


def test_token_create__invalid_project(tmp_path: Path) -> None:
    result = run_kalix_local(
        "token", "create", "--project", "Bad_Name", "--data-dir", str(tmp_path)
    )
    assert result.returncode == 2
    assert "Bad_Name" in result.stderr


def test_serve_on_a_taken_port_exits_1_before_announcing_anything(tmp_path: Path) -> None:
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
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 1
    assert "serving" not in result.stdout
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_listening_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    # With proto 0 asyncio leaves Nagle on, and small responses wait ~40 ms each.
    from kalix_local.__main__ import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
