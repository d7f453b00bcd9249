"""Start and stop the federation plane's gRPC server (plaintext, on the control
plane's host).

The port is bound when the server is made, so a taken port fails before kalix-local
announces anything; it is started and stopped by the app's lifespan, which stops it
before it closes the store the calls use.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from kalix_local.backend import Backend
from kalix_local.federation.auth import AuthService
from kalix_local.federation.calls import serve_call
from kalix_local.federation.faults import GrpcFaults
from kalix_local.federation.projects import ProjectsService
from kalix_local.oidc import issuer_key
from pulumi_kalix._proto import rpc

MAX_WORKERS = 16
STOP_GRACE_SECONDS = 1.0


class FederationBindError(Exception):
    pass


class FederationServer:
    def __init__(
        self, backend: Backend, host: str, port: int, faults: GrpcFaults | None = None
    ) -> None:
        #: faults injected on this server's calls (tests; the admin API sets them)
        self.faults = faults or GrpcFaults()
        self._server = grpc.server(
            ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="kalix-federation"),
            # gRPC sets SO_REUSEPORT by default: a second server could then share a
            # port that is already in use instead of failing to bind it.
            options=[("grpc.so_reuseport", 0)],
        )
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            bound = self._server.add_insecure_port(address)
        except RuntimeError as exc:
            raise FederationBindError(f"cannot listen on {address}: {exc}") from None
        if not bound:  # older grpcio answers 0 instead of raising
            raise FederationBindError(f"cannot listen on {address}")
        self.port: int = bound
        self.address = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"

        def serving(method: rpc.Method[Any, Any], behaviour: Any) -> Any:
            return serve_call(method, behaviour, self.faults)

        self._server.add_generic_rpc_handlers(
            (
                rpc.AUTH.handler(
                    AuthService(backend, issuer_key(backend.core.settings.data_dir)), serving
                ),
                rpc.PROJECTS.handler(ProjectsService(backend, self.address), serving),
            )
        )

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        """Stop taking calls, let running ones end, then drop the late calls of a
        `late` fault still waiting and end their worker (before the store closes)."""
        self._server.stop(STOP_GRACE_SECONDS).wait(STOP_GRACE_SECONDS + 5)
        self.faults.stop()
