"""Kalix/Akka service and route descriptors (YAML) <-> the wire models (project
descriptors: :mod:`pulumi_kalix.descriptors.project`).

The service descriptor is what `kalix service apply -f` takes and `kalix service export`
writes (reference §2): `name` plus a flat `service: {image, env, volumeMounts, ...}`,
which the API holds as `spec.containers[0]` (container `main`) next to the other spec
fields (`resources`, `jwt`, `telemetry`, `replication`, `workloadIdentity`, ...: see
:class:`ServiceDescriptorSpec`). The route descriptor
(`kalix route export` / `route update -f`, reference §5.4) is the route spec itself:
`host`, ordered `routes`, `corsPolicy`, `tls`, `validation`.

Loading is strict: the YAML is walked against the models, so an unknown or misspelled
key fails with its path, its line and the keys allowed there; values are then checked by
the models and by the descriptor rules (exactly one of `value`/`valueFrom`, ...). Dumping
writes block-style YAML with keys in alphabetical order, as the Kalix CLI exports it.

No pulumi import here: the provider mappings used by :func:`service_inputs`,
:func:`route_inputs` and the descriptor-from-inputs functions are imported lazily.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..api import (
    CORS_METHODS,
    MAX_INSTANCES,
    MIN_INSTANCES,
    Container,
    EnvVar,
    Jwt,
    KalixRoute,
    KalixService,
    ObjectMeta,
    RouteSpec,
    ServiceResources,
    ServiceSpec,
    Telemetry,
    VolumeMount,
    WireModel,
)
from ..api.route import PASSWORD_HASH_PATTERN
from ..api.service import (
    JWT_ALGORITHMS,
    ObjectRef,
    ObjectStorageRef,
    Replication,
    ServiceTls,
    StoreConfig,
    WorkloadIdentity,
)
from ..api.sync import ResourceSync

#: The container name the API uses for the descriptor's single container.
CONTAINER_NAME = "main"
M = TypeVar("M", bound=BaseModel)

#: Largest file mode a secret volume takes (0777).
MAX_DEFAULT_MODE = 0o777


# -- descriptor models --------------------------------------------------------------------


class ServiceDescriptorSpec(WireModel):
    """`service:` of a service descriptor (the API's `containers[0]` flattened in), and
    the `spec` of a project descriptor's Service document. Every field the Akka service
    descriptor reference documents; `serviceConfig` is a name there (the API's
    `{name}`). `objectStorage`, `storeConfig` and `resourceSync` are not in the
    descriptor reference: they take the API's shape (our assumption)."""

    image: str = Field(min_length=1)
    env: list[EnvVar] | None = None
    resources: ServiceResources | None = None
    jwt: Jwt | None = None
    volume_mounts: list[VolumeMount] | None = None
    telemetry: Telemetry | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    replication: Replication | None = None
    tls: ServiceTls | None = None
    workload_identity: WorkloadIdentity | None = None
    service_config: str | None = None
    object_storage: ObjectStorageRef | None = None
    store_config: StoreConfig | None = None
    resource_sync: ResourceSync | None = None


#: ServiceSpec fields a descriptor carries with the same name and shape.
SPEC_FIELDS = (
    "resources",
    "jwt",
    "telemetry",
    "labels",
    "annotations",
    "replication",
    "tls",
    "workload_identity",
    "object_storage",
    "store_config",
    "resource_sync",
)


class ServiceDescriptor(WireModel):
    """A Kalix service descriptor: `name` and `service`."""

    name: str = Field(min_length=1)
    service: ServiceDescriptorSpec

    def to_spec(self) -> ServiceSpec:
        return service_spec(self)

    def to_kalix_service(self) -> KalixService:
        return KalixService(metadata=ObjectMeta(name=self.name), spec=service_spec(self))

    def dump(self) -> str:
        return dump_service(self)


#: A route descriptor is the route spec (the route's name is not part of it).
RouteDescriptor = RouteSpec


class ProjectRouteSpec(RouteSpec):
    """A route descriptor whose `host` may be left out (the project form: the route
    then takes a hostname given by the caller)."""

    host: str | None = None  # type: ignore[assignment]


# -- errors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a descriptor: where (dotted path, YAML line) and what."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class DescriptorError(ValueError):
    """A descriptor that cannot be used; `.path`/`.line` locate the first problem."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        self.path = problems[0].path if problems else ""
        self.line = problems[0].line if problems else None
        text = "\n".join(str(p) for p in problems) or "invalid descriptor"
        super().__init__(f"{source}: {text}" if source else text)

    @classmethod
    def one(cls, path: str, message: str, source: str | None = None) -> DescriptorError:
        return cls([Problem(path, message)], source)


# -- loading --------------------------------------------------------------------------------


def load_service(path_or_text: str | os.PathLike[str]) -> ServiceDescriptor:
    """A service descriptor from a file (a path) or from YAML text."""
    text, source = _read(path_or_text)
    data, lines = _parse(text, ServiceDescriptor, source)
    desc = _validate(ServiceDescriptor, data, lines, source)
    _raise(_service_problems(desc), lines, source)
    return desc


def load_route(path_or_text: str | os.PathLike[str], *, require_host: bool = True) -> RouteSpec:
    """A route descriptor (the route spec) from a file (a path) or from YAML text;
    without `require_host` its `host` may be left out (a ProjectRouteSpec then)."""
    text, source = _read(path_or_text)
    model = RouteSpec if require_host else ProjectRouteSpec
    data, lines = _parse(text, model, source)
    spec = _validate(model, data, lines, source)
    problems = [
        Problem(f"routes[{i}].prefix", "is required (e.g. '/' or '/carts')")
        for i, rule in enumerate(data.get("routes") or [])
        if isinstance(rule, dict) and "prefix" not in rule  # the model defaults it to "/"
    ]
    _raise(problems + _route_problems(spec), lines, source)
    return spec


def _read(path_or_text: str | os.PathLike[str]) -> tuple[str, str | None]:
    # A str is a path when it is one line that names a file or ends in .yaml/.yml;
    # anything else is descriptor text.
    if isinstance(path_or_text, str) and (
        "\n" in path_or_text
        or not (path_or_text.endswith((".yaml", ".yml")) or os.path.isfile(path_or_text))
    ):
        return path_or_text, None
    path = Path(path_or_text)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise DescriptorError.one(
            "", f"cannot read the descriptor: {exc.strerror}", str(path)
        ) from None


def _parse(text: str, model: type[BaseModel], source: str | None) -> tuple[Any, dict[str, int]]:
    """The YAML document and the line of every key path; rejects unknown/duplicate keys."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = f"{exc.problem}" + (f" ({exc.context})" if exc.context else "")
        raise DescriptorError(
            [Problem("", f"invalid YAML: {what}", mark.line + 1 if mark else None)], source
        ) from None
    except yaml.YAMLError as exc:
        raise DescriptorError.one("", f"invalid YAML: {exc}", source) from None
    finally:
        loader.dispose()
    if node is None or not isinstance(data, dict):
        line = node.start_mark.line + 1 if node is not None else None
        what = "service" if model is ServiceDescriptor else "route"
        raise DescriptorError(
            [Problem("", f"a {what} descriptor must be a YAML mapping", line)], source
        )
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    _walk(node, model, "", lines, problems)
    data = _spelling_variants(data)
    if problems:
        raise DescriptorError(problems, source)
    return data, lines


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _container_in(annotation: Any) -> tuple[type, Any] | None:
    """(list, item type) or (dict, value type) inside an Optional, if any."""
    origin = get_origin(annotation)
    if origin in (list, dict):
        return origin, get_args(annotation)[-1]
    if origin in (Union, UnionType):
        for arg in get_args(annotation):
            found = _container_in(arg)
            if found is not None:
                return found
    return None


def _walk(
    node: yaml.Node, annotation: Any, path: str, lines: dict[str, int], out: list[Problem]
) -> None:
    """Walk YAML nodes against the model: unknown and duplicate keys, lines of paths."""
    lines.setdefault(path, node.start_mark.line + 1)
    model = _model_in(annotation)
    if model is not None and isinstance(node, yaml.MappingNode):
        # Descriptor keys are the camelCase aliases only (the models also take snake_case).
        fields = {(f.alias or name): f for name, f in model.model_fields.items()}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                out.append(Problem(where, "duplicate key", line))
            seen.add(key)
            key = KEY_VARIANTS.get(key, key) if key not in fields else key
            if key not in fields:
                allowed = ", ".join(sorted(fields))
                why = UNPUBLISHED.get(re.sub(r"\[\d+\]", "", where).split(".", 1)[-1])
                out.append(Problem(where, why or f"unknown key (allowed: {allowed})", line))
                continue
            lines[where] = line
            _walk(value_node, fields[key].annotation, where, lines, out)
        return
    container = _container_in(annotation)
    if container is None:
        return
    kind, item = container
    if kind is list and isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, item, f"{path}[{i}]", lines, out)
    elif kind is dict and isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _walk(value_node, item, f"{path}.{key_node.value}", lines, out)


