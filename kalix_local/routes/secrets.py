"""Routes of ``kalixsecrets`` (data is write-only)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixSecret, KalixSecretList, Status

router = object_router("kalixsecrets", "secrets", lambda b: b.secrets, KalixSecret, KalixSecretList)


@router.delete(
    "/{name}",
    name="delete_kalixsecrets",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixSecret"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_secret(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).secrets.delete(project, name, options)
