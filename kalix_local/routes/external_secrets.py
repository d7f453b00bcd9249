"""Routes of ``externalsecrets``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import ExternalSecret, ExternalSecretList, Status

router = object_router(
    "externalsecrets",
    "externalsecrets",
    lambda b: b.external_secrets,
    ExternalSecret,
    ExternalSecretList,
)


@router.delete(
    "/{name}",
    name="delete_externalsecrets",
    responses=openapi.responses(200, Status, "A Status naming the deleted ExternalSecret"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_external_secret(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).external_secrets.delete(project, name, options)
