"""Routes of ``containerregistryconfigs``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import ContainerRegistryConfig, ContainerRegistryConfigList, Status

router = object_router(
    "containerregistryconfigs",
    "containerregistryconfigs",
    lambda b: b.container_registry_configs,
    ContainerRegistryConfig,
    ContainerRegistryConfigList,
)


@router.delete(
    "/{name}",
    name="delete_containerregistryconfigs",
    responses=openapi.responses(200, Status, "A Status naming the deleted ContainerRegistryConfig"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_container_registry_config(
    request: Request, project: str, name: str, options: JsonBody
) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).container_registry_configs.delete(project, name, options)
