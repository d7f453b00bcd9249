"""The one error tree of pulumi-kalix.

```
KalixError
├── ConfigurationError          a required setting is missing or malformed
├── APIConnectionError          the control plane could not be reached (`answer_lost`
│   │                           False) or the answer to a sent request was lost (True)
│   └── APITimeoutError         ... or did not answer in time
├── APIStatusError              the control plane answered with an error Status
│   ├── BadRequestError         400
│   ├── UnauthorizedError       401  (no or unknown token)
│   ├── ForbiddenError          403  (token of another project)
│   ├── NotFoundError           404
│   ├── AlreadyExistsError      409  reason AlreadyExists
│   ├── ConflictError           409  reason Conflict (stale resourceVersion, object in use)
│   │   └── PreconditionFailedError  ... a DELETE's uid / resourceVersion precondition
│   ├── InvalidError            422  (with field causes)
│   ├── RateLimitedError        429
│   └── ServerError             5xx
└── WaitError                   awaiting a state failed
    ├── WaitTimeoutError        the state was not reached in time
    └── ResourceFailedError     the control plane reported a terminal failure
```
Every API error carries the HTTP status, the Status `reason` and `message`, the field
causes and the request id, so a failure can be matched with the server's log line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first needed: the resource classes import this module
    import httpx

    from .api import Status


class KalixError(Exception):
    """Base class of every error raised by pulumi-kalix."""


class ConfigurationError(KalixError):
    """A setting is missing or malformed; the message names the config key to set."""


class APIConnectionError(KalixError):
    """No answer. `answer_lost` tells the two cases apart: False, the server was never
    reached (connection refused, connect timeout: nothing was sent); True, the request
    was sent and the connection dropped or timed out before the answer, so the server
    may have applied it."""

    def __init__(
        self, message: str, *, method: str = "", url: str = "", answer_lost: bool = False
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.answer_lost = answer_lost


class APITimeoutError(APIConnectionError):
    pass


class APIStatusError(KalixError):
    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        reason: str = "",
        causes: list[tuple[str, str]] | None = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.message = message
        self.causes = causes or []
        self.request_id = request_id
        self.method = method
        self.url = url
        self.retry_after = retry_after
        self.body = body
        text = f"{status_code} {reason}: {message}" if reason else f"{status_code}: {message}"
        if request_id:
            text += f" (request id {request_id})"
        super().__init__(text)


class BadRequestError(APIStatusError):
    pass


class UnauthorizedError(APIStatusError):
    pass


class ForbiddenError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class AlreadyExistsError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class PreconditionFailedError(ConflictError):
    """A DELETE's `DeleteOptions.preconditions` did not hold: the object is there, but
    it is not the one (uid) or not the version (resourceVersion) named; nothing was
    deleted. (An object that is gone is not this: `delete` answers `None`.)"""


class InvalidError(APIStatusError):
    pass


class RateLimitedError(APIStatusError):
    pass


class ServerError(APIStatusError):
    pass


class WaitError(KalixError):
    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        #: The last object seen while waiting (None if it never existed).
        self.last = last


class WaitTimeoutError(WaitError):
    pass


class ResourceFailedError(WaitError):
    pass


#: How the Kubernetes API server words a failed DELETE precondition (in a 409 Conflict).
PRECONDITION_FAILED = "Precondition failed:"

_BY_CODE: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    422: InvalidError,
    429: RateLimitedError,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (the delta-seconds form; dates are not used by Kalix)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def make_status_error(response: httpx.Response) -> APIStatusError:
    """Map an error response (ideally a Kubernetes Status) onto the error tree."""
    from .api import Status

    code = response.status_code
    body: Any = None
    status: Status | None = None
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("kind") == "Status":
            status = Status.model_validate(body)
    except ValueError:
        body = response.text
    reason = status.reason if status else ""
    message = status.message if status and status.message else (response.text or "")[:500]
    causes = [
        (c.field or "", c.message)
        for c in ((status.details.causes or []) if status and status.details else [])
    ]
    if code == 409:
        cls: type[APIStatusError] = (
            AlreadyExistsError if reason == "AlreadyExists" else ConflictError
        )
        # Kubernetes has no reason of its own for it, only the message it words.
        if cls is ConflictError and PRECONDITION_FAILED in message:
            cls = PreconditionFailedError
    elif code >= 500:
        cls = ServerError
    else:
        cls = _BY_CODE.get(code, APIStatusError)
    request: httpx.Request | None
    try:
        request = response.request
    except RuntimeError:  # a response built by hand has no request
        request = None
    # The id the server echoed, else the one we sent (what the server logged).
    request_id = response.headers.get("x-request-id") or (
        request.headers.get("x-request-id") if request else None
    )
    return cls(
        message or response.reason_phrase,
        status_code=code,
        reason=reason or response.reason_phrase,
        causes=causes,
        request_id=request_id,
        method=request.method if request else "",
        url=str(request.url) if request else "",
        retry_after=retry_after_seconds(response),
        body=body,
    )
