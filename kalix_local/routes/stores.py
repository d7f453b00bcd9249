"""Routes of ``kalixstores`` (``postgres.ssl.password`` is write-only)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixStore, KalixStoreList, Status

router = object_router("kalixstores", "stores", lambda b: b.stores, KalixStore, KalixStoreList)


@router.delete(
    "/{name}",
    name="delete_kalixstores",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixStore"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_store(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).stores.delete(project, name, options)
