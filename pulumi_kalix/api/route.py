"""`KalixRoute` (`kalixroutes`): a hostname, ordered path prefixes, CORS and TLS.

Shapes follow OAS `RouteSpec` (see `service.py`). Where the Kalix/Akka route descriptor
reference documents a rule (host and routes required, prefixes start with `/`, HTTP
basic realm and hashes required), the model keeps it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .service import ObjectRef
from .sync import ResourceSync

RouteSummary = Literal["Ready", "Validating", "DnsNotVerified", "NotConfigured"]
ROUTE_SUMMARIES: tuple[str, ...] = ("Ready", "Validating", "DnsNotVerified", "NotConfigured")
#: The HTTP methods of RFC 9110. OAS `RouteSpecCorsPolicy.allowMethods` has no enum
#: ("GET, POST, DELETE, etc."), so the server accepts any HTTP token (`HTTP_TOKEN`).
CORS_METHODS: tuple[str, ...] = (
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "TRACE",
    "CONNECT",
)
#: RFC 9110 `token` (what an HTTP method is).
HTTP_TOKEN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
PASSWORD_HASH_PATTERN = r"^(sha256|sha384|sha512):[A-Za-z0-9+/]+=*$"


class RouteDestination(WireModel):
    # Optional in OAS; a route to no service routes nowhere (the descriptor: "the name of
    # a service in this project").
    service: str


class RouteRule(WireModel):
    name: str | None = None
    # OAS: absent = every request; the route descriptor reference: "Must start with a /".
    prefix: str = Field(default="/", pattern=r"^/")
    route: RouteDestination
    enable_web_sockets: bool | None = None
    allow_streaming: bool | None = None


class RouteTls(WireModel):
    client_validation_ca: ObjectRef | None = None
    server_certificate: ObjectRef | None = None


class StringMatcher(WireModel):
    """OAS: "must have one and only one of the possible matches defined"."""

    exact: str | None = None
    has_prefix: str | None = None
    has_suffix: str | None = None
    regex: str | None = None


class ClientCertificateValidation(WireModel):
    subject_matches: list[StringMatcher]


class HttpBasic(WireModel):
    realm: str
    password_hashes: dict[str, str]


class RouteValidation(WireModel):
    client_certificate: ClientCertificateValidation | None = None
    http_basic: HttpBasic | None = None


class CorsPolicy(WireModel):
    allow_origins: list[str] | None = None
    allow_methods: list[Annotated[str, Field(pattern=HTTP_TOKEN)]] | None = None


class RouteSpec(WireModel):
    host: str
    routes: list[RouteRule] = Field(min_length=1)
    tls: RouteTls | None = None
    cors_policy: CorsPolicy | None = None
    validation: RouteValidation | None = None
    resource_sync: ResourceSync | None = None


class RouteStatus(WireModel):
    """The published `KalixRouteStatus`: conditions (`metav1.Condition`, which may carry a
    per-condition `observedGeneration`) and the resource sync status. There is no
    summary; the CLI-style status is derived from the conditions
    (:func:`pulumi_kalix.awaiting.route_summary`)."""

    conditions: list[Condition] | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixRoute(WireModel):
    api_version: str = API_VERSION
    kind: Literal["KalixRoute"] = "KalixRoute"
    metadata: ObjectMeta
    spec: RouteSpec
    status: RouteStatus | None = None


class KalixRouteList(ObjectList[KalixRoute]):
    kind: str = "KalixRouteList"
