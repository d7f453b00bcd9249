"""Start kalix-local as a real server on a free loopback port, with a fresh data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KalixLocalServer:
    """``python -m kalix_local serve`` as a subprocess.

    ``url``, ``token`` (a refresh token) and ``project`` (the default project's friendly
    name) are what a client needs; ``federation_address`` is the gRPC federation plane;
    ``admin()`` calls the ``/_local`` admin API; ``stop()``/``kill()``/``restart()``
    keep the same ports and data dir, so state persistence can be tested.

    The controller lags ``status_lag_seconds`` behind every spec write (0.05 s here, so
    a client that trusts a stale status is caught without slowing the suite; the
    server's own default is 0.5 s; None = the server's default). ``watch=False`` serves
    the published contract only (``--no-watch``).
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
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kalix-local-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.federation_port = federation_port or free_port()
        self.federation_address = f"127.0.0.1:{self.federation_port}"
        self.project = "default"
        self.args = [
            "--port",
            str(self.port),
            "--federation-port",
            str(self.federation_port),
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
        self.process: subprocess.Popen[str] | None = None
        self.token = ""
        self.startup_seconds = 0.0
        self.log_path = self.data_dir / "server.log"

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> KalixLocalServer:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - handed to the child process
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kalix_local", "serve", *self.args],
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
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        else:
            self.kill()
            raise RuntimeError(f"kalix-local did not start:\n{self.log_path.read_text()}")
        self.startup_seconds = time.monotonic() - started
        self.token = (self.data_dir / "default-token").read_text().strip()
        return self

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

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> KalixLocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_local<path>``; raises on an error status; returns the JSON body."""
        response = httpx.request(method, f"{self.url}/_local{path}", json=json, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.admin("POST", "/reset")

    def new_project(self, name: str) -> str:
        """Create a project (if missing) and a token for it; returns the token."""
        return str(self.admin("POST", "/projects", {"name": name})["token"])

    def new_token(self, *projects: str) -> str:
        """A token for several projects at once (created if missing)."""
        return str(self.admin("POST", "/tokens", {"projects": list(projects)})["token"])

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, **kwargs)

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

    def api_path(self, plural: str, name: str = "", project: str | None = None) -> str:
        base = f"/apis/kalix.io/v1alpha1/namespaces/{project or self.project}/{plural}"
        return f"{base}/{name}" if name else base

    def hostnames_path(self, name: str = "", project: str | None = None) -> str:
        base = f"/kalix.io/v1alpha/projects/{project or self.project}/hostnames"
        return f"{base}/{name}" if name else base