#: Spellings the Akka documentation uses for a key (the CLI reads the docs' YAML).
KEY_VARIANTS = {
    "enableWebsockets": "enableWebSockets",
    # The external-secret descriptor reference's table (its examples write `tenantId`).
    "tenantID": "tenantId",
    "clientID": "clientId",
}
#: Documented descriptor keys the published platform API does not have (a path below
#: the top-level key): named as such, since nothing can apply them through the API.
UNPUBLISHED = {
    "workloadIdentity.akka": (
        "Akka platform workload identity is documented for descriptors but is not in the "
        "published platform API (akka/platform-api), so it cannot be applied through it: "
        "set it with `akka service apply` and leave it unmanaged (updates keep it)"
    ),
    "runtimeLogs": (
        "Observability runtimeLogs is documented for descriptors but is not in the "
        "published platform API (akka/platform-api), so kalix.Observability cannot apply "
        "it: remove it, or set it with `akka project observability` and leave the object "
        "unmanaged"
    ),
}


def _spelling_variants(data: Any) -> Any:
    """`data` with the documented key variants renamed to the API's spelling, and
    scalar env values (`value: true`, as the project descriptor reference writes one)
    as the strings the CLI reads them as."""
    if isinstance(data, list):
        return [_spelling_variants(v) for v in data]
    if not isinstance(data, dict):
        return data
    out = {KEY_VARIANTS.get(str(k), k): _spelling_variants(v) for k, v in data.items()}
    env = out.get("env")
    for var in env if isinstance(env, list) else []:
        value = var.get("value") if isinstance(var, dict) else None
        if isinstance(value, bool):
            var["value"] = "true" if value else "false"
        elif isinstance(value, int | float):
            var["value"] = str(value)
    return out


