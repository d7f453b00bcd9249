"""The kalix-local command line: serve output and start time, token create, one-line
errors, --help defaults, IPv6, Ctrl-C with a watch open, client disconnects."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.local_server import REPO_ROOT, KalixLocalServer
from tests.support.objects import wait_until


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
    result = run_kalix_local(
        "token", "create", "--project", "shop", "--data-dir", str(tmp_path), "--create"
    )
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
        "token", "create", "--project", "Bad_Name", "--data-dir", str(tmp_path), "--create"
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


def test_serve_on_port_0_writes_the_ports_it_bound_to_the_port_file(tmp_path: Path) -> None:
    # KalixLocalServer starts with --port 0 --federation-port 0 and reads this file.
    with KalixLocalServer(tmp_path / "data") as server:
        written = json.loads(server.port_file.read_text())
        assert written == {"port": server.port, "federation_port": server.federation_port}
        assert server.port != server.federation_port
        output = server.log_path.read_text()
        assert f"kalix-local serving http://127.0.0.1:{server.port} " in output
        assert f"federation plane: 127.0.0.1:{server.federation_port} (gRPC" in output
        assert httpx.get(server.url + "/healthz").status_code == 200
        assert server.access_token() != server.token  # the federation plane answered
        ports = (server.port, server.federation_port)
        server.restart()  # asks for the same ports, and the file says so again
        assert (server.port, server.federation_port) == ports
        assert json.loads(server.port_file.read_text())["port"] == server.port


def test_serve__an_unwritable_port_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    port_file = blocker / "ports.json"  # under a regular file: unwritable even for root
    result = run_kalix_local(
        "serve",
        "--port",
        "0",
        "--federation-port",
        "0",
        "--data-dir",
        str(tmp_path / "d"),
        "--port-file",
        str(port_file),
    )
    assert result.returncode == 1
    assert f"--port-file {port_file}: Not a directory" in one_line_error(result)


def test_listening_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    # With proto 0 asyncio leaves Nagle on, and small responses wait ~40 ms each.
    from kalix_local.__main__ import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


# -- one-line errors, --help, --host ::1 ----------------------------------------------


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kalix-local"), lines[0]
    assert "serving" not in result.stdout
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--port", "70000"], 2, "--port: must be 0 to 65535 (got 70000)"),
        (["--federation-port", "-1"], 2, "--federation-port: must be 0 to 65535"),
        (["--port", "http"], 2, "--port: not a port number: 'http'"),
        (["--rollout-step-seconds", "0"], 2, "--rollout-step-seconds: must be a positive"),
        (["--soft-delete-retention-seconds", "nan"], 2, "--soft-delete-retention-seconds"),
        (["--dns-resolver", "bind"], 2, "--dns-resolver: invalid choice"),
    ],
)
def test_serve__bad_flags_are_one_line_usage_errors(
    tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    result = run_kalix_local("serve", "--data-dir", str(tmp_path / "data"), *args)
    assert result.returncode == code
    assert says in one_line_error(result)
    assert not (tmp_path / "data").exists()  # refused before anything was made


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "No such file or directory"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a mapping of host to CNAME target"),
        ('{"shop.example.com": 7}', "host and target must be strings"),
    ],
)
def test_serve__a_bad_dns_static_file_is_one_line(
    tmp_path: Path, content: str | None, says: str
) -> None:
    records = tmp_path / "records.json"
    if content is not None:
        records.write_text(content)
    result = run_kalix_local(
        "serve", "--data-dir", str(tmp_path / "data"), "--dns-static-file", str(records)
    )
    assert result.returncode == 2
    line = one_line_error(result)
    assert f"--dns-static-file {records}" in line and says in line


def test_serve__an_unusable_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    # A path under a regular file: unusable even for root, whom modes do not stop.
    result = run_kalix_local("serve", "--port", "0", "--data-dir", str(blocker / "data"))
    assert result.returncode == 1
    assert f"cannot use --data-dir {blocker / 'data'}: Not a directory" in one_line_error(result)


def test_help_shows_the_defaults() -> None:
    result = run_kalix_local("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for shown in (
        "(default: 127.0.0.1)",
        "(default: 9000)",
        "(default: 9001)",
        "(default: .kalix-local)",
        "(default: static)",
        "(default: strict)",
        "(default: 3600)",
        "(default: 1209600.0)",
        "(default 1.0)",
        "(default 1200)",
        "(default 0.5)",
    ):
        assert shown in text, shown


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_serve__on_ipv6_loopback_prints_valid_urls(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    args = ["--host", "::1", "--port", str(port), "--federation-port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "kalix_local", "serve", *args, "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # the first line, printed once bound
        assert banner.startswith(f"kalix-local serving http://[::1]:{port} ")
        url = banner.split()[2]
        httpx.URL(url)  # a valid URL
        federation = process.stdout.readline()
        assert federation.startswith("federation plane: [::1]:")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("the server on [::1] never answered")
    finally:
        process.terminate()
        process.communicate(timeout=15)


# -- token create against a directory with no database ----------------------------------


def test_token_create__refuses_a_data_dir_without_a_database(tmp_path: Path) -> None:
    typo = tmp_path / ".kalix-locl"
    result = run_kalix_local("token", "create", "--project", "shop", "--data-dir", str(typo))
    assert result.returncode == 2
    line = one_line_error(result)
    assert f"{typo} has no kalix-local database" in line and "--create" in line
    assert not typo.exists()
    assert result.stdout == ""  # no token made


def test_token_create__against_a_served_data_dir_needs_no_flag(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path):
        pass  # made the database
    result = run_kalix_local("token", "create", "--project", "shop", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("klx_")


# -- shutdown and disconnects ---------------------------------------------------------------


def test_ctrl_c_with_a_watch_open_stops_cleanly(tmp_path: Path) -> None:
    server = KalixLocalServer(tmp_path).start()
    try:
        assert server.process is not None
        with (
            server.client() as api,
            api.stream(
                "GET", server.api_path("kalixservices"), params={"watch": "true"}, timeout=20
            ) as stream,
        ):
            assert stream.status_code == 200
            server.process.send_signal(signal.SIGINT)
            assert list(stream.iter_bytes()) == []  # the server ended the stream
        code = server.process.wait(timeout=20)
    finally:
        server.close()
    assert code == 130  # the shell's code for an interrupted command
    log = server.log_path.read_text()
    assert "Traceback" not in log
    assert "Shutting down" in log and "Application shutdown complete" in log
    assert "timeout graceful shutdown exceeded" not in log


def test_a_client_gone_before_its_body_is_read_is_a_debug_line(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, extra_args=["--log-level", "debug"]) as server:
        path = server.api_path("kalixservices")
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Bearer {server.access_token()}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            '{"metadata": '
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request.encode())
        with server.client() as api:  # the server goes on serving
            wait_until(
                lambda: server.log_path.read_text(), lambda log: "client disconnected" in log
            )
            assert api.get(path).status_code == 200
    log = server.log_path.read_text()
    assert "Traceback" not in log
    [line] = [line for line in log.splitlines() if "client disconnected" in line]
    assert f" DEBUG kalix_local.requests: POST {path} client disconnected " in line
    assert " 500 " not in log
