"""Federation-plane routes: the project and its hostnames."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from kalix_local.hostname_models import (
    HOSTNAMES_PREFIX,
    Hostname,
    HostnameCreate,
    HostnameList,
    Project,
)
from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend, require_token

router = APIRouter(
    prefix=f"{HOSTNAMES_PREFIX}/{{project}}",
    tags=["projects"],
    dependencies=[Depends(require_token)],
)


@router.get("", name="get_project", responses=openapi.responses(200, Project, "The project"))
def get_project(request: Request, project: str) -> Any:
    return get_backend(request).projects.get_project(project)


@router.get(
    "/hostnames",
    name="list_hostnames",
    responses=openapi.responses(200, HostnameList, "The project's hostnames"),
)
def list_hostnames(request: Request, project: str) -> Any:
    return get_backend(request).hostnames.list_hostnames(project)


@router.post(
    "/hostnames",
    name="create_hostname",
    responses=openapi.responses(200, HostnameList, "The created hostname (a one-item list)"),
    openapi_extra=openapi.json_body(HostnameCreate, required=False),  # no body = {}
)
def create_hostname(request: Request, project: str, body: JsonBody) -> Any:
    """``{}`` (or no body) for a generated hostname, ``{"name": ...}`` for a custom one."""
    return get_backend(request).hostnames.create_hostname(project, {} if body is None else body)


@router.get(
    "/hostnames/{name}",
    name="get_hostname",
    responses=openapi.responses(200, Hostname, "The hostname"),
)
def get_hostname(request: Request, project: str, name: str) -> Any:
    return get_backend(request).hostnames.get_hostname(project, name)


@router.delete(
    "/hostnames/{name}",
    name="delete_hostname",
    responses=openapi.responses(200, None, "Deleted (an empty object)"),
)
def delete_hostname(request: Request, project: str, name: str) -> Any:
    return get_backend(request).hostnames.delete_hostname(project, name)
