"""Akka project descriptors: the multi-document YAML of `akka project apply -f` and
`akka project export`.

Each document is `{resource, resourceVersion: v1, metadata: {name, region}, spec}`
(Akka project descriptor reference). `Service` specs are the service descriptor's
`service:` section, `Route` specs the route descriptor (whose `host` may be left out:
the route then takes a hostname given by the caller), `Secret` specs `{type, data}`
with plain-text values; `ServiceConfig`, `ExternalSecret`, `Observability`, `Broker`
and `RoleBindings` are read in their descriptor shapes and mapped onto their resources
by :mod:`pulumi_kalix.descriptors.documents` (which says where those shapes differ from
the API, and why `ObjectStorage`, `Store` and `ContainerRegistryConfig` have no
documents). `Project` documents are read as the project's metadata (their name names
the program's project); they and `NetworkPolicy`, which the CLI also knows, are not
managed here and are named, never dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from ..api import SECRET_TYPES, KalixRoute, KalixService, RouteSpec
from ..api._base import WireModel
from . import (
    DescriptorError,
    Problem,
    ProjectRouteSpec,
    ServiceDescriptor,
    ServiceDescriptorSpec,
    _line_of,
    _octal_modes,
    _read,
    _route_problems,
    _service_problems,
    _spelling_variants,
    _validate,
    _walk,
)
from .documents import (
    DEFAULT_NAME,
    REDACTED,
    BrokerDocumentSpec,
    ExternalSecretDocumentSpec,
    ObservabilityDocumentSpec,
    ProjectDocumentSpec,
    RoleBindingsDocumentSpec,
    ServiceConfigDocumentSpec,
    Unmappable,
    broker_inputs,
    external_secret_inputs,
    observability_inputs,
)

MANAGED_KINDS = (
    "Service",
    "Route",
    "Secret",
    "ServiceConfig",
    "ExternalSecret",
    "Observability",
    "Broker",
    "RoleBindings",
)
#: Kinds of the project descriptor reference (and the CLI) that no resource models yet.
UNMANAGED_KINDS = ("Project", "NetworkPolicy")
#: "only one of each can exist per project" (project descriptor reference).
SINGLETON_KINDS = ("Project", "Observability", "Broker", "RoleBindings")
#: Kinds whose objects are named by `metadata.name`, required (the reference's list).
NAMED_KINDS = ("Project", "Service", "Route", "ExternalSecret", "Secret", "ServiceConfig")
RESOURCE_VERSIONS = ("v1",)
#: The observability descriptor's own pages write its list form as v2.
KIND_RESOURCE_VERSIONS = {"Observability": ("v1", "v2")}


class DocumentMetadata(WireModel):
    name: str | None = None
    #: "the resource is applied only to the specified region with regional sync mode"
    region: str | None = None


class SecretDocumentSpec(WireModel):
    type: str
    #: Plain-text values (the API's base64 is the CLI's business).
    data: dict[str, str] | None = None


class _Document(WireModel):
    resource: str
    resource_version: str
    metadata: DocumentMetadata | None = None


class ServiceDocument(_Document):
    resource: Literal["Service"]
    spec: ServiceDescriptorSpec


class RouteDocument(_Document):
    resource: Literal["Route"]
    spec: ProjectRouteSpec


class SecretDocument(_Document):
    resource: Literal["Secret"]
    spec: SecretDocumentSpec


class ServiceConfigDocument(_Document):
    resource: Literal["ServiceConfig"]
    spec: ServiceConfigDocumentSpec


class ExternalSecretDocument(_Document):
    resource: Literal["ExternalSecret"]
    spec: ExternalSecretDocumentSpec


class ObservabilityDocument(_Document):
    resource: Literal["Observability"]
    spec: ObservabilityDocumentSpec


class BrokerDocument(_Document):
    resource: Literal["Broker"]
    spec: BrokerDocumentSpec


class RoleBindingsDocument(_Document):
    resource: Literal["RoleBindings"]
    spec: RoleBindingsDocumentSpec


class ProjectDocument(_Document):
    resource: Literal["Project"]
    spec: ProjectDocumentSpec | None = None


class OtherDocument(_Document):
    spec: dict[str, Any] | None = None


_MODELS: dict[str, type[_Document]] = {
    "Service": ServiceDocument,
    "Route": RouteDocument,
    "Secret": SecretDocument,
    "ServiceConfig": ServiceConfigDocument,
    "ExternalSecret": ExternalSecretDocument,
    "Observability": ObservabilityDocument,
    "Broker": BrokerDocument,
    "RoleBindings": RoleBindingsDocument,
    "Project": ProjectDocument,
}


@dataclass(frozen=True)
class Document:
    """One document of a project descriptor: its kind, name, line and content."""

    kind: str
    name: str
    line: int
    service: ServiceDescriptor | None = None
    route: ProjectRouteSpec | None = None
    secret: SecretDocumentSpec | None = None
    service_config: ServiceConfigDocumentSpec | None = None
    external_secret: ExternalSecretDocumentSpec | None = None
    observability: ObservabilityDocumentSpec | None = None
    broker: BrokerDocumentSpec | None = None
    role_bindings: RoleBindingsDocumentSpec | None = None
    project: ProjectDocumentSpec | None = None
    #: an unmanaged document as it was read
    raw: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name!r}" if self.name else self.kind


@dataclass
class ProjectDescriptor:
    documents: list[Document] = field(default_factory=list)
    source: str | None = None

    @property
    def managed(self) -> list[Document]:
        return [d for d in self.documents if d.kind in MANAGED_KINDS]

    @property
    def unmanaged(self) -> list[Document]:
        return [d for d in self.documents if d.kind not in MANAGED_KINDS]

    @property
    def project(self) -> str | None:
        """The project a `Project` document names, if any."""
        return next((d.name for d in self.documents if d.kind == "Project" and d.name), None)

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]


def unmanaged_message(doc: Document) -> str:
    return (
        f"{doc.label} is not managed by pulumi-kalix (no resource for {doc.kind} yet): "
        "apply it with `akka project apply`"
    )


def is_project_descriptor(text: str) -> bool:
    """Whether YAML text is a project descriptor (documents with `resource:`)."""
    try:
        for data in yaml.safe_load_all(text):
            return isinstance(data, dict) and "resource" in data
    except yaml.YAMLError:
        return False
    return False


def load_project(path_or_text: str | os.PathLike[str], *, strict: bool = True) -> ProjectDescriptor:
    """A project descriptor from a file (a path) or YAML text.

    With `strict`, documents of kinds no resource manages raise a DescriptorError naming
    each of them; without it they are kept in `.unmanaged` for the caller to name."""
    text, source = _read(path_or_text)
    problems: list[Problem] = []
    out = ProjectDescriptor(source=source)
    seen: dict[tuple[str, str], int] = {}
    for index, (node, data) in enumerate(_documents(text, source)):
        doc, found = _document(index, node, data)
        problems += found
        if doc is None:
            continue
        key = (doc.kind, "" if doc.kind in SINGLETON_KINDS else doc.name)
        if (doc.name or doc.kind in SINGLETON_KINDS) and key in seen:
            why = (
                f"a second {doc.kind} document (line {seen[key]}): only one exists per project"
                if doc.kind in SINGLETON_KINDS
                else f"{doc.label} is defined twice (lines {seen[key]})"
            )
            problems.append(Problem("metadata.name", why, doc.line))
        seen.setdefault(key, doc.line)
        out.documents.append(doc)
    if strict:
        problems += [Problem("resource", unmanaged_message(d), d.line) for d in out.unmanaged]
    if problems:
        raise DescriptorError(problems, source)
    return out


def _documents(text: str, source: str | None) -> Iterator[tuple[yaml.Node, Any]]:
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node, loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DescriptorError(
            [Problem("", f"invalid YAML: {exc.problem}", mark.line + 1 if mark else None)], source
        ) from None
    finally:
        loader.dispose()


def _document(index: int, node: yaml.Node, data: Any) -> tuple[Document | None, list[Problem]]:
    line = node.start_mark.line + 1
    where = f"document {index + 1}"
    if not isinstance(data, dict):
        return None, [Problem("", f"{where} must be a mapping with resource and spec", line)]
    kind = data.get("resource")
    if not isinstance(kind, str) or kind not in (*MANAGED_KINDS, *UNMANAGED_KINDS):
        kinds = ", ".join((*MANAGED_KINDS, *UNMANAGED_KINDS))
        return None, [Problem("resource", f"{where}: resource must be one of {kinds}", line)]
    model = _MODELS.get(kind, OtherDocument)
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    _walk(node, model, "", lines, problems)
    raw_meta = data.get("metadata")
    metadata: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    name = str(metadata.get("name") or "")
    if not name and kind in ("Observability", "Broker"):
        name = DEFAULT_NAME  # a singleton: see pulumi_kalix.descriptors.documents
    label = f"{kind} {name!r}" if name else kind

    def located(found: list[Problem]) -> list[Problem]:
        return [
            Problem(p.path, f"{label}: {p.message}", p.line or _line_of(p.path, lines))
            for p in found
        ]

    if problems:
        return None, located(problems)
    data = _spelling_variants(data)
    versions = KIND_RESOURCE_VERSIONS.get(kind, RESOURCE_VERSIONS)
    if data.get("resourceVersion") not in versions:
        problems.append(
            Problem(
                "resourceVersion",
                f"must be {' or '.join(versions)}, got {data.get('resourceVersion')!r}",
            )
        )
    if kind in NAMED_KINDS and not name:
        problems.append(Problem("metadata.name", "is required for this kind"))
    if kind in MANAGED_KINDS and metadata.get("region"):
        problems.append(
            Problem(
                "metadata.region",
                "a document for one region cannot be represented: a stack's resources go to "
                "the region of its provider (kalix:region); remove it, or use a stack with "
                "that region",
            )
        )
    if kind == "Service":
        _octal_modes({"service": data.get("spec")})
    if problems:
        return None, located(problems)
    try:
        parsed = _validate(model, data, lines, None)
    except DescriptorError as err:
        return None, located(err.problems)
    doc = Document(kind=kind, name=name, line=line)
    if isinstance(parsed, ServiceDocument):
        desc = ServiceDescriptor(name=name, service=parsed.spec)
        found = _service_problems(desc)
        for p in found:
            p_path = "spec" + p.path.removeprefix("service")
            problems.append(Problem(p_path, p.message))
        doc = Document(kind=kind, name=name, line=line, service=desc)
    elif isinstance(parsed, RouteDocument):
        spec = parsed.spec
        problems += [
            Problem(f"spec.routes[{i}].prefix", "is required (e.g. '/' or '/carts')")
            for i, rule in enumerate((data.get("spec") or {}).get("routes") or [])
            if isinstance(rule, dict) and "prefix" not in rule
        ]
        problems += [Problem(f"spec.{p.path}", p.message) for p in _route_problems(spec)]
        doc = Document(kind=kind, name=name, line=line, route=spec)
    elif isinstance(parsed, SecretDocument):
        secret = parsed.spec
        if secret.type not in SECRET_TYPES:
            problems.append(
                Problem(
                    "spec.type", f"must be one of {', '.join(SECRET_TYPES)}, got {secret.type!r}"
                )
            )
        if not secret.data:
            problems.append(Problem("spec.data", "is required: a map of key -> value"))
        doc = Document(kind=kind, name=name, line=line, secret=secret)
    elif isinstance(parsed, ServiceConfigDocument):
        doc = Document(kind=kind, name=name, line=line, service_config=parsed.spec)
    elif isinstance(parsed, ExternalSecretDocument):
        problems += _unmappable(external_secret_inputs, name, parsed.spec)
        doc = Document(kind=kind, name=name, line=line, external_secret=parsed.spec)
    elif isinstance(parsed, ObservabilityDocument):
        problems += _unmappable(observability_inputs, name, parsed.spec)
        doc = Document(kind=kind, name=name, line=line, observability=parsed.spec)
    elif isinstance(parsed, BrokerDocument):
        problems += _unmappable(broker_inputs, name, parsed.spec)
        doc = Document(kind=kind, name=name, line=line, broker=parsed.spec)
    elif isinstance(parsed, RoleBindingsDocument):
        if not parsed.spec.bindings:
            problems.append(Problem("spec.bindings", "is required: a list of {group, role}"))
        doc = Document(kind=kind, name=name, line=line, role_bindings=parsed.spec)
    elif isinstance(parsed, ProjectDocument):
        doc = Document(kind=kind, name=name, line=line, project=parsed.spec, raw=data)
    else:
        doc = Document(kind=kind, name=name, line=line, raw=data)
    return (None, located(problems)) if problems else (doc, [])


def _unmappable(mapping: Any, name: str, spec: Any) -> list[Problem]:
    """The problems mapping a spec onto its resource's inputs finds (checked at load, so
    they carry the document's lines)."""
    try:
        mapping(name, spec)
    except Unmappable as err:
        return err.problems
    return []


