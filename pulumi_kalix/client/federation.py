"""`Federation`: the gRPC federation plane of the Akka platform.

Tokens (`kalix.auth.v1alpha.Auth`), projects, regions, hostnames, role bindings and
service tokens (`kalix.projects.v1alpha.Projects`), over the method table in
:mod:`pulumi_kalix._proto.rpc`. Every call but the two token exchanges carries an
access token, which a `token` callable supplies (the session's cache); a call rejected
with UNAUTHENTICATED asks the cache for a fresh token once and is tried again.

gRPC status codes map onto the one error tree (:mod:`pulumi_kalix.errors`);
UNAVAILABLE and RESOURCE_EXHAUSTED are retried with backoff, DEADLINE_EXCEEDED only for
calls that are safe to repeat.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from .._proto import rpc
from .._proto.kalix.auth.v1alpha import auth_pb2
from .._proto.kalix.projects.v1alpha import projects_pb2
from ..errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from .control_plane import RetryPolicy

log = logging.getLogger("pulumi_kalix.client.federation")

DEFAULT_API_HOST = "api.kalix.io:443"
CALL_TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 100
FEDERATION_RETRY = RetryPolicy(max_retries=5, max_elapsed=60.0)

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

#: gRPC code -> (error class, HTTP-style status for messages and `status_code`).
_ERRORS: dict[grpc.StatusCode, tuple[type[APIStatusError], int]] = {
    grpc.StatusCode.UNAUTHENTICATED: (UnauthorizedError, 401),
    grpc.StatusCode.PERMISSION_DENIED: (ForbiddenError, 403),
    grpc.StatusCode.NOT_FOUND: (NotFoundError, 404),
    grpc.StatusCode.ALREADY_EXISTS: (AlreadyExistsError, 409),
    grpc.StatusCode.ABORTED: (ConflictError, 409),
    grpc.StatusCode.FAILED_PRECONDITION: (ConflictError, 409),
    grpc.StatusCode.INVALID_ARGUMENT: (InvalidError, 400),
    grpc.StatusCode.OUT_OF_RANGE: (InvalidError, 400),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (RateLimitedError, 429),
    grpc.StatusCode.UNIMPLEMENTED: (APIStatusError, 501),
    grpc.StatusCode.UNAVAILABLE: (ServerError, 503),
    grpc.StatusCode.INTERNAL: (ServerError, 500),
    grpc.StatusCode.UNKNOWN: (ServerError, 500),
    grpc.StatusCode.DATA_LOSS: (ServerError, 500),
}
_ALWAYS_RETRIED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
_RETRIED_IF_IDEMPOTENT = frozenset({grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED})


@dataclass(frozen=True)
class Endpoint:
    """Where the federation plane is: `host:port` means TLS, `http://host:port`
    plaintext (kalix-local), `https://host:port` TLS as well."""

    target: str
    tls: bool

    @classmethod
    def parse(cls, api_host: str) -> Endpoint:
        text = api_host.strip()
        if text.startswith("http://"):
            return cls(_host_port(text[len("http://") :], 80), tls=False)
        if text.startswith("https://"):
            return cls(_host_port(text[len("https://") :], 443), tls=True)
        if "://" in text:
            raise ValueError(f"unsupported scheme in {api_host!r}: use host:port or http://")
        return cls(_host_port(text, 443), tls=True)

    def __str__(self) -> str:
        return self.target if self.tls else f"http://{self.target}"


def _host_port(text: str, default_port: int) -> str:
    text = text.rstrip("/")
    if not text or "/" in text:
        raise ValueError(f"expected host:port, got {text!r}")
    if text.startswith("["):  # [::1]:9001
        return text if "]:" in text else f"{text}:{default_port}"
    return text if ":" in text else f"{text}:{default_port}"


def status_error(exc: grpc.RpcError, method: str, target: str) -> Exception:
    """A gRPC failure as an error of the one tree."""
    code = exc.code() if callable(getattr(exc, "code", None)) else grpc.StatusCode.UNKNOWN
    details = (exc.details() if callable(getattr(exc, "details", None)) else "") or ""
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return APITimeoutError(f"{method} at {target} timed out", method=method, url=target)
    if code == grpc.StatusCode.UNAVAILABLE and _unreachable(details):
        return APIConnectionError(
            f"could not reach the Akka federation plane at {target} ({method}): {details}",
            method=method,
            url=target,
        )
    cls, http = _ERRORS.get(code, (APIStatusError, 500))
    return cls(
        details or code.name,
        status_code=http,
        reason=code.name,
        method=method,
        url=target,
    )


def _unreachable(details: str) -> bool:
    text = details.lower()
    return any(
        word in text
        for word in ("failed to connect", "connection refused", "dns resolution", "unreachable")
    )


class Federation:
    """A synchronous client of the federation plane (one channel per endpoint).

    `token` returns the access token to send; `renew(token)` is called when the server
    rejected it, before the one retry that follows.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        token: Callable[[], str] | None = None,
        renew: Callable[[str], None] | None = None,
        retry: RetryPolicy = FEDERATION_RETRY,
        timeout: float = CALL_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        channel: grpc.Channel | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._token = token
        self._renew = renew
        self.retry = retry
        self.timeout = timeout
        self._sleep = sleep
        self._rng = rng or random.Random()
        if channel is None:
            if endpoint.tls:
                channel = grpc.secure_channel(endpoint.target, grpc.ssl_channel_credentials())
            else:
                channel = grpc.insecure_channel(endpoint.target)
        self._channel = channel

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Federation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never a token
        return f"Federation({str(self.endpoint)!r})"

    # -- the call loop ---------------------------------------------------------------

    def call(
        self,
        method: rpc.Method[Req, Resp],
        request: Req,
        *,
        bearer: str | None = None,
        idempotent: bool = True,
        repeatable: bool = True,
    ) -> Resp:
        """One RPC with auth, retries and error mapping. `bearer` is sent instead of
        the access token (the token exchanges send the credential they exchange).

        `idempotent=False` stops retries after a timeout; `repeatable=False` stops every
        retry that could repeat an applied call (UNAVAILABLE may come after the server
        acted): for a create whose repetition would make a second object."""
        stub = method.stub(self._channel)
        started = time.monotonic()
        attempt = 0
        renewed = False
        while True:
            token = bearer if bearer is not None else (self._token() if self._token else None)
            metadata = [("authorization", f"Bearer {token}")] if token else None
            try:
                return stub(request, timeout=self.timeout, metadata=metadata)
            except grpc.RpcError as exc:
                code = exc.code() if callable(getattr(exc, "code", None)) else None
                if (
                    code == grpc.StatusCode.UNAUTHENTICATED
                    and bearer is None
                    and self._renew is not None
                    and token
                    and not renewed
                ):
                    # The cached access token was revoked or expired early: once more
                    # with a freshly exchanged one.
                    renewed = True
                    self._renew(token)
                    continue
                details = exc.details() if callable(getattr(exc, "details", None)) else ""
                # Not reached at all (refused, no route): the call was never sent, so even
                # a create may be sent again, for the outage budget (a restart).
                outage = code == grpc.StatusCode.UNAVAILABLE and _unreachable(details or "")
                retry = outage or (
                    repeatable
                    and (
                        code in _ALWAYS_RETRIED
                        # a timeout, or a server shutting down that cancelled the call:
                        # it may have been applied, so only a call safe to repeat
                        or (code in _RETRIED_IF_IDEMPOTENT and idempotent)
                    )
                )
                delay = self.retry.delay(attempt, None, self._rng, outage=outage)
                elapsed = time.monotonic() - started
                if not retry or not self.retry.allows(attempt, elapsed + delay, outage=outage):
                    error = status_error(exc, method.name, str(self.endpoint))
                    # Callers of calls that are not idempotent need to know whether an
                    # earlier attempt may have been applied (a create meeting itself).
                    error.attempts = attempt + 1  # type: ignore[attr-defined]
                    raise error from None
                log.debug(
                    "retry %d/%d of %s in %.2fs after %s",
                    attempt + 1,
                    self.retry.max_retries,
                    method.name,
                    delay,
                    code.name if code else "an error",
                )
                self._sleep(delay)
                attempt += 1

    def _pages(
        self, method: rpc.Method[Req, Resp], request: Callable[[str], Req], items: str
    ) -> list[Any]:
        """Every item of a paged list call (`items`: the response's repeated field),
        following `next_page_token`; bounded, as a server that never ends is a bug."""
        found: list[Any] = []
        token = ""
        for _ in range(10_000):
            page = self.call(method, request(token))
            found.extend(getattr(page, items))
            token = getattr(page, "next_page_token")  # noqa: B009 - every list response
            if not token:
                return found
        raise ServerError(f"{method.name} never ended its pages", status_code=500)

    # -- auth --------------------------------------------------------------------------

    def create_access_token(self, refresh_token: str) -> auth_pb2.AccessToken:
        """Exchange a refresh or service token for a short-lived access token."""
        return self.call(
            rpc.CREATE_ACCESS_TOKEN, auth_pb2.CreateAccessTokenRequest(), bearer=refresh_token
        )

    def exchange_oidc_token(
        self, subject_token: str, audience: str
    ) -> auth_pb2.CreateOAuthTokenResponse:
        """RFC 8693 token exchange of an OIDC ID token (CI, workload identity)."""
        request = auth_pb2.CreateOAuthTokenRequest(
            grant_type=rpc.TOKEN_EXCHANGE_GRANT,
            audience=audience,
            requested_token_type=rpc.ACCESS_TOKEN_TYPE,
            subject_token=subject_token,
            subject_token_type=rpc.ID_TOKEN_TYPE,
        )
        return self.call(rpc.CREATE_OAUTH_TOKEN, request, bearer="")

    def current_token(self) -> auth_pb2.CurrentToken:
        return self.call(rpc.GET_CURRENT_TOKEN, auth_pb2.GetCurrentTokenRequest())

    # -- projects and regions ------------------------------------------------------------

    def list_projects(self, page_size: int = PAGE_SIZE) -> Iterator[projects_pb2.Project]:
        """Every project the token sees, page after page."""
        token = ""
        for _ in range(10_000):  # bounded: a server that never ends its pages is a bug
            page = self.call(
                rpc.LIST_PROJECTS,
                projects_pb2.ListProjectsRequest(page_size=page_size, page_token=token),
            )
            yield from page.projects
            token = page.next_page_token
            if not token:
                return
        raise ServerError("ListProjects never ended its pages", status_code=500)

    def get_project(self, project_id: str) -> projects_pb2.Project:
        return self.call(
            rpc.GET_PROJECT, projects_pb2.GetProjectRequest(name=f"projects/{project_id}")
        )

    def list_regions(self, project_id: str) -> list[projects_pb2.Region]:
        return self._pages(
            rpc.LIST_REGIONS,
            lambda token: projects_pb2.ListRegionsRequest(
                parent=f"projects/{project_id}", page_size=PAGE_SIZE, page_token=token
            ),
            "regions",
        )

    def create_project(
        self, friendly_name: str, *, description: str, region_id: str, organization_name: str
    ) -> projects_pb2.Project:
        """A new project (its UUID is the server's). Never repeated once it may have been
        sent: a repeat would make a second project, so the caller resolves a lost answer
        by looking for the name."""
        request = projects_pb2.CreateProjectRequest(
            friendly_name=friendly_name,
            description=description,
            region_id=region_id,
            organization_name=organization_name,
        )
        return self.call(rpc.CREATE_PROJECT, request, idempotent=False, repeatable=False)

    def update_project(
        self, project_id: str, *, friendly_name: str | None = None, description: str | None = None
    ) -> projects_pb2.Project:
        """Set the friendly name and/or description (only the fields given)."""
        paths = [
            path
            for path, value in (("friendly_name", friendly_name), ("description", description))
            if value is not None
        ]
        request = projects_pb2.UpdateProjectRequest(
            project=projects_pb2.Project(
                name=f"projects/{project_id}",
                friendly_name=friendly_name or "",
                description=description or "",
            ),
            update_mask=field_mask_pb2.FieldMask(paths=paths),
        )
        return self.call(rpc.UPDATE_PROJECT, request)

    def delete_project(self, project_id: str) -> None:
        self.call(
            rpc.DELETE_PROJECT, projects_pb2.DeleteProjectRequest(name=f"projects/{project_id}")
        )

    # -- role bindings and service tokens ------------------------------------------------

    def list_role_bindings(self, project_id: str) -> list[projects_pb2.RoleBinding]:
        return self._pages(
            rpc.LIST_ROLE_BINDINGS,
            lambda token: projects_pb2.ListRoleBindingsRequest(
                parent=f"projects/{project_id}", page_size=PAGE_SIZE, page_token=token
            ),
            "role_bindings",
        )

    def create_role_binding(
        self, project_id: str, role: str, principal: str
    ) -> projects_pb2.RoleBinding:
        """Grant `role` to `principal`. Not repeated once it may have been sent (the
        caller can tell its binding from a list)."""
        request = projects_pb2.CreateRoleBindingRequest(
            parent=f"projects/{project_id}/roles/{role}",
            role_binding=projects_pb2.RoleBinding(principal=principal),
        )
        return self.call(rpc.CREATE_ROLE_BINDING, request, idempotent=False, repeatable=False)

    def delete_role_binding(self, name: str) -> None:
        """`name`: projects/<project-id>/roles/<role>/bindings/<binding-id>."""
        self.call(rpc.DELETE_ROLE_BINDING, projects_pb2.DeleteRoleBindingRequest(name=name))

    def list_tokens(self, project_id: str) -> list[projects_pb2.ServiceToken]:
        return self._pages(
            rpc.LIST_TOKENS,
            lambda token: projects_pb2.ListTokensRequest(
                parent=f"projects/{project_id}", page_size=PAGE_SIZE, page_token=token
            ),
            "tokens",
        )

    def create_token(
        self, project_id: str, description: str, scopes: list[int]
    ) -> projects_pb2.ServiceTokenValue:
        """A new service token; its value is in this answer only. Never repeated once it
        may have been sent (a repeat would make a second token)."""
        request = projects_pb2.CreateTokenRequest(
            parent=f"projects/{project_id}",
            description=description,
            scopes=scopes,  # type: ignore[arg-type]  # enum values as ints
        )
        return self.call(rpc.CREATE_TOKEN, request, idempotent=False, repeatable=False)

    def delete_token(self, name: str) -> None:
        """`name`: projects/<project-id>/tokens/<token-id>."""
        self.call(rpc.DELETE_TOKEN, projects_pb2.DeleteTokenRequest(name=name))

    # -- hostnames -------------------------------------------------------------------------

    def list_hostnames(self, project_id: str) -> list[projects_pb2.Hostname]:
        response = self.call(
            rpc.LIST_HOSTNAMES, projects_pb2.ListHostnamesRequest(parent=f"projects/{project_id}")
        )
        return list(response.hostnames)

    def create_hostname(
        self,
        project_id: str,
        name: str = "",
        *,
        global_: bool = False,
        skip_provision_cert: bool = False,
    ) -> list[projects_pb2.Hostname]:
        """Reserve `name` (empty: a generated one); returns the project's hostnames.

        Not repeated on a timeout: a create whose answer was lost is resolved by the
        caller, who can tell its own hostname from the list. A generated one is not
        repeated at all (a repeat would generate a second name).
        """
        hostname = projects_pb2.Hostname(
            name=name, skip_provision_cert=skip_provision_cert, **{"global": global_}
        )
        request = projects_pb2.CreateHostnameRequest(
            parent=f"projects/{project_id}", hostname=hostname
        )
        answer = self.call(rpc.CREATE_HOSTNAME, request, idempotent=False, repeatable=bool(name))
        return list(answer.hostnames)

    def delete_hostname(self, project_id: str, name: str) -> None:
        self.call(
            rpc.DELETE_HOSTNAME,
            projects_pb2.DeleteHostnameRequest(name=f"projects/{project_id}/hostnames/{name}"),
        )

    def update_hostname(
        self, project_id: str, name: str, *, global_: bool, skip_provision_cert: bool
    ) -> None:
        """Set the `global` and `skip_provision_cert` flags in place."""
        hostname = projects_pb2.Hostname(
            name=name, skip_provision_cert=skip_provision_cert, **{"global": global_}
        )
        request = projects_pb2.UpdateHostnameRequest(
            name=f"projects/{project_id}/hostnames/{name}",
            hostname=hostname,
            update_mask=field_mask_pb2.FieldMask(paths=["global", "skip_provision_cert"]),
        )
        self.call(rpc.UPDATE_HOSTNAME, request)


def message_dict(message: Any) -> dict[str, Any]:
    """A message as a dict of its set fields (for logs and outputs), field names as in
    the proto."""
    from google.protobuf.json_format import MessageToDict

    result: dict[str, Any] = MessageToDict(message, preserving_proto_field_name=True)
    return result


__all__ = ["DEFAULT_API_HOST", "Endpoint", "Federation", "message_dict", "status_error"]
