"""Log messages as the engine receives them: from providers and from the program.

The engine starts every provider with its own address as argv[1] (``provider_plugin.go``:
``newPlugin(..., []string{host.ServerAddr()}, ...)``) and serves ``pulumirpc.Engine`` there;
a provider reports diagnostics with ``Log(LogRequest{severity, message, urn, streamId,
ephemeral})``. ``EngineLogServer`` is that service (``Log`` only) on 127.0.0.1. A program's
``pulumi.log.*`` calls reach the engine the same way; under ``set_mocks`` the SDK hands them to
a ``MockEngine``, which ``ProgramLog`` replaces to record them with the resource's URN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.mocks import MockEngine
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


@dataclass(frozen=True)
class LogEntry:
    severity: str  # debug / info / warning / error
    message: str
    urn: str = ""  # the resource row it lands on ("" for the run as a whole)
    ephemeral: bool = False
    stream_id: int = 0


LogSink = Callable[[LogEntry], None]


def log_entry(request: Any) -> LogEntry:
    return LogEntry(
        SEVERITIES.get(request.severity, str(request.severity)),
        request.message,
        request.urn,
        bool(request.ephemeral),
        request.streamId,
    )


class EngineLogServer(engine_pb2_grpc.EngineServicer):
    """``pulumirpc.Engine`` on 127.0.0.1 (an ephemeral port) handing each LogRequest to
    ``sink``. The other Engine methods answer UNIMPLEMENTED."""

    def __init__(self, sink: LogSink) -> None:
        self._sink = sink
        self._server = grpc.server(ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self._server.start()

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # gRPC method name
        self._sink(log_entry(request))
        return empty_pb2.Empty()

    def close(self) -> None:
        self._server.stop(grace=1).wait(5)


class ProgramLog(MockEngine):
    """The program's engine client under mocks: records, then logs as MockEngine does."""

    def __init__(self, sink: LogSink, logger: logging.Logger | None = None) -> None:
        super().__init__(logger)
        self._sink = sink

    def Log(self, request: Any) -> None:  # the SDK calls it synchronously, like the stub
        self._sink(log_entry(request))
        super().Log(request)  # type: ignore[no-untyped-call]
