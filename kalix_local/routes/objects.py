"""Builds the router of one object kind: list (and watch), create, get, replace, patch,
delete. Handlers only parse, call the backend and return what it gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from kalix_local.backend import Backend
from kalix_local.backend.common import parse_field_selector, parse_label_selector
from kalix_local.backend.objects import ObjectBackend
from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, MergePatchBody, get_backend, require_token
from kalix_local.watch import DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, Watch
from pulumi_kalix.api import API_PREFIX, WireModel

KindGetter = Callable[[Backend], ObjectBackend]


def watch_response(
    request: Request,
    kind: ObjectBackend,
    project: str,
    field_selector: str | None,
    label_selector: str | None,
    resource_version: str | None,
    timeout_seconds: int | None,
) -> StreamingResponse:
    timeout = min(timeout_seconds or DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS)
    watch = Watch(
        request.app.state.watch_hub,
        kind,
        project,
        parse_field_selector(field_selector),
        parse_label_selector(label_selector),
        resource_version,
        timeout,
    )
    return StreamingResponse(
        watch.stream(),
        media_type="application/json",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def object_router(
    plural: str,
    tag: str,
    get_kind: KindGetter,
    model: type[WireModel],
    list_model: type[WireModel],
) -> APIRouter:
    """The router of one kind; ``model``/``list_model`` only document the bodies."""
    router = APIRouter(
        prefix=f"{API_PREFIX}/{{project}}/{plural}",
        tags=[tag],
        dependencies=[Depends(require_token)],
    )

    def list_objects(
        request: Request,
        project: str,
        label_selector: str | None = Query(None, alias="labelSelector"),
        field_selector: str | None = Query(None, alias="fieldSelector"),
        watch: bool = False,
        # ASCII digits that fit a SQLite integer: longer ones were a 500 (int() digit
        # limit) or overflowed SQLite inside the watch stream (a cut connection).
        resource_version: str | None = Query(
            None, alias="resourceVersion", pattern=r"^[0-9]*$", max_length=18
        ),
        timeout_seconds: int | None = Query(None, alias="timeoutSeconds", ge=1),
        include_deleted: bool = Query(False, alias="includeDeleted"),
    ) -> Any:
        kind = get_kind(get_backend(request))
        if watch:
            return watch_response(
                request,
                kind,
                project,
                field_selector,
                label_selector,
                resource_version,
                timeout_seconds,
            )
        result = kind.list(project, parse_label_selector(label_selector), include_deleted)
        name = parse_field_selector(field_selector)
        if name is not None:
            result["items"] = [o for o in result["items"] if o["metadata"]["name"] == name]
        return result

    def create_object(request: Request, project: str, body: JsonBody) -> Any:
        obj = get_kind(get_backend(request)).create(project, body)
        return JSONResponse(obj, status_code=201)

    def get_object(request: Request, project: str, name: str) -> Any:
        return get_kind(get_backend(request)).get(project, name)

    def replace_object(request: Request, project: str, name: str, body: JsonBody) -> Any:
        return get_kind(get_backend(request)).replace(project, name, body)

    def patch_object(request: Request, project: str, name: str, body: MergePatchBody) -> Any:
        return get_kind(get_backend(request)).patch(project, name, body)

    kind = model.__name__
    router.add_api_route(
        "",
        list_objects,
        methods=["GET"],
        name=f"list_{plural}",
        responses=openapi.responses(
            200, list_model, f"The {kind}List (with watch=true: newline-delimited events)"
        ),
    )
    router.add_api_route(
        "",
        create_object,
        methods=["POST"],
        name=f"create_{plural}",
        status_code=201,  # docs only: the handler returns its own 201 response
        responses=openapi.responses(201, model, f"The created {kind}"),
        openapi_extra=openapi.json_body(model),
    )
    router.add_api_route(
        "/{name}",
        get_object,
        methods=["GET"],
        name=f"get_{plural}",
        responses=openapi.responses(200, model, f"The {kind}"),
    )
    router.add_api_route(
        "/{name}",
        replace_object,
        methods=["PUT"],
        name=f"replace_{plural}",
        responses=openapi.responses(200, model, f"The replaced {kind}"),
        openapi_extra=openapi.json_body(model),
    )
    router.add_api_route(
        "/{name}",
        patch_object,
        methods=["PATCH"],
        name=f"patch_{plural}",
        responses=openapi.responses(200, model, f"The patched {kind}"),
        openapi_extra=openapi.merge_patch_body(model),
    )
    return router
