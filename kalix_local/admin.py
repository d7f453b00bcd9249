"""The admin API under ``/_local/``: scenarios for tests and demos. Only from loopback,
and only with the admin credential (``Authorization: Bearer <data dir>/admin-token``;
:mod:`kalix_local.credentials`); never under an API path, so faults never apply to it.
``HostOriginGuard`` (:mod:`kalix_local.http_guard`) refuses foreign hosts and cross-site
writes before a request gets here.

Faults: ``/_local/faults`` on the control plane (:mod:`kalix_local.faults`) and
``/_local/federation/faults`` on the federation plane (modes ``unavailable``,
``lost-answer`` and ``late`` with ``delaySeconds``; :mod:`kalix_local.federation.faults`).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kalix_local.backend import Backend
from kalix_local.backend.projects import create_project_token
from kalix_local.credentials import ADMIN_TOKEN_FILE, bearer_matches
from kalix_local.dns import Route53Resolver, StaticResolver
from kalix_local.errors import BadRequest, Conflict, Forbidden, Invalid, Unauthorized
from kalix_local.faults import Faults, FaultSpec
from kalix_local.federation.faults import MAX_COUNT, MAX_LATE_SECONDS
from kalix_local.routes.deps import JsonBody, get_backend, require_token

M = TypeVar("M", bound=BaseModel)

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def require_loopback(request: Request) -> None:
    host = request.client.host if request.client else None
    if host not in _LOOPBACK and not (host or "").startswith("127."):
        raise Forbidden("the admin API is only served to loopback clients")


def require_admin(request: Request) -> None:
    """Every admin endpoint, reads too: they show tokens' projects, settings and faults."""
    if not bearer_matches(request.headers.get("authorization"), request.app.state.admin_token):
        data_dir = request.app.state.settings.data_dir
        raise Unauthorized(
            f"the admin API needs the admin credential: send "
            f'"Authorization: Bearer $(cat {data_dir / ADMIN_TOKEN_FILE})"',
            headers={"WWW-Authenticate": 'Bearer realm="kalix-local admin"'},
        )


router = APIRouter(
    prefix="/_local",
    tags=["admin"],
    dependencies=[Depends(require_loopback), Depends(require_admin)],
)
#: Local extensions a project's own user calls with the project's token (which fills the
#: one ``Authorization`` header), like ``akka service restore``: not admin operations.
project_router = APIRouter(
    prefix="/_local", tags=["admin"], dependencies=[Depends(require_loopback)]
)


class FailImage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = "ImagePullBackOff"
    message: str | None = None


class SettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rollout_step_seconds: float | None = Field(
        default=None, ge=0.001, le=3600, alias="rolloutStepSeconds"
    )
    dns_recheck_seconds: float | None = Field(
        default=None, ge=0.01, le=86_400, alias="dnsRecheckSeconds"
    )
    status_lag_seconds: float | None = Field(default=None, ge=0, le=3600, alias="statusLagSeconds")
    fail_images: dict[str, FailImage] | None = Field(default=None, alias="failImages")


