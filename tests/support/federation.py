"""Talk to kalix-local's federation plane over a real gRPC channel, with rpc.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest

from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from pulumi_kalix.api import Hostname
from pulumi_kalix.client import ControlPlane
from tests.support.local_server import REPO_ROOT, KalixLocalServer

CALL_TIMEOUT_SECONDS = 10.0


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@contextmanager
def channel(server: KalixLocalServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.federation_address) as chan:
        yield chan


def call(method: rpc.Method[Any, Any], chan: grpc.Channel, request: Any, token: str | None) -> Any:
    metadata = bearer(token) if token is not None else None
    return method.stub(chan)(request, timeout=CALL_TIMEOUT_SECONDS, metadata=metadata)


def access_token(chan: grpc.Channel, refresh_token: str) -> auth_pb2.AccessToken:
    token: auth_pb2.AccessToken = call(
        rpc.CREATE_ACCESS_TOKEN, chan, auth_pb2.CreateAccessTokenRequest(), refresh_token
    )
    return token


def rpc_error(
    method: rpc.Method[Any, Any], chan: grpc.Channel, request: Any, token: str | None
) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(method, chan, request, token)
    error: grpc.RpcError = caught.value
    return error


def oidc_token(server: KalixLocalServer, *args: str) -> str:
    """``kalix-local oidc-token`` against the server's data dir; the token (last line)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kalix_local",
            "oidc-token",
            "--data-dir",
            str(server.data_dir),
            *args,
        ],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class Hostnames:
    """A project's hostnames over the federation plane, for tests to look at or set up
    what the provider manages (the control plane has no hostname API)."""

    def __init__(
        self, server: KalixLocalServer, project: str | None = None, token: str | None = None
    ) -> None:
        self.server = server
        self.project_id = server.project_id(project)
        self._token = token or server.token

    def _call(self, method: rpc.Method[Any, Any], request: Any) -> Any:
        with channel(self.server) as chan:
            token = access_token(chan, self._token).token
            return call(method, chan, request, token)

    def list(self) -> list[Hostname]:
        response = self._call(
            rpc.LIST_HOSTNAMES, projects_pb2.ListHostnamesRequest(parent=self._parent)
        )
        return [_hostname(h) for h in response.hostnames]

    def get_or_none(self, name: str) -> Hostname | None:
        return next((h for h in self.list() if h.name == name), None)

    def create(self, name: str = "", *, global_: bool = False) -> Hostname:
        """Reserve `name` ("" for a generated one); returns the new hostname."""
        before = {h.name for h in self.list()}
        request = projects_pb2.CreateHostnameRequest(
            parent=self._parent, hostname=projects_pb2.Hostname(name=name, **{"global": global_})
        )
        hosts = self._call(rpc.CREATE_HOSTNAME, request).hostnames
        (created,) = [h for h in hosts if (h.name == name if name else h.name not in before)]
        return _hostname(created)

    def delete(self, name: str) -> None:
        self._call(
            rpc.DELETE_HOSTNAME,
            projects_pb2.DeleteHostnameRequest(name=f"{self._parent}/hostnames/{name}"),
        )

    @property
    def _parent(self) -> str:
        return f"projects/{self.project_id}"


def _hostname(message: Any) -> Hostname:
    return Hostname(
        name=message.name,
        is_generated=message.is_generated,
        global_=getattr(message, "global"),
        skip_provision_cert=message.skip_provision_cert,
    )


class _Exchanged:
    """An access token exchanged from a refresh token now, and again when a server
    rejects it (as the provider's session renews): a test's own client outlives a
    server's short-lived tokens however slowly a loaded machine runs the test."""

    def __init__(self, server: KalixLocalServer, refresh: str) -> None:
        self._server = server
        self._refresh = refresh
        self._token: str | None = None
        self._token = self()

    def __call__(self) -> str:
        if self._token is None:
            with channel(self._server) as chan:
                self._token = access_token(chan, self._refresh).token
        return self._token

    def renew(self, rejected: str) -> None:
        if rejected == self._token:
            self._token = None


def control_plane(
    server: KalixLocalServer, project: str | None = None, token: str | None = None
) -> ControlPlane:
    """A client of `project`'s control plane as the platform wants it called: the
    project's UUID as namespace and an access token exchanged from the refresh token.
    `.hostnames` lists and reserves hostnames over the federation plane."""
    refresh = token or server.token
    access = _Exchanged(server, refresh)
    client = ControlPlane(server.url, access, server.project_id(project), renew=access.renew)
    client.hostnames = Hostnames(server, project, refresh)  # type: ignore[attr-defined]
    return client
