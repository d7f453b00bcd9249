"""Dependencies shared by the routers: the backend, auth and the JSON body."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Depends, Request

from kalix_local.backend import Backend
from kalix_local.config import MAX_BODY_BYTES
from kalix_local.errors import BadRequest, TooLarge, UnsupportedMediaType

MERGE_PATCH = "application/merge-patch+json"
# json.loads turns a lone "\ud800" escape into a str that cannot be encoded as UTF-8:
# SQLite and every JSON response would then fail (500), so such a body is rejected.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def require_token(request: Request, project: str) -> None:
    """Every API path: 401 without a valid token, 403 for another project's token.

    The path may name the project by id or (legacy mode) friendly name; the handlers
    must see the id, under which everything is stored. FastAPI solves a route's
    dependencies before it reads the handler's path parameters from this same dict, so
    rewriting it here hands every handler the id without each resolving it again.
    """
    project_id = get_backend(request).projects.authorize(
        request.headers.get("authorization"), project
    )
    request.scope["path_params"]["project"] = project_id


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _has_lone_surrogate(value: Any) -> bool:
    stack: list[Any] = [value]  # iterative: the body may be nested close to the recursion limit
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except RecursionError:
        # json.loads recurses once per nesting level: "[[[[..." would be a 500.
        raise BadRequest("the request body is not valid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if _has_lone_surrogate(value):
        raise BadRequest(
            "the request body is not valid JSON: it contains an unpaired UTF-16 surrogate "
            "(\\ud800-\\udfff), which is not valid Unicode"
        )
    return value


async def json_body(request: Request) -> Any:
    """The parsed JSON body of a POST/PUT (None when empty)."""
    raw = await read_body(request)
    media = _media_type(request)
    if raw.strip() and media not in ("application/json", ""):
        raise UnsupportedMediaType(f'unsupported media type "{media}": send application/json')
    return _parse(raw)


async def merge_patch_body(request: Request) -> Any:
    """The parsed body of a PATCH; only JSON merge patch (RFC 7386) is supported."""
    raw = await read_body(request)
    media = _media_type(request)
    if media != MERGE_PATCH:
        raise UnsupportedMediaType(
            f'unsupported patch type "{media or "(none)"}": send {MERGE_PATCH}'
        )
    body = _parse(raw)
    if body is None:
        raise BadRequest("the patch body is empty")
    return body


JsonBody = Annotated[Any, Depends(json_body)]
MergePatchBody = Annotated[Any, Depends(merge_patch_body)]
