"""Routes of ``kalixobjectstorages``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixObjectStorage, KalixObjectStorageList, Status

router = object_router(
    "kalixobjectstorages",
    "objectstorages",
    lambda b: b.object_storages,
    KalixObjectStorage,
    KalixObjectStorageList,
)


@router.delete(
    "/{name}",
    name="delete_kalixobjectstorages",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixObjectStorage"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_object_storage(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).object_storages.delete(project, name, options)