def _line_of(path: str, lines: Mapping[str, int]) -> int | None:
    """The line of `path`, or of its nearest enclosing key that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("")


def _validate(model: type[M], data: Any, lines: Mapping[str, int], source: str | None) -> M:
    try:
        return model.model_validate(_octal_modes(data))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ""
            for part in err["loc"]:
                if isinstance(part, int):
                    path += f"[{part}]"
                elif not str(part).startswith("function-"):
                    path += f".{part}" if path else str(part)
            problems.append(Problem(path, err["msg"], _line_of(path, lines)))
        raise DescriptorError(problems, source) from None


def _octal_modes(data: Any) -> Any:
    # `defaultMode: 0644` is already octal to YAML 1.1; a quoted "0644" is octal too
    # (the model would read it as decimal 644).
    vm = (data.get("service") or {}).get("volumeMounts") if isinstance(data, dict) else None
    for mount in vm if isinstance(vm, list) else []:
        secret = mount.get("secret") if isinstance(mount, dict) else None
        if isinstance(secret, dict):
            mode = secret.get("defaultMode")
            if isinstance(mode, str) and re.fullmatch(r"0?[0-7]{1,4}", mode):
                secret["defaultMode"] = int(mode, 8)
    return data


def _raise(problems: list[Problem], lines: Mapping[str, int], source: str | None) -> None:
    if problems:
        located = [Problem(p.path, p.message, p.line or _line_of(p.path, lines)) for p in problems]
        raise DescriptorError(located, source)


# -- descriptor rules the models do not enforce -------------------------------------------


def _service_problems(desc: ServiceDescriptor) -> list[Problem]:
    out: list[Problem] = []
    svc = desc.service
    names: set[str] = set()
    for i, var in enumerate(svc.env or []):
        where = f"service.env[{i}]"
        if (var.value is None) == (var.value_from is None):
            out.append(Problem(where, "exactly one of value and valueFrom is required"))
        if var.name in names:
            out.append(Problem(f"{where}.name", f"{var.name!r} is listed twice"))
        names.add(var.name)
    scaling = svc.resources.autoscaling if svc.resources else None
    low, high = (scaling.min_instances, scaling.max_instances) if scaling else (None, None)
    if low and high and low > high:
        out.append(
            Problem(
                "service.resources.autoscaling.minInstances",
                f"must not exceed maxInstances ({high}); both are {MIN_INSTANCES}..{MAX_INSTANCES}",
            )
        )
    for i, key in enumerate(svc.jwt.keys or [] if svc.jwt else []):
        if key.algorithm not in JWT_ALGORITHMS:
            out.append(
                Problem(
                    f"service.jwt.keys[{i}].algorithm",
                    f"{key.algorithm!r} is not supported (allowed: {', '.join(JWT_ALGORITHMS)})",
                )
            )
    for i, mount in enumerate(svc.volume_mounts or []):
        where = f"service.volumeMounts[{i}]"
        if ":" in mount.mount_path or not mount.mount_path.startswith("/"):
            out.append(Problem(f"{where}.mountPath", "must be an absolute path without ':'"))
        sources = [mount.secret, mount.external_secret, mount.workload_identity_token]
        if sum(source is not None for source in sources) != 1:
            out.append(
                Problem(where, "exactly one of secret, externalSecret, workloadIdentityToken")
            )
        if mount.secret is None:
            pass
        elif mount.secret.default_mode is not None and not (
            0 <= mount.secret.default_mode <= MAX_DEFAULT_MODE
        ):
            out.append(
                Problem(f"{where}.secret.defaultMode", "must be 0000..0777 (octal) or 0..511")
            )
    return out


def _route_problems(spec: RouteSpec) -> list[Problem]:
    out: list[Problem] = []
    seen: set[str] = set()
    for i, rule in enumerate(spec.routes):
        if rule.prefix in seen:
            out.append(Problem(f"routes[{i}].prefix", f"prefix {rule.prefix!r} is listed twice"))
        seen.add(rule.prefix)
    for i, method in enumerate(spec.cors_policy.allow_methods or [] if spec.cors_policy else []):
        if method.upper() not in CORS_METHODS:
            out.append(
                Problem(
                    f"corsPolicy.allowMethods[{i}]",
                    f"{method!r} is not a CORS method (allowed: {', '.join(CORS_METHODS)})",
                )
            )
    validation = spec.validation
    cert = validation.client_certificate if validation else None
    if cert is not None:
        if not (spec.tls and spec.tls.client_validation_ca):
            out.append(
                Problem(
                    "validation.clientCertificate",
                    "needs tls.clientValidationCa (a tls-ca secret) to validate against",
                )
            )
        for i, m in enumerate(cert.subject_matches):
            given = [v for v in (m.exact, m.has_prefix, m.has_suffix, m.regex) if v is not None]
            if len(given) != 1:
                out.append(
                    Problem(
                        f"validation.clientCertificate.subjectMatches[{i}]",
                        "exactly one of exact, hasPrefix, hasSuffix and regex is required",
                    )
                )
    basic = validation.http_basic if validation else None
    for user, digest in (basic.password_hashes if basic else {}).items():
        if not re.match(PASSWORD_HASH_PATTERN, digest):
            out.append(
                Problem(
                    f"validation.httpBasic.passwordHashes.{user}",
                    "must be '<sha256|sha384|sha512>:<base64 digest>'",
                )
            )
    return out


# -- descriptor <-> wire ----------------------------------------------------------------------


def service_spec(desc: ServiceDescriptor) -> ServiceSpec:
    """The API spec of a service descriptor (the flat service becomes containers[0])."""
    svc = desc.service.model_copy(deep=True)
    return ServiceSpec(
        containers=[
            Container(
                name=CONTAINER_NAME, image=svc.image, env=svc.env, volume_mounts=svc.volume_mounts
            )
        ],
        service_config=ObjectRef(name=svc.service_config) if svc.service_config else None,
        **{f: getattr(svc, f) for f in SPEC_FIELDS},
    )


def service_descriptor_of(name: str, spec: ServiceSpec) -> ServiceDescriptor:
    """The descriptor of a service spec; server-side fields (paused, ...) are left out."""
    if len(spec.containers) != 1:
        raise DescriptorError.one(
            "spec.containers",
            f"service {name!r} has {len(spec.containers)} containers; "
            "a descriptor describes exactly one",
        )
    spec = spec.model_copy(deep=True)
    container = spec.containers[0]
    return ServiceDescriptor(
        name=name,
        service=ServiceDescriptorSpec(
            image=container.image,
            env=container.env,
            volume_mounts=container.volume_mounts,
            service_config=spec.service_config.name if spec.service_config else None,
            **{f: getattr(spec, f) for f in SPEC_FIELDS},
        ),
    )


def kalix_route(name: str, spec: RouteSpec) -> KalixRoute:
    return KalixRoute(metadata=ObjectMeta(name=name), spec=spec.model_copy(deep=True))


# -- dumping ------------------------------------------------------------------------------------


def dump_service(desc: ServiceDescriptor | KalixService) -> str:
    """YAML as `kalix service export` writes it (keys alphabetical, block style)."""
    if isinstance(desc, KalixService):
        desc = service_descriptor_of(desc.metadata.name, desc.spec)
    return _yaml(_declared(desc))


def dump_route(spec: RouteSpec | KalixRoute) -> str:
    """YAML as `kalix route export` writes it (keys alphabetical, block style)."""
    if isinstance(spec, KalixRoute):
        spec = spec.spec
    return _yaml(_declared(spec))


def dump_all(documents: Iterable[str]) -> str:
    """Several YAML documents in one stream, separated by `---`."""
    return "---\n".join(documents)


def _declared(model: BaseModel) -> dict[str, Any]:
    """The model's declared fields only (camelCase, no None): extra fields a newer
    control plane adds are not part of the descriptor format."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = _plain(getattr(model, name))
        if value is not None:
            out[field.alias or name] = value
    return out


