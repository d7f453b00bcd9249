"""`KalixRoute` (`kalixroutes`): a hostname, ordered path prefixes, CORS and TLS."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel
from .meta import API_VERSION, Condition, ObjectList, ObjectMeta
from .service import ObjectRef

RouteSummary = Literal["Ready", "Validating", "DnsNotVerified", "NotConfigured"]
ROUTE_SUMMARIES: tuple[str, ...] = ("Ready", "Validating", "DnsNotVerified", "NotConfigured")
CORS_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
PASSWORD_HASH_PATTERN = r"^(sha256|sha384|sha512):[A-Za-z0-9+/]+=*$"


class RouteDestination(WireModel):
    service: str


class RouteRule(WireModel):
    name: str | None = None
    prefix: str = Field(default="/", pattern=r"^/")
    route: RouteDestination
    enable_web_sockets: bool | None = None
    allow_streaming: bool | None = None


class RouteTls(WireModel):
    client_validation_ca: ObjectRef | None = None
    server_certificate: ObjectRef | None = None


class StringMatcher(WireModel):
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
    allow_methods: list[str] | None = None


class RouteSpec(WireModel):
    host: str
    routes: list[RouteRule] = Field(min_length=1)
    tls: RouteTls | None = None
    cors_policy: CorsPolicy | None = None
    validation: RouteValidation | None = None


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
