"""Routes of ``kalixbrokers``."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, get_backend
from kalix_local.routes.objects import object_router
from pulumi_kalix.api import KalixBroker, KalixBrokerList, Status

router = object_router(
    "kalixbrokers",
    "kalixbrokers",
    lambda b: b.brokers,
    KalixBroker,
    KalixBrokerList,
)


@router.delete(
    "/{name}",
    name="delete_kalixbrokers",
    responses=openapi.responses(200, Status, "A Status naming the deleted KalixBroker"),
    openapi_extra=openapi.delete_options_body(),
)
def delete_broker(request: Request, project: str, name: str, options: JsonBody) -> Any:
    """Answers a ``Status``; an optional ``DeleteOptions`` body may carry preconditions."""
    return get_backend(request).brokers.delete(project, name, options)
