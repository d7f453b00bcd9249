"""Routes of ``kalixservices``: the common verbs and soft/hard delete (restoring a
soft-deleted service is a local extension: ``/_local/namespaces/.../restore``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixService, KalixServiceList, Status

router = object_router(
    "kalixservices", "services", lambda b: b.services, KalixService, KalixServiceList
)


@router.delete(
    "/{name}",
    name="delete_kalixservices",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixService"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_service(
    request: Request, project: str, name: str, options: JsonBody, hard: bool = False
) -> Any:
    """Soft delete (restorable) unless ``hard=true``; answers a ``Status`` either way. An
    optional ``DeleteOptions`` body may carry preconditions (checked for both)."""
    return get_backend(request).services.delete(project, name, options, hard=hard)
