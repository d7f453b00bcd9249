"""The kalix-local FastAPI application: routers, error envelope, auth, limits, faults."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalix_local import admin
from kalix_local.backend import Backend, Core
from kalix_local.config import Settings
from kalix_local.credentials import ensure_admin_token
from kalix_local.dns import make_resolver
from kalix_local.errors import KalixError, status_body
from kalix_local.faults import FaultMiddleware, Faults
from kalix_local.federation.server import FederationServer
from kalix_local.http_guard import HostOriginGuard
from kalix_local.recorder import ExchangeRecorder
from kalix_local.rollout import Background
from kalix_local.routes import (
    brokers,
    container_registry_configs,
    external_secrets,
    object_storages,
    observabilities,
    openapi,
    projects,
    routes,
    secrets,
    service_configs,
    services,
    stores,
)
from kalix_local.shutdown import ShutdownSignal
from kalix_local.store import Store
from kalix_local.watch import WatchHub

log = logging.getLogger("kalix_local.requests")
VERSION = "0.1.0"

_REASON_FOR_HTTP = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
}


def _error_response(exc: KalixError) -> JSONResponse:
    return JSONResponse(exc.to_status(), status_code=exc.code, headers=exc.headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KalixError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = exc.status_code
    message = "the server could not find the requested resource" if code == 404 else str(exc.detail)
    body = status_body(code, _REASON_FOR_HTTP.get(code, "BadRequest"), message)
    return JSONResponse(body, status_code=code, headers=dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    causes = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "header")]
        causes.append(
            {
                "field": ".".join(loc) or "request",
                "message": str(err.get("msg")),
                "reason": "FieldValueInvalid",
            }
        )
    detail = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
    body = status_body(
        400, "BadRequest", f"invalid request parameters: {detail}", {"causes": causes}
    )
    return JSONResponse(body, status_code=400)


class RequestLogMiddleware:
    """Echoes or assigns ``X-Request-Id``, logs one line per request (no headers or
    bodies, so neither tokens nor secret data reach the log) and turns an unexpected
    exception into a Status 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                request_id = value.decode("latin-1")[:200]
        request_id = request_id or uuid.uuid4().hex
        started = time.perf_counter()
        status: int | str = "-"

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        level = logging.INFO
        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # The client went away before its body was read: nobody to answer, and no
            # fault of ours (a closed tab, a killed curl), so no traceback and no 500.
            status, level = "client disconnected", logging.DEBUG
        except Exception as exc:
            if status != "-":  # mid-response (an injected drop): let the server cut it
                status = f"{status} dropped"
                raise
            # A genuine bug: logged with its traceback, reported without internals.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            body = status_body(500, "InternalError", f"internal error: {type(exc).__name__}")
            await JSONResponse(body, status_code=500)(scope, receive, send_with_id)
        finally:
            log.log(
                level,
                "%s %s %s %.1fms id=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


def create_app(settings: Settings) -> FastAPI:
    store = Store(settings.db_path)
    resolver = make_resolver(
        settings.dns_resolver,
        static_file=settings.dns_static_file,
        route53_endpoint=settings.route53_endpoint,
        route53_region=settings.route53_region,
    )
    backend = Backend(Core(settings, store, resolver))
    background = Background(backend)
    faults = Faults(settings.seed)
    shutdown = ShutdownSignal()
    federation: FederationServer | None = None
    if settings.federation_port is not None:
        try:  # binds now: a taken port fails before the server announces anything
            federation = FederationServer(backend, settings.host, settings.federation_port)
        except BaseException:
            store.close()
            raise
        settings.federation_port = federation.port  # the one picked for port 0

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_background:
            background.start()
        if federation is not None:
            federation.start()
        try:
            yield
        finally:
            # Stop taking gRPC calls before the store they use is closed.
            if federation is not None:
                federation.stop()
            if settings.run_background:
                background.stop()
            store.close()

    app = FastAPI(
        title="kalix-local",
        version=VERSION,
        description="A local Kalix control plane (services, routes, secrets, hostnames).",
        lifespan=lifespan,
        # A trailing slash is another path (404), as on a Kubernetes API server, not a
        # 307 redirect nobody publishes.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.admin_token = ensure_admin_token(settings.data_dir)
    app.state.backend = backend
    app.state.watch_hub = WatchHub(store)
    shutdown.on_trigger(app.state.watch_hub.stop)  # open watch streams end at once
    app.state.faults = faults
    app.state.background = background
    app.state.federation = federation
    #: Triggered by the server's signal handler (kalix_local/__main__.py).
    app.state.shutdown = shutdown

    app.add_exception_handler(KalixError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    kinds = (services, routes, secrets, service_configs, external_secrets, object_storages)
    for module in (*kinds, stores, container_registry_configs, brokers, observabilities, projects):
        app.include_router(module.router)
    app.include_router(admin.router)
    app.include_router(admin.project_router)
    openapi.install(app)  # the raw-read request bodies, documented from the wire models
    # Added last = outermost: every response (faults included) gets a request id.
    app.add_middleware(FaultMiddleware, faults=faults)
    # Outside the faults (a refused request is never a fault's), inside the log.
    app.add_middleware(
        HostOriginGuard,
        bind_host=settings.host,
        port=settings.port,
        extra_hosts=settings.allowed_hosts,
    )
    app.add_middleware(RequestLogMiddleware)
    if settings.record_file is not None:  # outermost: records what clients saw, 500s too
        app.add_middleware(ExchangeRecorder, path=settings.record_file)
    return app
