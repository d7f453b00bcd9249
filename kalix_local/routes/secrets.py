"""Routes of ``kalixsecrets`` (data is write-only)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kalix_local.routes.deps import get_backend
from kalix_local.routes.objects import object_router

router = object_router("kalixsecrets", "secrets", lambda b: b.secrets)


@router.delete("/{name}", name="delete_kalixsecrets")
def delete_secret(request: Request, project: str, name: str) -> Any:
    return get_backend(request).secrets.delete(project, name)
