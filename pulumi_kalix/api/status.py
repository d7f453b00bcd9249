"""The one error envelope: a Kubernetes `Status`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel

#: Reasons the control plane uses, as in Kubernetes `StatusReason`.
REASON_FOR_CODE: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class StatusCause(WireModel):
    field: str | None = None
    message: str
    reason: str | None = None


class StatusDetails(WireModel):
    name: str | None = None
    group: str | None = None
    kind: str | None = None
    uid: str | None = None
    causes: list[StatusCause] | None = None
    retry_after_seconds: int | None = None


class Status(WireModel):
    api_version: str = "v1"
    kind: Literal["Status"] = "Status"
    status: str = "Failure"
    message: str = ""
    reason: str = ""
    code: int = 500
    details: StatusDetails | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
