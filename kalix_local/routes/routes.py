"""Routes of ``kalixroutes``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixRoute, KalixRouteList, Status

router = object_router("kalixroutes", "routes", lambda b: b.routes, KalixRoute, KalixRouteList)


@router.delete(
    "/{name}",
    name="delete_kalixroutes",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixRoute"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_route(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).routes.delete(project, name, options)
