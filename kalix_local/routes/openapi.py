"""OpenAPI documentation of the bodies the routers read raw.

Request bodies are parsed by hand (``deps.json_body``) and checked with
``strict_validate``, so FastAPI cannot see them. This module documents them (and the
object responses) from the wire models, for the docs only: nothing here takes part in
parsing or validation.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from kalix_local.hostname_models import Hostname, HostnameCreate, HostnameList, Project
from kalix_local.routes.deps import MERGE_PATCH
from pulumi_kalix.api import (
    ContainerRegistryConfig,
    ContainerRegistryConfigList,
    DeleteOptions,
    ExternalSecret,
    ExternalSecretList,
    KalixBroker,
    KalixBrokerList,
    KalixObjectStorage,
    KalixObjectStorageList,
    KalixObservability,
    KalixObservabilityList,
    KalixRoute,
    KalixRouteList,
    KalixSecret,
    KalixSecretList,
    KalixService,
    KalixServiceConfig,
    KalixServiceConfigList,
    KalixServiceList,
    KalixStore,
    KalixStoreList,
    Status,
    WireModel,
)

_MODELS: tuple[type[WireModel], ...] = (
    KalixService,
    KalixServiceList,
    KalixRoute,
    KalixRouteList,
    KalixSecret,
    KalixSecretList,
    KalixServiceConfig,
    KalixServiceConfigList,
    ExternalSecret,
    ExternalSecretList,
    KalixObjectStorage,
    KalixObjectStorageList,
    KalixStore,
    KalixStoreList,
    ContainerRegistryConfig,
    ContainerRegistryConfigList,
    KalixBroker,
    KalixBrokerList,
    KalixObservability,
    KalixObservabilityList,
    HostnameCreate,
    Hostname,
    HostnameList,
    Project,
    Status,
    DeleteOptions,
)

# One generation for every model, so shared parts (ObjectMeta, Condition...) get one
# name each; refs point straight into components/schemas, where install() puts them.
_REFS, _DEFS = models_json_schema(
    [(m, "validation") for m in _MODELS],
    by_alias=True,
    ref_template="#/components/schemas/{model}",
)
#: Schemas to add to ``components/schemas`` (see :func:`install`).
SCHEMAS: dict[str, Any] = dict(_DEFS.get("$defs", {}))


def schema_ref(model: type[WireModel]) -> dict[str, Any]:
    """``{"$ref": "#/components/schemas/<Model>"}`` for one of the documented models."""
    return dict(_REFS[(model, "validation")])


def json_body(model: type[WireModel], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a POST/PUT whose JSON body has the shape of ``model``."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": schema_ref(model)}},
        }
    }


def delete_options_body() -> dict[str, Any]:
    """``openapi_extra`` for a DELETE: the optional ``DeleteOptions`` body, of which
    kalix-local honours ``preconditions`` (a mismatch is a 409 Conflict)."""
    extra = json_body(DeleteOptions, required=False)
    extra["requestBody"]["description"] = (
        "Optional. preconditions.uid / preconditions.resourceVersion must match the "
        "stored object, else 409 Conflict and nothing is deleted. Unknown fields and "
        "dryRun are refused (400)."
    )
    return extra


def merge_patch_body(model: type[WireModel]) -> dict[str, Any]:
    """``openapi_extra`` for a PATCH: an RFC 7386 merge patch onto ``model``."""
    description = (
        f"A JSON merge patch (RFC 7386) applied to the stored {model.__name__}; "
        "null deletes a field. The merged object must be a valid "
        f"{model.__name__}. metadata.resourceVersion, if set, must be current."
    )
    return {
        "requestBody": {
            "required": True,
            "content": {MERGE_PATCH: {"schema": {"type": "object", "description": description}}},
        }
    }


def responses(code: int, model: type[WireModel] | None, description: str) -> dict[int | str, Any]:
    """``responses=`` for a route: its success body and the ``Status`` error envelope.

    Declaring ``default`` also stops FastAPI from documenting its own 422
    ``HTTPValidationError``, which this API never sends (errors are ``Status``).
    """
    success: dict[str, Any] = {"description": description}
    if model is not None:
        success["content"] = {"application/json": {"schema": schema_ref(model)}}
    error = {
        "description": "An error, as a Kubernetes Status envelope",
        "content": {"application/json": {"schema": schema_ref(Status)}},
    }
    return {code: success, "default": error}


def install(app: FastAPI) -> None:
    """Add :data:`SCHEMAS` to the app's generated OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
