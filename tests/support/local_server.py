"""Start kalix-local as a real server on loopback ports it picks, with a fresh data dir.

Every server records its control-plane exchanges (``serve --record``) and checks them
against the published API when it closes (tests/contract/validator.py), so every test
that uses one is a contract test. ``KALIX_CONTRACT`` says what a violation does:
``strict`` (the default) fails, ``report`` collects it for the end-of-session summary
(tests/conftest.py), ``off`` ignores it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import httpx

if TYPE_CHECKING:
    from tests.contract.validator import ExchangeViolation

REPO_ROOT = Path(__file__).resolve().parents[2]
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Generous: parallel workers on a loaded machine start slowly (the CLI test times a start).
START_TIMEOUT_SECONDS = 60.0
CONTRACT_ENV = "KALIX_CONTRACT"
CONTRACT_MODES = ("strict", "report", "off")
RECORD_FILE = "contract.jsonl"
#: Where kalix-local writes the ports it bound (``serve --port-file``), in the data dir.
PORT_FILE = "ports.json"
#: How many violations an AssertionError lists.
SHOWN_VIOLATIONS = 20
#: Violations collected in report mode, summarized at the end of the session.
REPORTED_VIOLATIONS: list[ExchangeViolation] = []


def contract_mode() -> str:
    mode = os.environ.get(CONTRACT_ENV, "").strip().lower() or "strict"
    if mode not in CONTRACT_MODES:
        raise ValueError(f"{CONTRACT_ENV}={mode!r}: expected one of {', '.join(CONTRACT_MODES)}")
    return mode


def contract_failure(violations: list[ExchangeViolation]) -> str:
    shown = "\n".join(f"  {v}" for v in violations[:SHOWN_VIOLATIONS])
    more = len(violations) - SHOWN_VIOLATIONS
    tail = f"\n  ... and {more} more" if more > 0 else ""
    return (
        f"kalix-local broke the published Akka API contract {len(violations)} time(s) "
        f"({CONTRACT_ENV}=report lists them all without failing):\n{shown}{tail}"
    )


#: Sockets of free_port(), held until the process exits (see there).
_RESERVED: list[socket.socket] = []


def free_port() -> int:
    """A loopback port nobody else gets while this test process runs: it stays bound
    (never listening) with SO_REUSEADDR. Another process's bind to port 0 or outgoing
    connection never takes a bound port, so concurrent suites and xdist workers cannot
    collide on it; a connection to it is refused (an address where nothing answers),
    and a server given it explicitly (kalix-local, moto and gRPC set SO_REUSEADDR) can
    still bind and listen on it (Linux). Servers of our own bind port 0 instead:
    ``KalixLocalServer`` reads the ports kalix-local chose from ``--port-file``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    _RESERVED.append(sock)
    return int(sock.getsockname()[1])


def plain_client(**kwargs: Any) -> httpx.Client:
    """An httpx client for kalix-local's plain HTTP on loopback. Without `verify=False`
    every client builds a TLS context and loads the CA bundle (40-150 ms on this
    machine), which plain HTTP never uses."""
    kwargs.setdefault("verify", False)
    return httpx.Client(**kwargs)