def unpublished_fields(model: BaseModel, path: str = "") -> list[str]:
    """Paths of fields `model` holds that no model declares (a newer control plane's):
    a descriptor leaves them out, so what writes one names them."""
    out = [f"{path}.{k}" if path else str(k) for k in sorted(model.model_extra or {})]
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}.{field.alias or name}" if path else (field.alias or name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                out += unpublished_fields(
                    item, f"{where}[{i}]" if isinstance(value, list) else where
                )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _declared(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _yaml(data: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(data),
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 16,  # never fold long values (hashes, regexes)
    )


# -- descriptors <-> resource inputs (the provider's mappings, imported lazily) ----------------


def service_unmodeled(desc: ServiceDescriptor) -> list[str]:
    """Descriptor paths that `kalix.Service` inputs cannot carry: dropped by a round trip
    (an inline `hmacSecretLiteral`; otherwise none, kept as the guard that names any
    field the resource falls behind on)."""
    from ..provider.service import ServiceProvider

    inputs = ServiceProvider.inputs_from(desc.to_kalix_service())
    return _lost_paths(_declared(desc), _declared(_service_from_inputs(inputs)), env_by_name=True)


def route_unmodeled(spec: RouteSpec) -> list[str]:
    """Descriptor paths that `kalix.Route` inputs cannot carry as they are: changed by
    a round trip (none today; the guard that names any the resource falls behind on)."""
    from ..provider.route import RouteProvider

    inputs = RouteProvider.inputs_from(kalix_route("-", spec))
    return _lost_paths(_declared(spec), _declared(RouteProvider.spec_from(inputs, None)))


def service_inputs(desc: ServiceDescriptor, *, strict: bool = True) -> dict[str, Any]:
    """`kalix.Service` keyword arguments for a descriptor (`name`, `image`, `env`, ...).

    With `strict`, fields the resource does not model yet (see :func:`service_unmodeled`)
    raise a DescriptorError naming them instead of being dropped silently.
    """
    from ..provider.service import ServiceProvider

    literal = [
        Problem(
            f"service.jwt.keys[{i}].hmacSecretLiteral",
            "an inline HMAC secret cannot be a resource input (it would be stored in plain "
            "text): put it in a kalix.Secret under the key `secret.key` and name that "
            "secret in `secret.name`",
        )
        for i, key in enumerate((desc.service.jwt.keys or []) if desc.service.jwt else [])
        if key.hmac_secret_literal is not None
    ]
    if literal:
        raise DescriptorError(literal)
    if strict and (lost := service_unmodeled(desc)):
        raise DescriptorError(
            [Problem(p, "not supported by kalix.Service yet (it would be dropped)") for p in lost]
        )
    inputs = ServiceProvider.inputs_from(desc.to_kalix_service())
    inputs.pop("labels", None)  # not part of a Kalix descriptor
    if not inputs.get("paused"):
        inputs.pop("paused", None)
    return {k: v for k, v in inputs.items() if v is not None}


def route_inputs(spec: RouteSpec, *, strict: bool = True) -> dict[str, Any]:
    """`kalix.Route` inputs for a route descriptor (`hostname`, `paths`, CORS, TLS, ...);
    `paths` are dicts with `prefix`, `service`, `websockets`, `streaming`, `name`."""
    from ..provider.route import RouteProvider

    if strict and (lost := route_unmodeled(spec)):
        raise DescriptorError(
            [Problem(p, "not supported by kalix.Route (it would be changed)") for p in lost]
        )
    inputs = RouteProvider.inputs_from(kalix_route("-", spec))
    inputs.pop("name")
    return inputs


def _service_from_inputs(inputs: Mapping[str, Any]) -> ServiceDescriptor:
    from ..provider.service import ServiceProvider

    spec = ServiceProvider.apply_inputs(None, dict(inputs))
    return service_descriptor_of(str(inputs.get("name") or "-"), spec)


def service_descriptor(source: Mapping[str, Any] | KalixService) -> str:
    """The descriptor YAML of a live service, or of `kalix.Service` inputs (plain values:
    `{"name": ..., "image": ..., "env": {...}, "secret_env": {...}, ...}`)."""
    if isinstance(source, KalixService):
        return dump_service(source)
    return dump_service(_service_from_inputs(source))


def route_descriptor(source: Mapping[str, Any] | KalixRoute) -> str:
    """The descriptor YAML of a live route, or of `kalix.Route` inputs (plain values:
    `hostname`, `paths` as `[{prefix, service, websockets, streaming}]`, `cors_origins`,
    ..., `http_basic` as `{realm, password_hashes}`)."""
    if isinstance(source, KalixRoute):
        return dump_route(source)
    from ..provider.route import RouteProvider

    props = dict(source)
    paths = props.get("paths")
    if isinstance(paths, Mapping):  # `{prefix: service}`, as kalix.Route takes it
        props["paths"] = [{"prefix": p, "service": s} for p, s in paths.items()]
    return dump_route(RouteProvider.spec_from(props, None))


def adoption_changes(obj: KalixService | KalixRoute) -> list[str]:
    """Paths of the live spec that adopting `obj` with the inputs read from it would
    change (each one a write, and for a service a rollout); [] for a lossless adoption."""
    if isinstance(obj, KalixService):
        from ..provider.service import ServiceProvider

        after: WireModel = ServiceProvider.apply_inputs(obj.spec, ServiceProvider.inputs_from(obj))
    else:
        from ..provider.route import RouteProvider

        after = RouteProvider.spec_from(RouteProvider.inputs_from(obj), obj.spec)
    return _lost_paths(obj.spec.to_wire(), after.to_wire())


def _lost_paths(before: Any, after: Any, path: str = "", *, env_by_name: bool = False) -> list[str]:
    """Paths where `after` differs from `before` (env compared by name, not position,
    when `env_by_name`: kalix.Service keeps env as a mapping)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in sorted(set(before) | set(after)):
            where = f"{path}.{key}" if path else key
            b, a = before.get(key), after.get(key)
            if env_by_name and key == "env" and isinstance(b, list) and isinstance(a, list):
                b = {str(v.get("name")): v for v in b}
                a = {str(v.get("name")): v for v in a}
            out += _lost_paths(b, a, where, env_by_name=env_by_name)
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            out += _lost_paths(b, a, f"{path}[{i}]", env_by_name=env_by_name)
        return out
    return [] if before == after or (_empty(before) and _empty(after)) else [path]


def _empty(value: Any) -> bool:
    """None, or a section with nothing in it (`tls: {}` as `akka project export` writes)."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None or value == []


__all__ = [
    "CONTAINER_NAME",
    "DescriptorError",
    "Problem",
    "ProjectRouteSpec",
    "RouteDescriptor",
    "ServiceDescriptor",
    "ServiceDescriptorSpec",
    "adoption_changes",
    "dump_all",
    "dump_route",
    "dump_service",
    "kalix_route",
    "load_route",
    "load_service",
    "route_descriptor",
    "route_inputs",
    "route_unmodeled",
    "service_descriptor",
    "service_descriptor_of",
    "service_inputs",
    "service_spec",
    "service_unmodeled",
    "unpublished_fields",
]