class GrpcFaultSpec(BaseModel):
    """Body of ``POST /_local/federation/faults``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    method: str = Field(min_length=1)
    mode: Literal["unavailable", "lost-answer", "late"]
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    #: late only: seconds until the call is carried out (default 1)
    delay_seconds: float | None = Field(
        default=None, ge=0, le=MAX_LATE_SECONDS, allow_inf_nan=False, alias="delaySeconds"
    )


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    projects: list[str] = Field(min_length=1, max_length=100)


def _parse(model: type[M], body: Any, kind: str) -> M:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        causes = [
            (".".join(str(p) for p in err["loc"]) or "body", err["msg"]) for err in exc.errors()
        ]
        raise Invalid(kind, "", causes) from None


def _faults(request: Request) -> Faults:
    faults: Faults = request.app.state.faults
    return faults


def _static(backend: Backend) -> StaticResolver:
    resolver = backend.core.resolver
    if not isinstance(resolver, StaticResolver):
        raise Conflict(
            f"DNS records can only be set with the static resolver (this server uses "
            f"{resolver.name}; start it with --dns-resolver static)"
        )
    return resolver


@router.post("/reset")
def reset(request: Request) -> Any:
    """Wipe objects, hostnames, events, settings, faults and static DNS records; keep
    projects and tokens."""
    backend = get_backend(request)
    if request.app.state.federation is not None:
        # First: a late call still waiting must not write into the wiped state.
        request.app.state.federation.faults.clear()
    with backend.core.store.tx() as tx:
        tx.reset()
    backend.core.clear_overrides()
    _faults(request).clear()
    if isinstance(backend.core.resolver, StaticResolver):
        backend.core.resolver.clear()
    elif isinstance(backend.core.resolver, Route53Resolver):
        backend.core.resolver.invalidate()  # zones may have been recreated with new ids
    return {"reset": True}


@router.get("/settings")
def get_settings(request: Request) -> Any:
    return get_backend(request).core.runtime()


@router.patch("/settings")
def patch_settings(request: Request, body: JsonBody) -> Any:
    patch = _parse(SettingsPatch, body, "Settings")
    values = patch.model_dump(by_alias=True, exclude_unset=True)
    backend = get_backend(request)
    with backend.core.store.tx() as tx:
        for key, value in values.items():
            tx.set_setting(key, value)
        if "statusLagSeconds" in values:
            # A shorter lag applies to the reactions still waiting, too (lag 0: now).
            react_at = backend.core.clock() + float(values["statusLagSeconds"])
            for kind in ("KalixService", "KalixRoute"):
                tx.hurry_pending(kind, react_at)
    backend.core.set_overrides(values)
    # New speeds or failing images apply from the next step.
    backend.core.wake_rollouts()
    backend.core.wake_routes()
    return backend.core.runtime()


@router.get("/dns/records")
def get_dns_records(request: Request) -> Any:
    return _static(get_backend(request)).records()


@router.put("/dns/records")
def put_dns_records(request: Request, body: JsonBody) -> Any:
    """Replace every static CNAME record with ``{host: target}``."""
    resolver = _static(get_backend(request))
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object of host to CNAME target")
    try:
        resolver.set_records(body)
    except ValueError as exc:
        raise Invalid("DnsRecords", "", [("body", str(exc))]) from None
    return resolver.records()


@router.post("/dns/recheck")
def recheck_dns(request: Request) -> Any:
    """Check every route's DNS now; returns once the new statuses are stored."""
    changed = get_backend(request).routes.recheck_all()
    return {"changed": changed}


@router.get("/projects")
def list_projects(request: Request) -> Any:
    """Every project: ``{"projects": [{"id": UUID, "name": friendly name}]}``."""
    rows = get_backend(request).projects.list_projects()
    return {"projects": [{"id": r.id, "name": r.name} for r in rows]}


@router.post("/projects")
def create_project(request: Request, body: JsonBody) -> Any:
    """Create a project (if missing) and a new refresh token for it; returns its id too."""
    project = _parse(ProjectCreate, body, "Project")
    return get_backend(request).projects.create_project(project.name)


@router.post("/tokens")
def create_token(request: Request, body: JsonBody) -> Any:
    """A new token for one or more projects (created if missing)."""
    spec = _parse(TokenCreate, body, "Token")
    token = create_project_token(get_backend(request).core.store, *spec.projects)
    return {"token": token, "projects": spec.projects}


@router.post("/faults")
def add_fault(request: Request, body: JsonBody) -> Any:
    spec = _parse(FaultSpec, body, "Fault")
    return _faults(request).add(spec).to_json()


@router.get("/faults")
def list_faults(request: Request) -> Any:
    return {"faults": _faults(request).list()}


@router.delete("/faults")
def clear_faults(request: Request) -> Any:
    _faults(request).clear()
    return {"faults": []}


@project_router.post(
    "/namespaces/{project}/kalixservices/{name}/restore",
    dependencies=[Depends(require_token)],
)
def restore_service(request: Request, project: str, name: str) -> Any:
    """Undo a soft delete, like `akka service restore` (no request body). Not part of the
    published control plane, so it lives here, under the local prefix."""
    return get_backend(request).services.restore(project, name)


def _grpc_faults(request: Request) -> Any:
    federation = request.app.state.federation
    if federation is None:
        raise BadRequest("this server does not serve the federation plane")
    return federation.faults


@router.get("/federation/faults")
def list_grpc_faults(request: Request) -> Any:
    return {"faults": _grpc_faults(request).list()}


@router.post("/federation/faults")
def add_grpc_fault(request: Request, body: JsonBody) -> Any:
    """Inject a gRPC fault: `{"method": "CreateHostname", "mode": "lost-answer",
    "count": 1}`. Modes: `unavailable` (refused), `lost-answer` (carried out, answered
    UNAVAILABLE) and `late` (answered UNAVAILABLE at once, carried out `delaySeconds`
    later, default 1, at most 30; CreateHostname, DeleteHostname and UpdateHostname
    only)."""
    faults = _grpc_faults(request)
    spec = _parse(GrpcFaultSpec, body, "GrpcFault")
    try:
        fault = faults.add(spec.method, spec.mode, spec.count, spec.delay_seconds)
    except ValueError as exc:
        raise Invalid("GrpcFault", "", [("body", str(exc))]) from None
    return fault.to_dict()


@router.delete("/federation/faults")
def clear_grpc_faults(request: Request) -> Any:
    _grpc_faults(request).clear()
    return {"faults": []}
