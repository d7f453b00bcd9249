"""Routes of ``kalixobservabilities`` (v1beta1; ``azureMonitor.connectionString`` is
write-only)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import (
    API_VERSION_V1BETA1,
    KalixObservability,
    KalixObservabilityList,
    Status,
)

router = object_router(
    "kalixobservabilities",
    "observabilities",
    lambda b: b.observabilities,
    KalixObservability,
    KalixObservabilityList,
    api_version=API_VERSION_V1BETA1,
)


@router.delete(
    "/{name}",
    name="delete_kalixobservabilities",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixObservability"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_observability(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).observabilities.delete(project, name, options)
