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
