"""Messages from the provider onto a resource's row, through the engine's `Log` call.

The engine starts every provider plugin with its own address as the first argument
(`pulumi-resource-pulumi-python <engine address>`, which `python -m pulumi.dynamic`
ignores) and serves `pulumirpc.Engine/Log` there; a `LogRequest` that names a URN is
shown under that resource. The dynamic-provider API hands a provider no URN, so ours
come from the resource's claim (see :mod:`pulumi_kalix.claims`). When there is no engine
to reach, the message goes to stderr, which the engine shows as a plain diagnostic.
"""

from __future__ import annotations

import re
import sys
import threading

import grpc

_ADDRESS = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d+$")
_lock = threading.Lock()
_stub: object | None = None
_tried = False


def _engine() -> object | None:
    global _stub, _tried
    with _lock:
        if not _tried:
            _tried = True
            address = sys.argv[1] if len(sys.argv) > 1 else ""
            if _ADDRESS.match(address):
                from pulumi.runtime.proto import engine_pb2_grpc

                _stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))
        return _stub


def _log(severity: str, message: str, urn: str | None) -> None:
    stub = _engine()
    if stub is not None:
        from pulumi.runtime.proto import engine_pb2

        request = engine_pb2.LogRequest(
            severity=getattr(engine_pb2, severity), message=message, urn=urn or ""
        )
        try:
            stub.Log(request, timeout=10)  # type: ignore[attr-defined]
            return
        except grpc.RpcError:
            pass  # the engine went away: stderr still reaches the user
    print(f"{severity.lower()}: {message}", file=sys.stderr, flush=True)


def warn(message: str, urn: str | None) -> None:
    _log("WARNING", message, urn)


def info(message: str, urn: str | None) -> None:
    _log("INFO", message, urn)
