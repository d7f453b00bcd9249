"""`kalix.Route`: a hostname and ordered path prefixes to services, with CORS and mTLS.

```python
route = kalix.Route("shop", hostname=host.hostname,
                    paths={"/example.ecommerce.ShoppingCart": svc.name},
                    cors_origins=["https://www.example.com"])
```
`paths` is ordered (the first matching prefix wins): a dict `{prefix: service}` in
insertion order, or a list of :class:`PathRule` for WebSocket/streaming flags.
After each change the class waits (briefly, never failing) for the control plane to
finish validating, so `status` is the validation's result; with `wait_for_dns=True`
it waits until the route is `Ready` and fails after `dns_timeout` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY, LAST_WRITE_KEY
from ._program import (
    AwaitError,
    UnsetInputs,
    await_state,
    claim_input,
    derived_outputs,
    mark_run_started,
    program_settings,
    progress_logger,
    refuse_import,
    report_health,
    untrack_registration_outputs,
    without_unset,
    written_in_this_run,
)
from .errors import WaitTimeoutError

if TYPE_CHECKING:
    from .api import KalixRoute
    from .client import AsyncControlPlane

DEFAULT_DNS_TIMEOUT = 600.0
#: How long to wait for a validation result when not waiting for DNS.
SETTLE_TIMEOUT = 30.0
#: Outputs the provider computes (`RouteProvider.computed`): declared as None inputs.
COMPUTED_KEYS = ("status", "conditions", "host", "url", "generation", "uid")


@dataclass(frozen=True)
class PathRule:
    """One path rule: requests whose path starts with `prefix` go to `service`."""

    #: the path prefix, e.g. `/` or a gRPC service's `/package.Service`
    prefix: str
    #: the name of the service the requests go to (e.g. `svc.name`)
    service: Input[str]
    #: `enableWebSockets`; None leaves it unset (the platform's default, off)
    websockets: bool | None = None
    #: `allowStreaming`; None leaves it unset (off)
    streaming: bool | None = None
    #: the rule's name (optional; the platform's `name` of a path rule)
    name: str | None = None

    def to_input(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"prefix": self.prefix, "service": self.service}
        for key in ("websockets", "streaming"):
            if getattr(self, key) is not None:
                rule[key] = getattr(self, key)
        if self.name:
            rule["name"] = self.name
        return rule


@dataclass(frozen=True)
class HttpBasic:
    """HTTP basic authentication; passwords are hashed here, in the program."""

    #: the realm browsers show
    realm: str
    #: user -> password (use `config.require_secret(...)`); only the hashes leave the program
    credentials: Mapping[str, Input[str]]
    #: the hash function (a `hashlib` name); hashes are sent as `<algorithm>:<base64>`
    algorithm: str = "sha256"

    def to_input(self) -> Output[dict[str, Any]]:
        users = sorted(self.credentials)

        def hashed(passwords: list[str]) -> dict[str, Any]:
            digests = {
                user: f"{self.algorithm}:"
                + base64.b64encode(hashlib.new(self.algorithm, pw.encode()).digest()).decode()
                for user, pw in zip(users, passwords, strict=True)
            }
            return {"realm": self.realm, "password_hashes": digests}

        return Output.secret(Output.all(*[self.credentials[u] for u in users]).apply(hashed))


def path_inputs(
    paths: Mapping[str, Input[str]] | Sequence[PathRule | Mapping[str, Any]],
) -> Any:
    """Ordered rules; a plain dict keeps its insertion order (protobuf maps would not).
    Anything else (a tuple, a string) is passed on as it is: the provider's check
    refuses it naming `paths[i]`, where `dict()` here would raise a bare ValueError."""
    if isinstance(paths, Mapping):
        return [PathRule(prefix, service).to_input() for prefix, service in paths.items()]
    if isinstance(paths, str):
        return paths  # refused by check: "paths is required"
    return [_path_input(p) for p in paths]


def _path_input(rule: Any) -> Any:
    if isinstance(rule, PathRule):
        return rule.to_input()
    if isinstance(rule, Mapping):
        return dict(rule)
    return list(rule) if isinstance(rule, tuple) else rule


class Route(UnsetInputs, Resource, module="kalix", name="Route"):
    name: Output[str]
    hostname: Output[str]
    paths: Output[list[dict[str, Any]]]
    project: Output[str]
    #: Ready | Validating | DnsNotVerified | NotConfigured
    status: Output[str]
    #: the published status conditions, `status` is derived from them
    conditions: Output[list[dict[str, Any]]]
    #: the hostname the route serves (`spec.host`)
    host: Output[str]
    #: `https://<host>`
    url: Output[str]
    #: the object's `metadata.generation`
    generation: Output[int]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        hostname: Input[str],
        paths: Mapping[str, Input[str]] | Sequence[PathRule | Mapping[str, Any]],
        name: Input[str] | None = None,
        cors_origins: Input[Sequence[Input[str]]] | None = None,
        cors_methods: Input[Sequence[Input[str]]] | None = None,
        client_ca_secret: Input[str] | None = None,
        client_certificate_subjects: Input[Sequence[Input[str | Mapping[str, str]]]] | None = None,
        server_certificate_secret: Input[str] | None = None,
        http_basic: HttpBasic | None = None,
        resource_sync: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        wait_for_dns: bool = False,
        dns_timeout: float = DEFAULT_DNS_TIMEOUT,
        fail_if_not_configured: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param hostname: a hostname of the project (e.g. `Hostname(...).hostname`).
        :param paths: ordered `{prefix: service}` or a list of :class:`PathRule`.
        :param name: the route's name (default: the resource name); a change replaces it.
        :param cors_origins: enable CORS for these origins.
        :param cors_methods: the HTTP methods CORS allows for them.
        :param client_ca_secret: a `tls-ca` Secret; clients must present a certificate it signed.
        :param client_certificate_subjects: allowed subjects (`*.acme.org`, `client.*`, exact),
            or a matcher map with one of `exact`, `has_prefix`, `has_suffix`, `regex`
            (`{"regex": "^client-[0-9]+[.]acme[.]org$"}`).
        :param server_certificate_secret: a `tls` Secret replacing the platform certificate.
        :param http_basic: :class:`HttpBasic` realm and credentials (hashed in the program).
        :param resource_sync: `global` or `regional` (multi-region projects); unset keeps
            the live value, `""` removes it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing route of that name that this resource did
            not create.
        :param wait_for_dns: wait until DNS validation passes and the route is Ready.
        :param dns_timeout: seconds to wait for that (default 600).
        :param fail_if_not_configured: fail the `up` when the route was applied but
            cannot serve because a service or hostname it names does not exist (by
            default that is a warning on the route's row: the service may come later,
            from another stack).
        """
        # The provider (wire models, httpx) is imported on first use, not with this module.
        from .provider.route import RouteProvider

        refuse_import("route", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "hostname": hostname,
            "paths": path_inputs(paths),
            "cors_origins": cors_origins,
            "cors_methods": cors_methods,
            "client_ca_secret": client_ca_secret,
            "client_certificate_subjects": client_certificate_subjects,
            "server_certificate_secret": server_certificate_secret,
            "http_basic": http_basic.to_input() if http_basic else None,
            "resource_sync": resource_sync,
            "project": project,
            "adopt": adopt,
            "wait_for_dns": wait_for_dns,
            "dns_timeout": dns_timeout,
            CLAIM_KEY: claim_input(Route, resource_name, opts),
            **dict.fromkeys((*COMPUTED_KEYS, LAST_WRITE_KEY)),
        }
        mark_run_started()
        props = without_unset(self, props, keep=("project", *COMPUTED_KEYS, LAST_WRITE_KEY))
        super().__init__(RouteProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
        if not pulumi.runtime.is_dry_run():
            self._await_validation(wait_for_dns, dns_timeout, fail_if_not_configured)

    def _await_validation(self, wait_for_dns: bool, timeout: float, strict: bool) -> None:
        from .awaiting import (
            RouteReadiness,
            WriteMark,
            last_condition_message,
            route_configuration_problem,
            route_summary,
        )
        from .provider.route import RouteProvider

        log = progress_logger(self)

        async def validated(args: list[Any]) -> dict[str, Any]:
            name, project, mark = str(args[0]), str(args[1]), WriteMark.from_output(args[2])
            if not written_in_this_run(mark.at):
                return await unchanged(name, project, args[3:])
            windows = program_settings().windows
            ready = RouteReadiness(mark, settled_only=not wait_for_dns, windows=windows)

            def settled(obj: KalixRoute | None) -> bool:
                done = ready(obj)
                if obj is not None and obj.status is not None and ready.current(obj):
                    log(f"{route_summary(obj.status.conditions)}: {last_condition_message(obj)}")
                return done

            async def run(client: AsyncControlPlane) -> KalixRoute | None:
                wait = timeout if wait_for_dns else SETTLE_TIMEOUT
                try:
                    return await client.routes.wait_for(
                        name, settled, timeout=wait, written_version=mark.version or None
                    )
                except WaitTimeoutError as exc:
                    if wait_for_dns:
                        raise
                    return exc.last  # type: ignore[no-any-return]

            obj = await await_state(
                kind="route",
                name=name,
                project=project,
                timeout=timeout,
                run=run,
                describe=_describe,
                resource=self,
            )
            if obj is None:
                raise AwaitError(f"route {name!r} in project {project!r} disappeared")
            problem = route_configuration_problem(obj.status.conditions if obj.status else [])
            if problem is not None:
                # Applied, but it cannot serve (a service or hostname it names does not
                # exist): said on the route's row, and a failure only when asked.
                message = f"route {name!r} in project {project!r} is NotConfigured: {problem}"
                if strict:
                    pulumi.log.error(f"{message} (fail_if_not_configured=True)", self)
                    raise AwaitError(f"{message} (fail_if_not_configured=True)")
                pulumi.log.warn(message, self)
            return RouteProvider.computed(obj)

        async def unchanged(name: str, project: str, stored: list[Any]) -> dict[str, Any]:
            def healthy(obj: KalixRoute) -> bool:
                status = route_summary(obj.status.conditions if obj.status else [])
                # Without wait_for_dns a route waiting for its DNS record is as expected.
                return status == "Ready" or (status != "NotConfigured" and not wait_for_dns)

            obj = await report_health(
                kind="route",
                name=name,
                project=project,
                collection=lambda client: client.routes,
                healthy=healthy,
                describe=_describe,
                resource=self,
            )
            if obj is None:
                keys = ("status", "conditions", "url")
                return dict(zip(keys, stored, strict=True))
            return RouteProvider.computed(obj)

        last_write: Output[Any] = getattr(self, LAST_WRITE_KEY)
        picks: dict[str, Callable[[dict[str, Any]], Any]] = {
            "status": lambda r: str(r["status"]),
            "conditions": lambda r: list(r["conditions"]),
        }
        if wait_for_dns:
            picks["url"] = lambda r: str(r["url"])
        ready = derived_outputs(
            (self.name, self.project, last_write, self.status, self.conditions, self.url),
            validated,
            picks,
        )
        self.status, self.conditions = ready["status"], ready["conditions"]
        if wait_for_dns:
            self.url = ready["url"]

    # -- Kalix route descriptors ---------------------------------------------------------

    @classmethod
    def from_descriptor(
        cls,
        path_or_text: str | os.PathLike[str],
        resource_name: str | None = None,
        *,
        hostname: Input[str] | None = None,
        **overrides: Any,
    ) -> Route:
        """A Route from a Kalix route descriptor (the YAML of `kalix route export`), or
        from a Route document of an Akka project descriptor (the one named
        `resource_name`, or the only one; without a `host` it needs `hostname=`).

        ```python
        route = kalix.Route.from_descriptor("route.yaml", "shop", hostname=host.hostname)
        ```
        :param path_or_text: a file path, or the descriptor's YAML text.
        :param resource_name: default: the `name=` override (a descriptor has no name).
        :param hostname: replaces the descriptor's `host` (e.g. a generated Hostname's).
        :param overrides: Route keyword arguments (`name=`, `project=`, `opts=`, ...).
        :raises DescriptorError: for an invalid descriptor.
        """
        from .descriptors import DescriptorError, route_inputs
        from .descriptors.project import load_route_any, route_with_host

        wanted = resource_name or overrides.get("name")
        spec = load_route_any(path_or_text, wanted if isinstance(wanted, str) else None)
        if spec.host is None and hostname is None:
            raise DescriptorError.one(
                "spec.host", "the route names no host: pass hostname= (e.g. a Hostname's)"
            )
        # A project-descriptor Route may leave its host to hostname=, which replaces it.
        inputs = route_inputs(route_with_host(spec, spec.host or "-"))
        resource_name = resource_name or overrides.get("name")
        if not isinstance(resource_name, str) or not resource_name:
            raise DescriptorError.one(
                "", "a route descriptor has no name: pass resource_name or name="
            )
        basic = inputs.pop("http_basic")
        kwargs: dict[str, Any] = {k: v for k, v in inputs.items() if v is not None}
        kwargs["paths"] = [PathRule(**rule) for rule in inputs["paths"]]
        if basic:
            kwargs["http_basic"] = HashedHttpBasic(
                realm=basic["realm"], password_hashes=basic["password_hashes"]
            )
        if hostname is not None:
            kwargs["hostname"] = hostname
        kwargs.update(overrides)
        return cls(resource_name, **kwargs)

    def descriptor(self) -> Output[str]:
        """This route as a Kalix route descriptor (YAML), from its inputs (a secret
        output when HTTP basic password hashes are part of it)."""
        from .descriptors import route_descriptor

        keys = (
            *("hostname", "paths", "cors_origins", "cors_methods", "client_ca_secret"),
            *("client_certificate_subjects", "server_certificate_secret", "http_basic"),
        )
        values = Output.all(*(getattr(self, k) for k in keys))
        return values.apply(lambda v: route_descriptor(dict(zip(keys, v, strict=True))))


def _describe(obj: KalixRoute | None) -> str:
    from .awaiting import last_condition_message, route_summary

    if obj is None:
        return "the route does not exist"
    summary = route_summary(obj.status.conditions if obj.status else None)
    return f"status {summary}; last condition: {last_condition_message(obj)}"


@dataclass(frozen=True)
class HashedHttpBasic(HttpBasic):
    """HTTP basic authentication from password hashes (`sha256:<base64>`), as a route
    descriptor or `kalix route export` has them; for adopting routes whose passwords
    are not known. Prefer :class:`HttpBasic` with the passwords themselves."""

    credentials: Mapping[str, Input[str]] = field(default_factory=dict)
    #: user -> hash; an Output such as `config.require_secret(...)` keeps it out of code
    password_hashes: Mapping[str, Input[str]] = field(default_factory=dict)

    def to_input(self) -> Output[dict[str, Any]]:
        users = sorted(self.password_hashes)

        def hashes(values: list[str]) -> dict[str, Any]:
            return {"realm": self.realm, "password_hashes": dict(zip(users, values, strict=True))}

        return Output.secret(Output.all(*[self.password_hashes[u] for u in users]).apply(hashes))
