"""Routes of ``kalixserviceconfigs``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixServiceConfig, KalixServiceConfigList, Status

router = object_router(
    "kalixserviceconfigs",
    "serviceconfigs",
    lambda b: b.service_configs,
    KalixServiceConfig,
    KalixServiceConfigList,
)


@router.delete(
    "/{name}",
    name="delete_kalixserviceconfigs",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixServiceConfig"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_service_config(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).service_configs.delete(project, name, options)
