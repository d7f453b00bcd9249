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
from typing import Any

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


def debug(message: str, urn: str | None) -> None:
    stub = _engine()
    if stub is None:
        return  # debug output without an engine: nowhere useful to go
    _log("DEBUG", message, urn)


class _UserFacingTracebacks:
    """Stands in for the `traceback` module inside the dynamic provider server, whose
    handler answers every failed call with `traceback.format_exc()` as the error the
    user reads. For our own errors (:class:`~pulumi_kalix.errors.KalixError`: a message
    written for the user) the answer is that message alone, and the traceback goes to
    the engine's debug log (`pulumi up -v=9 --logtostderr` shows it); anything else (a
    bug) keeps its full traceback."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        from ..errors import KalixError

        text: str = self._real.format_exc(*args, **kwargs)
        error = sys.exc_info()[1]
        if isinstance(error, KalixError):
            debug(text, None)
            return str(error)
        return text


def install_user_facing_errors() -> None:
    """Only in `python -m pulumi.dynamic` (the provider process); idempotent."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if getattr(spec, "name", None) != "pulumi.dynamic.__main__" or main is None:
        return
    current = getattr(main, "traceback", None)
    if current is not None and not isinstance(current, _UserFacingTracebacks):
        main.traceback = _UserFacingTracebacks(current)  # type: ignore[attr-defined]