def route_with_host(spec: RouteSpec, hostname: str | None) -> RouteSpec:
    """The route spec with `host` set: the document's own, else `hostname`."""
    host = spec.host or hostname
    if not host:
        raise DescriptorError.one(
            "spec.host", "the route names no host: pass the hostname it is to serve"
        )
    data = spec.model_dump(by_alias=True, exclude_none=True)
    data["host"] = host
    return RouteSpec.model_validate(data)


def find_document(path_or_text: str | os.PathLike[str], kind: str, name: str | None) -> Document:
    """The `kind` document named `name` (or the only one) of a project descriptor."""
    project = load_project(path_or_text, strict=False)
    docs = project.of_kind(kind)
    chosen = [d for d in docs if d.name == name] if name else docs
    if len(chosen) != 1:
        names = ", ".join(repr(d.name) for d in docs) or "none"
        what = f"no {kind} named {name!r}" if name else f"{len(docs)} {kind} documents"
        raise DescriptorError.one(
            "",
            f"{what} in the project descriptor (its {kind}s: {names}): pass the name",
            project.source,
        )
    return chosen[0]


__all__ = [
    "MANAGED_KINDS",
    "REDACTED",
    "UNMANAGED_KINDS",
    "Document",
    "ProjectDescriptor",
    "ProjectRouteSpec",
    "SecretDocumentSpec",
    "document_data",
    "dump_documents",
    "find_document",
    "is_project_descriptor",
    "load_project",
    "load_route_any",
    "load_service_any",
    "route_with_host",
    "unmanaged_message",
]


