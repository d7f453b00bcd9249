"""Domain errors. Backends raise them; one handler in app.py turns each into a Status."""

from __future__ import annotations

from typing import Any


class KalixError(Exception):
    """An error the API reports as a Kubernetes ``Status`` envelope."""

    code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        causes: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.kind = kind
        self.causes = causes or []
        self.headers = headers or {}

    def to_status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name is not None:
            details["name"] = self.name
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [
                {"field": f, "message": m, "reason": _cause_reason(m)} for f, m in self.causes
            ]
        return status_body(self.code, self.reason, self.message, details)


def _cause_reason(message: str) -> str:
    return "FieldValueNotSupported" if message.startswith("unknown field") else "FieldValueInvalid"


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class BadRequest(KalixError):
    code, reason = 400, "BadRequest"


class Unauthorized(KalixError):
    code, reason = 401, "Unauthorized"


class Forbidden(KalixError):
    code, reason = 403, "Forbidden"


class NotFound(KalixError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(KalixError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(KalixError):
    code, reason = 409, "AlreadyExists"


class Conflict(KalixError):
    code, reason = 409, "Conflict"


class Gone(KalixError):
    """A watch asked for a resourceVersion older than the kept event history."""

    code, reason = 410, "Expired"


class TooLarge(KalixError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(KalixError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(KalixError):
    code, reason = 422, "Invalid"

    def __init__(self, kind: str, name: str, causes: list[tuple[str, str]], **kwargs: Any) -> None:
        detail = "; ".join(f"{f}: {m}" for f, m in causes)
        super().__init__(
            f'{kind} "{name}" is invalid: {detail}', name=name, kind=kind, causes=causes, **kwargs
        )


class InternalError(KalixError):
    code, reason = 500, "InternalError"
