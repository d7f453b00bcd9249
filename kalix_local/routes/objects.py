"""Builds the router of one object kind: list (and watch), create, get, replace, patch;
each kind's module adds its delete (optional ``DeleteOptions`` body, whose
preconditions the backend checks). Handlers only parse, call the backend and return
what it gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from kalix_local.backend import Backend
from kalix_local.backend.common import parse_field_selector, parse_label_selector
from kalix_local.backend.objects import ObjectBackend
from kalix_local.errors import BadRequest
from kalix_local.routes import openapi
from kalix_local.routes.deps import JsonBody, MergePatchBody, get_backend, require_token
from kalix_local.watch import DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, Watch
from pulumi_kalix.api import API_VERSION, WireModel, api_prefix

KindGetter = Callable[[Backend], ObjectBackend]
#: What pydantic (and so FastAPI) reads as a boolean query parameter.
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
# ASCII digits that fit a SQLite integer: longer ones were a 500 (int() digit limit) or
# overflowed SQLite inside the watch stream (a cut connection).
_MAX_VERSION_DIGITS = 18
_PUBLISHED = "Not in the published contract; ignored by a server started with --no-watch."


def _bad_parameter(field: str, message: str) -> BadRequest:
    return BadRequest(f"invalid request parameters: {field}: {message}", causes=[(field, message)])


def watch_parameters(
    watch: str | None, resource_version: str | None, timeout_seconds: str | None
) -> tuple[bool, str | None, int | None]:
    """The watch parameters, checked by hand: a server without watch ignores them, so
    they cannot be typed query parameters."""
    wanted = False
    if watch is not None:
        if watch.lower() not in _TRUE | _FALSE:
            raise _bad_parameter("watch", "must be a boolean (true or false)")
        wanted = watch.lower() in _TRUE
    if resource_version is not None and (
        len(resource_version) > _MAX_VERSION_DIGITS
        or not all("0" <= c <= "9" for c in resource_version)
    ):
        raise _bad_parameter(
            "resourceVersion", f"must be at most {_MAX_VERSION_DIGITS} ASCII digits"
        )
    timeout: int | None = None
    if timeout_seconds is not None:
        text = timeout_seconds.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_VERSION_DIGITS:
            raise _bad_parameter("timeoutSeconds", "must be a positive integer")
        timeout = int(text)
        if timeout < 1:
            raise _bad_parameter("timeoutSeconds", "must be a positive integer")
    return wanted, resource_version, timeout


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
        watch.stream(),  # ends at the shutdown: the hub stops every stream
        media_type="application/json",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _json(body: bytes) -> Response:
    """A JSON body already encoded (the content type ``JSONResponse`` sends)."""
    return Response(body, media_type="application/json")


def object_router(
    plural: str,
    tag: str,
    get_kind: KindGetter,
    model: type[WireModel],
    list_model: type[WireModel],
    api_version: str = API_VERSION,
) -> APIRouter:
    """The router of one kind; ``model``/``list_model`` only document the bodies."""
    router = APIRouter(
        prefix=f"{api_prefix(api_version)}/{{project}}/{plural}",
        tags=[tag],
        dependencies=[Depends(require_token)],
    )

    def list_objects(
        request: Request,
        project: str,
        label_selector: str | None = Query(None, alias="labelSelector"),
        field_selector: str | None = Query(
            None, alias="fieldSelector", description=f"metadata.name=<name>. {_PUBLISHED}"
        ),
        watch: str | None = Query(None, description=f"Stream events. {_PUBLISHED}"),
        resource_version: str | None = Query(
            None, alias="resourceVersion", description=f"Watch from here. {_PUBLISHED}"
        ),
        timeout_seconds: str | None = Query(
            None, alias="timeoutSeconds", description=f"End a watch after. {_PUBLISHED}"
        ),
        include_deleted: bool = Query(False, alias="includeDeleted"),
    ) -> Any:
        kind = get_kind(get_backend(request))
        labels = parse_label_selector(label_selector)
        if not request.app.state.settings.watch:
            # Like a control plane without watch: a plain list whatever was asked.
            return _json(kind.list_body(project, labels, include_deleted))
        streaming, resource_version, timeout = watch_parameters(
            watch, resource_version, timeout_seconds
        )
        if streaming:
            return watch_response(
                request,
                kind,
                project,
                field_selector,
                label_selector,
                resource_version,
                timeout,
            )
        name = parse_field_selector(field_selector)
        # The stored published texts, joined: no item is decoded, rendered or encoded.
        return _json(kind.list_body(project, labels, include_deleted, name))

    def create_object(request: Request, project: str, body: JsonBody) -> Any:
        obj = get_kind(get_backend(request)).create(project, body)
        return JSONResponse(obj, status_code=201)

    def get_object(request: Request, project: str, name: str) -> Any:
        return _json(get_kind(get_backend(request)).get_body(project, name))

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
