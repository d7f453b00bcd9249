"""The federation-plane methods we use, as one typed table for clients and servers.

Written by hand instead of generated ``*_pb2_grpc.py`` stubs, which refuse to import
under a grpcio older than the generator (pulumi allows grpcio >= 1.68.1). Every entry
is checked against the generated descriptors in ``tests/federation/test_protos.py``.

A client binds a method to a channel (sync or ``grpc.aio``)::

    token = rpc.CREATE_ACCESS_TOKEN.stub(channel)(
        auth_pb2.CreateAccessTokenRequest(), metadata=[("authorization", f"Bearer {t}")]
    )

a server turns an object with one method per RPC into a handler::

    server.add_generic_rpc_handlers([rpc.AUTH.handler(servicer)])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)

Metadata = Sequence[tuple[str, str]]


class UnaryStub(Generic[Req, Resp]):
    """A typed unary-unary call on a ``grpc.Channel``."""

    def __init__(self, callable_: Any) -> None:
        self._callable = callable_

    def __call__(
        self, request: Req, *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Resp:
        response: Resp = self._callable(request, timeout=timeout, metadata=metadata)
        return response


class AsyncUnaryStub(Generic[Req, Resp]):
    """A typed unary-unary call on a ``grpc.aio.Channel``."""

    def __init__(self, callable_: Any) -> None:
        self._callable = callable_

    async def __call__(
        self, request: Req, *, timeout: float | None = None, metadata: Metadata | None = None
    ) -> Resp:
        response: Resp = await self._callable(request, timeout=timeout, metadata=metadata)
        return response


@dataclass(frozen=True)
class Method(Generic[Req, Resp]):
    service: str
    name: str
    request: type[Req]
    response: type[Resp]

    @property
    def path(self) -> str:
        """The HTTP/2 path of the call, e.g. ``/kalix.auth.v1alpha.Auth/CreateAccessToken``."""
        return f"/{self.service}/{self.name}"

    def _bind(self, channel: Any) -> Any:
        return channel.unary_unary(
            self.path,
            request_serializer=self.request.SerializeToString,
            response_deserializer=self.response.FromString,
        )

    def stub(self, channel: grpc.Channel) -> UnaryStub[Req, Resp]:
        return UnaryStub(self._bind(channel))

    def async_stub(self, channel: grpc.aio.Channel) -> AsyncUnaryStub[Req, Resp]:
        return AsyncUnaryStub(self._bind(channel))

    def handler(self, behaviour: Callable[[Req, Any], Resp | Awaitable[Resp]]) -> Any:
        """A ``grpc.RpcMethodHandler`` calling ``behaviour(request, context)``."""
        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=self.request.FromString,
            response_serializer=self.response.SerializeToString,
        )


@dataclass(frozen=True)
class Service:
    name: str
    methods: tuple[Method[Any, Any], ...]

    def handler(
        self, servicer: object, wrap: Callable[[Method[Any, Any], Any], Any] | None = None
    ) -> Any:
        """A ``grpc.GenericRpcHandler`` serving each method with the servicer's attribute
        of the same name (``servicer.CreateAccessToken(request, context)``); ``wrap``
        may decorate each behaviour (logging, errors). A missing method fails here, at
        start, not on the first call."""
        missing = [m.name for m in self.methods if not callable(getattr(servicer, m.name, None))]
        if missing:
            raise TypeError(f"{type(servicer).__name__} lacks {', '.join(missing)} of {self.name}")
        handlers = {}
        for method in self.methods:
            behaviour = getattr(servicer, method.name)
            handlers[method.name] = method.handler(wrap(method, behaviour) if wrap else behaviour)
        return grpc.method_handlers_generic_handler(self.name, handlers)


AUTH_SERVICE = "kalix.auth.v1alpha.Auth"
PROJECTS_SERVICE = "kalix.projects.v1alpha.Projects"

CREATE_ACCESS_TOKEN: Method[auth_pb2.CreateAccessTokenRequest, auth_pb2.AccessToken] = Method(
    AUTH_SERVICE, "CreateAccessToken", auth_pb2.CreateAccessTokenRequest, auth_pb2.AccessToken
)
GET_CURRENT_TOKEN: Method[auth_pb2.GetCurrentTokenRequest, auth_pb2.CurrentToken] = Method(
    AUTH_SERVICE, "GetCurrentToken", auth_pb2.GetCurrentTokenRequest, auth_pb2.CurrentToken
)
CREATE_OAUTH_TOKEN: Method[auth_pb2.CreateOAuthTokenRequest, auth_pb2.CreateOAuthTokenResponse] = (
    Method(
        AUTH_SERVICE,
        "CreateOAuthToken",
        auth_pb2.CreateOAuthTokenRequest,
        auth_pb2.CreateOAuthTokenResponse,
    )
)

LIST_PROJECTS: Method[projects_pb2.ListProjectsRequest, projects_pb2.ListProjectsResponse] = Method(
    PROJECTS_SERVICE,
    "ListProjects",
    projects_pb2.ListProjectsRequest,
    projects_pb2.ListProjectsResponse,
)
GET_PROJECT: Method[projects_pb2.GetProjectRequest, projects_pb2.Project] = Method(
    PROJECTS_SERVICE, "GetProject", projects_pb2.GetProjectRequest, projects_pb2.Project
)
LIST_REGIONS: Method[projects_pb2.ListRegionsRequest, projects_pb2.ListRegionsResponse] = Method(
    PROJECTS_SERVICE,
    "ListRegions",
    projects_pb2.ListRegionsRequest,
    projects_pb2.ListRegionsResponse,
)
CREATE_HOSTNAME: Method[projects_pb2.CreateHostnameRequest, projects_pb2.ListHostnamesResponse] = (
    Method(
        PROJECTS_SERVICE,
        "CreateHostname",
        projects_pb2.CreateHostnameRequest,
        projects_pb2.ListHostnamesResponse,
    )
)
LIST_HOSTNAMES: Method[projects_pb2.ListHostnamesRequest, projects_pb2.ListHostnamesResponse] = (
    Method(
        PROJECTS_SERVICE,
        "ListHostnames",
        projects_pb2.ListHostnamesRequest,
        projects_pb2.ListHostnamesResponse,
    )
)
DELETE_HOSTNAME: Method[projects_pb2.DeleteHostnameRequest, empty_pb2.Empty] = Method(
    PROJECTS_SERVICE, "DeleteHostname", projects_pb2.DeleteHostnameRequest, empty_pb2.Empty
)
UPDATE_HOSTNAME: Method[projects_pb2.UpdateHostnameRequest, empty_pb2.Empty] = Method(
    PROJECTS_SERVICE, "UpdateHostname", projects_pb2.UpdateHostnameRequest, empty_pb2.Empty
)

CREATE_PROJECT: Method[projects_pb2.CreateProjectRequest, projects_pb2.Project] = Method(
    PROJECTS_SERVICE, "CreateProject", projects_pb2.CreateProjectRequest, projects_pb2.Project
)
DELETE_PROJECT: Method[projects_pb2.DeleteProjectRequest, empty_pb2.Empty] = Method(
    PROJECTS_SERVICE, "DeleteProject", projects_pb2.DeleteProjectRequest, empty_pb2.Empty
)
UPDATE_PROJECT: Method[projects_pb2.UpdateProjectRequest, projects_pb2.Project] = Method(
    PROJECTS_SERVICE, "UpdateProject", projects_pb2.UpdateProjectRequest, projects_pb2.Project
)
LIST_ROLE_BINDINGS: Method[
    projects_pb2.ListRoleBindingsRequest, projects_pb2.ListRoleBindingsResponse
] = Method(
    PROJECTS_SERVICE,
    "ListRoleBindings",
    projects_pb2.ListRoleBindingsRequest,
    projects_pb2.ListRoleBindingsResponse,
)
CREATE_ROLE_BINDING: Method[projects_pb2.CreateRoleBindingRequest, projects_pb2.RoleBinding] = (
    Method(
        PROJECTS_SERVICE,
        "CreateRoleBinding",
        projects_pb2.CreateRoleBindingRequest,
        projects_pb2.RoleBinding,
    )
)
DELETE_ROLE_BINDING: Method[projects_pb2.DeleteRoleBindingRequest, empty_pb2.Empty] = Method(
    PROJECTS_SERVICE, "DeleteRoleBinding", projects_pb2.DeleteRoleBindingRequest, empty_pb2.Empty
)
CREATE_TOKEN: Method[projects_pb2.CreateTokenRequest, projects_pb2.ServiceTokenValue] = Method(
    PROJECTS_SERVICE, "CreateToken", projects_pb2.CreateTokenRequest, projects_pb2.ServiceTokenValue
)
LIST_TOKENS: Method[projects_pb2.ListTokensRequest, projects_pb2.ListTokensResponse] = Method(
    PROJECTS_SERVICE, "ListTokens", projects_pb2.ListTokensRequest, projects_pb2.ListTokensResponse
)
DELETE_TOKEN: Method[projects_pb2.DeleteTokenRequest, empty_pb2.Empty] = Method(
    PROJECTS_SERVICE, "DeleteToken", projects_pb2.DeleteTokenRequest, empty_pb2.Empty
)

AUTH = Service(AUTH_SERVICE, (CREATE_ACCESS_TOKEN, GET_CURRENT_TOKEN, CREATE_OAUTH_TOKEN))
PROJECTS = Service(
    PROJECTS_SERVICE,
    (
        LIST_PROJECTS,
        GET_PROJECT,
        LIST_REGIONS,
        CREATE_HOSTNAME,
        LIST_HOSTNAMES,
        DELETE_HOSTNAME,
        UPDATE_HOSTNAME,
        CREATE_PROJECT,
        DELETE_PROJECT,
        UPDATE_PROJECT,
        LIST_ROLE_BINDINGS,
        CREATE_ROLE_BINDING,
        DELETE_ROLE_BINDING,
        CREATE_TOKEN,
        LIST_TOKENS,
        DELETE_TOKEN,
    ),
)
SERVICES = (AUTH, PROJECTS)

#: Calls authenticated by the credential they exchange, not by an access token.
EXCHANGE_METHODS = frozenset({CREATE_ACCESS_TOKEN.path, CREATE_OAUTH_TOKEN.path})

#: RFC 8693 identifiers the token exchange uses (the official SDK sends these).
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