def load_service_any(
    path_or_text: str | os.PathLike[str], name: str | None = None
) -> ServiceDescriptor:
    """A service descriptor, or the Service document `name` (or the only one) of a
    project descriptor."""
    from . import load_service

    text, _ = _read(path_or_text)
    if not is_project_descriptor(text):
        return load_service(path_or_text)
    doc = find_document(path_or_text, "Service", name)
    assert doc.service is not None
    return doc.service


def load_route_any(
    path_or_text: str | os.PathLike[str], name: str | None = None
) -> ProjectRouteSpec | RouteSpec:
    """A route descriptor, or the Route document `name` (or the only one) of a project
    descriptor (whose `host` may be None)."""
    from . import load_route

    text, _ = _read(path_or_text)
    if not is_project_descriptor(text):
        return load_route(path_or_text)
    doc = find_document(path_or_text, "Route", name)
    assert doc.route is not None
    return doc.route


def document_data(obj: KalixService | KalixRoute) -> dict[str, Any]:
    """A live service or route as a project-descriptor document (plain data)."""
    from . import _declared, service_descriptor_of

    if isinstance(obj, KalixService):
        desc = service_descriptor_of(obj.metadata.name, obj.spec)
        kind, spec = "Service", _declared(desc.service)
    else:
        kind, spec = "Route", _declared(obj.spec)
    return {
        "metadata": {"name": obj.metadata.name},
        "resource": kind,
        "resourceVersion": RESOURCE_VERSIONS[0],
        "spec": spec,
    }


def dump_documents(objects: list[KalixService] | list[KalixRoute]) -> str:
    """A project descriptor of live services or routes (keys alphabetical, block style),
    as `akka project export` writes them: unlike route descriptors, it names each one."""
    from . import _yaml, dump_all

    return dump_all(_yaml(document_data(obj)) for obj in objects)