class KalixLocalServer:
    """``python -m kalix_local serve`` as a subprocess.

    ``url``, ``token`` (a refresh token) and ``project`` (the default project's friendly
    name) are what a client needs; ``federation_address`` is the gRPC federation plane;
    ``admin()`` calls the ``/_local`` admin API (with ``admin_headers``, the
    credential from ``<data_dir>/admin-token``); ``stop()``/``kill()``/``restart()``
    keep the same ports and data dir, so state persistence can be tested.

    The controller lags ``status_lag_seconds`` behind every spec write (0.05 s here, so
    a client that trusts a stale status is caught without slowing the suite; the
    server's own default is 0.5 s; None = the server's default). ``watch=False`` serves
    the published contract only (``--no-watch``).

    With ``record`` (the default) the exchanges go to ``<data_dir>/contract.jsonl`` and
    ``close()`` checks them (``check_contract()``); ``check_contract=False`` is only for
    a test that makes the server produce shapes the platform does not publish.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        rollout_step_seconds: float = 0.05,
        status_lag_seconds: float | None = 0.05,
        watch: bool = True,
        dns_resolver: str = "static",
        extra_args: list[str] | None = None,
        port: int | None = None,
        federation_port: int | None = None,
        record: bool = True,
        check_contract: bool = True,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kalix-local-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        # 0 until the first start, where kalix-local binds port 0 and writes the ports
        # it got to --port-file (no window in which another process takes them); the
        # restarts ask for the same ones again.
        self._port = port or 0
        self._federation_port = federation_port or 0
        self.project = "default"
        self.args = [
            "--data-dir",
            str(self.data_dir),
            "--rollout-step-seconds",
            str(rollout_step_seconds),
            "--dns-resolver",
            dns_resolver,
            *(
                ["--status-lag-seconds", str(status_lag_seconds)]
                if status_lag_seconds is not None
                else []
            ),
            *([] if watch else ["--no-watch"]),
            *(extra_args or []),
        ]
        self.record_path: Path | None = self.data_dir / RECORD_FILE if record else None
        if self.record_path is not None:
            self.args += ["--record", str(self.record_path)]
        self._check_contract = check_contract
        self._checked_records: set[int] = set()  # byte offsets of lines already checked
        self.process: subprocess.Popen[str] | None = None
        self._access: dict[str, tuple[str, float]] = {}
        self._admin_http: httpx.Client | None = None
        self.token = ""
        self.admin_token = ""
        self.startup_seconds = 0.0
        self.log_path = self.data_dir / "server.log"
        self.port_file = self.data_dir / PORT_FILE

    @property
    def port(self) -> int:
        """The control plane's port (chosen by kalix-local at the first start)."""
        if not self._port:
            raise RuntimeError("kalix-local has not started yet: its ports are not chosen")
        return self._port

    @property
    def federation_port(self) -> int:
        if not self._federation_port:
            raise RuntimeError("kalix-local has not started yet: its ports are not chosen")
        return self._federation_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def federation_address(self) -> str:
        return f"127.0.0.1:{self.federation_port}"

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> KalixLocalServer:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - handed to the child process
        self.port_file.unlink(missing_ok=True)  # a stale one names the last start's ports
        ports = [
            *("--port", str(self._port), "--federation-port", str(self._federation_port)),
            *("--port-file", str(self.port_file)),
        ]
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kalix_local", "serve", *ports, *self.args],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log.close()
        deadline = started + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kalix-local exited early:\n{self.log_path.read_text()}")
            if not self._read_ports():
                time.sleep(0.02)
                continue
            try:
                if self._admin().get("/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        else:
            self.kill()
            raise RuntimeError(f"kalix-local did not start:\n{self.log_path.read_text()}")
        self.startup_seconds = time.monotonic() - started
        self.token = (self.data_dir / "default-token").read_text().strip()
        self.admin_token = (self.data_dir / "admin-token").read_text().strip()
        return self

    def _read_ports(self) -> bool:
        """Take the ports from the port file once kalix-local has written it (whole:
        it renames it into place)."""
        try:
            written = json.loads(self.port_file.read_text())
        except FileNotFoundError:
            return False
        self._port = int(written["port"])
        self._federation_port = int(written["federation_port"])
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (a crash)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def restart(self) -> KalixLocalServer:
        self.stop()
        return self.start()

    def restart_later(self, down_seconds: float) -> threading.Thread:
        """Stop now; start again (same ports and data dir) after `down_seconds`, in a
        thread: a control-plane restart that a client call has to ride out. `join()`
        the thread; a failed start is kept in its `error` attribute."""
        self.stop()

        def run() -> None:
            time.sleep(down_seconds)
            try:
                self.start()
            except BaseException as exc:  # reported by the test through .error
                thread.error = exc  # type: ignore[attr-defined]

        thread = threading.Thread(target=run, name="kalix-local-restart", daemon=True)
        thread.error = None  # type: ignore[attr-defined]
        thread.start()
        return thread

    def close(self, *, check: bool = True) -> None:
        """Stop, then check the exchanges no earlier ``check_contract`` looked at."""
        try:
            self.stop()
            if self._admin_http is not None:
                self._admin_http.close()
                self._admin_http = None
            if check:
                self.check_contract()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def __enter__(self) -> KalixLocalServer:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # A test that already failed keeps its own error (its records are not checked).
        self.close(check=exc_type is None)

    # -- the contract -----------------------------------------------------------------

    def contract_offset(self) -> int:
        """Where the next record will start: pass it as ``since`` to check one test."""
        path = self.record_path
        return path.stat().st_size if path is not None and path.exists() else 0

    def exchange_violations(self, since: int = 0) -> list[ExchangeViolation]:
        from tests.contract.validator import check_record, read_records

        if self.record_path is None:
            return []
        return [v for _, rec in read_records(self.record_path, since) for v in check_record(rec)]

    def contract_violations(self, since: int = 0) -> list[str]:
        """Every recorded response (and provider request) that breaks the published API,
        strictly: ``<METHOD> <path> -> <status> <side> <json path>: <why>``."""
        return [str(v) for v in self.exchange_violations(since)]

    def check_contract(self, since: int = 0, *, exempt: Collection[str] = ()) -> None:
        """Apply ``KALIX_CONTRACT`` to the records from ``since`` not checked before:
        raise (strict), collect for the session summary (report) or nothing (off).
        ``exempt`` sides (``request``, ``response``) are not checked."""
        from tests.contract.validator import check_record, read_records

        mode = contract_mode()
        if mode == "off" or not self._check_contract or self.record_path is None:
            return
        violations = []
        for offset, record in read_records(self.record_path, since):
            if offset not in self._checked_records:
                self._checked_records.add(offset)
                violations += [v for v in check_record(record) if v.side not in exempt]
        if not violations:
            return
        if mode == "report":
            REPORTED_VIOLATIONS.extend(violations)
            return
        raise AssertionError(contract_failure(violations))

    # -- helpers ----------------------------------------------------------------------

    @property
    def admin_headers(self) -> dict[str, str]:
        """The admin API's credential (``<data_dir>/admin-token``), as a header."""
        return {"Authorization": f"Bearer {self.admin_token}"}

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_local<path>``; raises on an error status; returns the JSON body."""
        response = self._admin().request(
            method, f"/_local{path}", json=json, headers=self.admin_headers, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def _admin(self) -> httpx.Client:
        """One client for this server's admin calls and health checks, kept across
        calls and restarts (the ports stay; a connection the server closed is not
        reused). `httpx.request` built a client per call, and with it a TLS context
        loading the CA bundle: 40-150 ms each, for plain HTTP on loopback."""
        if self._admin_http is None:
            self._admin_http = plain_client(base_url=self.url)
        return self._admin_http

    def reset(self) -> None:
        self.admin("POST", "/reset")
        self._access.clear()

    def new_project(self, name: str) -> str:
        """Create a project (if missing) and a token for it; returns the token."""
        return str(self.admin("POST", "/projects", {"name": name})["token"])

    def new_token(self, *projects: str) -> str:
        """A token for several projects at once (created if missing)."""
        return str(self.admin("POST", "/tokens", {"projects": list(projects)})["token"])

    def access_token(self, refresh_token: str | None = None) -> str:
        """An access token for a refresh token (the control plane takes no other), or
        the token itself when it cannot be exchanged (a test of a bad token)."""
        refresh = refresh_token or self.token
        cached = self._access.get(refresh)
        if cached and cached[1] > time.time() + 5:
            return cached[0]
        from pulumi_kalix._proto import rpc
        from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2

        with grpc.insecure_channel(self.federation_address) as channel:
            try:
                answer = rpc.CREATE_ACCESS_TOKEN.stub(channel)(
                    auth_pb2.CreateAccessTokenRequest(),
                    timeout=10,
                    metadata=[("authorization", f"Bearer {refresh}")],
                )
            except grpc.RpcError:
                return refresh
        self._access[refresh] = (answer.token, float(answer.expire_time.seconds))
        return answer.token

    def client(self, token: str | None = None, *, raw: bool = False, **kwargs: Any) -> httpx.Client:
        """An HTTP client of the control plane with an access token exchanged from
        `token` (default: the default project's refresh token); `raw` sends `token`
        as it is."""
        bearer = token if raw and token is not None else self.access_token(token)
        headers = {"Authorization": f"Bearer {bearer}"}
        return plain_client(base_url=self.url, headers=headers, timeout=10, **kwargs)

    @property
    def api_host(self) -> str:
        """The federation plane as `kalix:apiHost` / `AKKA_API_HOST` name it (plaintext)."""
        return f"http://{self.federation_address}"

    def pulumi_config(self, project: str | None = None, token: str | None = None) -> dict[str, str]:
        """The stack config a program needs to reach this server (token as a refresh token)."""
        return {
            "kalix:apiHost": self.api_host,
            "kalix:project": project or self.project,
            "kalix:token": token or self.token,
        }

    def project_id(self, name: str | None = None) -> str:
        """The UUID of a project, by friendly name (default: the default project)."""
        wanted = name or self.project
        for project in self.admin("GET", "/projects")["projects"]:
            if project["name"] == wanted:
                return str(project["id"])
        raise KeyError(f"no project named {wanted!r}")

    def api_path(
        self, plural: str, name: str = "", project: str | None = None, version: str = "v1alpha1"
    ) -> str:
        """A control-plane path; a project's friendly name is mapped to its UUID (the
        only namespace the control plane takes). ``version``: v1beta1 for observabilities."""
        wanted = project or self.project
        namespace = wanted if _UUID.match(wanted) else self._namespace(wanted)
        base = f"/apis/kalix.io/{version}/namespaces/{namespace}/{plural}"
        return f"{base}/{name}" if name else base

    def _namespace(self, name: str) -> str:
        try:
            return self.project_id(name)
        except KeyError:
            return name  # a project that does not exist: the server says 404

    def hostnames_path(self, name: str = "", project: str | None = None) -> str:
        wanted = project or self.project
        namespace = wanted if _UUID.match(wanted) else self._namespace(wanted)
        base = f"/kalix.io/v1alpha/projects/{namespace}/hostnames"
        return f"{base}/{name}" if name else base
