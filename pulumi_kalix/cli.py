"""`pulumi-kalix`: Kalix descriptors out of a live project, and Pulumi programs from a
live project or from descriptor files.

```
pulumi-kalix export service NAME [-f FILE]      like `kalix service export`
pulumi-kalix export route NAME [-f FILE]        like `kalix route export`
pulumi-kalix export service|route --all         every one, as a project descriptor
                                  [-o yaml|json] (`services`/`routes` work too)
pulumi-kalix export project [-f FILE]           every object with a descriptor form, as
                                                `akka project export` writes them
pulumi-kalix import --project P [--out DIR]     a program adopting the whole project
pulumi-kalix convert FILE... --out DIR          a program from descriptor files
pulumi-kalix whoami [-o text|json]              check credential, project, region
pulumi-kalix --version
```
Connection settings come from `--api-host`/`--token`/`--project`/`--region`, then
`AKKA_API_HOST`/`AKKA_TOKEN`/`AKKA_PROJECT`/`AKKA_REGION` (see `pulumi_kalix.config`).
Exit codes: 0 ok, 1 an API, descriptor or usage error (one line on stderr), 2 a
command-line syntax error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from . import codegen
from .api import Hostname as HostnameObject
from .api import KalixRoute, KalixService
from .claims import HOSTNAME_LEDGER
from .client import ControlPlane
from .config import API_HOST, PROJECT, REGION, RETRY, TOKEN, Settings
from .descriptors import (
    DescriptorError,
    dump_all,
    dump_route,
    dump_service,
    unpublished_fields,
)
from .descriptors.project import REDACTED, document_data, dump_documents
from .errors import APIConnectionError, APIStatusError, KalixError, NotFoundError

PROG = "pulumi-kalix"


class UsageError(Exception):
    """A command that cannot run as given (exit code 1, one line)."""


# -- connection -------------------------------------------------------------------------------


#: How long a command rides out an unreachable platform unless KALIX_RETRY_SECONDS says
#: otherwise: someone is waiting at a terminal (a deployment's budget is 30 s).
CLI_OUTAGE_SECONDS = 5.0


def _settings(args: argparse.Namespace) -> Settings:
    # Flags play the part stack config plays for the provider: flag, then env, then default.
    flags = {
        API_HOST[0]: args.api_host,
        PROJECT[0]: args.project,
        REGION[0]: args.region,
        TOKEN[0]: args.token,
        RETRY[0]: None if os.environ.get(RETRY[1][0]) else str(CLI_OUTAGE_SECONDS),
    }
    return Settings.load(flags.get)


def _client(settings: Settings) -> ControlPlane:
    return settings.session().control_plane(_project(settings))


def _project(settings: Settings) -> str:
    if not settings.project:
        raise UsageError("no project: pass --project NAME (or a UUID) or set AKKA_PROJECT")
    return settings.project


def _hostnames(settings: Settings) -> list[HostnameObject]:
    session = settings.session()
    project = session.project(_project(settings))
    return [
        HostnameObject(name=h.name, is_generated=h.is_generated, global_=getattr(h, "global"))
        for h in session.federation.list_hostnames(project.id)
    ]


def _role_bindings(settings: Settings) -> tuple[list[tuple[str, str]], str | None]:
    """The project's (role, principal) bindings, or none and why (listing them needs the
    admin role: an import by a developer still writes the rest)."""
    from .errors import ForbiddenError
    from .provider.role_binding import binding_role

    session = settings.session()
    project = session.project(_project(settings))
    try:
        bindings = session.federation.list_role_bindings(project.id)
    except ForbiddenError as exc:
        return [], f"role bindings were not imported: listing them needs the admin role ({exc})"
    return sorted((binding_role(b), b.principal) for b in bindings), None


def _explain(exc: Exception, settings: Settings | None) -> str:
    if isinstance(exc, APIConnectionError):
        where = exc.url or (settings.api_host if settings else API_HOST[2])
        if exc.answer_lost:
            return f"the answer from the Akka platform at {where} was lost: {exc}"
        return (
            f"could not reach the Akka platform at {where}: pass --api-host or set "
            "AKKA_API_HOST (http://127.0.0.1:9001 for a local `kalix-local serve`)"
        )
    if isinstance(exc, APIStatusError):
        project = settings.project if settings else "?"
        if exc.status_code == 401:
            return (
                f"the credential was rejected (401): {exc.message}; pass --token or set "
                "AKKA_TOKEN to a valid refresh or service token"
            )
        if exc.status_code == 403:
            return (
                f"the credential may not act on project {project!r} (403): "
                "use a token with access to it, or pass --project"
            )
        causes = "; ".join(f"{f}: {m}" if f else m for f, m in exc.causes)
        return f"{exc.reason or exc.status_code}: {causes or exc.message}"
    return _as_cli_hint(" ".join(str(exc).split()))  # one line


#: Stack config keys named in messages shared with the provider, and this command's flag.
_FLAGS = {
    "kalix:apiHost": "--api-host",
    "kalix:project": "--project",
    "kalix:region": "--region",
    "kalix:token": "--token",
}
_CONFIG_SET = re.compile(r"`pulumi config set (?:--secret )?(kalix:\w+) ([^`]*)`( or )?")


def _as_cli_hint(message: str) -> str:
    """The provider's messages say how to set stack config; a `pulumi-kalix` user has
    flags instead (and the environment, which the messages name too)."""

    def command(match: re.Match[str]) -> str:
        flag = _FLAGS.get(match.group(1))
        if flag is None:  # no flag: the environment variable that follows is the way
            return ""
        return f"`{flag} {match.group(2)}`{match.group(3) or ''}"

    message = _CONFIG_SET.sub(command, message)
    message = message.replace(" (or pass project= to the resource)", "")
    message = message.replace("kalix:controlPlaneUrl", "AKKA_CONTROL_PLANE_URL")
    for key, flag in _FLAGS.items():
        message = message.replace(key, flag)
    return message


# -- whoami -----------------------------------------------------------------------------------


def _whoami(args: argparse.Namespace, settings: Settings) -> int:
    """Who the credential is, what it sees, and where the project's control plane is."""
    credential = settings.credential()
    session = settings.session()
    current = session.federation.current_token() if session.access_token() else None
    info_out: dict[str, Any] = {
        "federationPlane": str(session.endpoint),
        "credential": {"kind": credential.kind, "source": credential.source},
        "principal": current.name if current else None,
    }
    lines = [
        f"federation plane: {session.endpoint}",
        f"credential:       {credential.kind} token from {credential.source}",
        f"principal:        {current.name if current else '?'}",
    ]
    projects = list(session.federation.list_projects())
    info_out["projects"] = [
        {"name": p.friendly_name, "id": p.name.removeprefix("projects/")} for p in projects
    ]
    shown = ", ".join(
        f"{p.friendly_name} ({p.name.removeprefix('projects/')})" for p in projects[:20]
    )
    lines.append(f"projects:         {len(projects)} visible{': ' + shown if shown else ''}")
    if settings.project:
        info = session.project(settings.project)
        region = session.region_of(info)
        url, _ = session.control_plane_target(info)
        lines += [
            f"project:          {info.friendly_name} = {info.id}",
            f"region:           {region.name}{' (primary)' if region.primary else ''}",
            f"control plane:    {url}",
        ]
        # One call proves the access token works on the control plane too.
        services = session.control_plane(info.id).services.list()
        lines.append(f"services:         {len(services)}")
        info_out["project"] = {
            "name": info.friendly_name,
            "id": info.id,
            "region": region.name,
            "primary": bool(region.primary),
            "controlPlane": url,
            "services": len(services),
        }
    else:
        lines.append("project:          (none set: pass --project or set AKKA_PROJECT)")
        info_out["project"] = None
    print(json.dumps(info_out, indent=2) if args.output == "json" else "\n".join(lines))
    return 0


# -- export -----------------------------------------------------------------------------------


def _export(args: argparse.Namespace, settings: Settings) -> int:
    kind: str = args.export_kind
    with _client(settings) as api:
        objects = api.services if kind == "service" else api.routes
        try:
            items: list[Any] = (
                sorted(objects.list(), key=lambda o: o.metadata.name)
                if args.all
                else [objects.get(args.name)]
            )
        except NotFoundError:
            raise UsageError(
                f"{kind} {args.name!r} not found in project {settings.project!r}"
            ) from None
    for obj in items:
        # Never dropped silently: a field the descriptor format has no place for.
        extra = unpublished_fields(obj.spec, "spec")
        if extra:
            print(
                f"Warning: {kind} {obj.metadata.name!r} has fields the published API does "
                f"not list, left out of the descriptor: {', '.join(extra)}",
                file=sys.stderr,
            )
    dump: Callable[[Any], str] = dump_service if kind == "service" else dump_route
    if args.output == "json":
        data: Any = (
            [document_data(obj) for obj in items]
            if args.all
            else yaml.safe_load(dump(items[0]))  # the descriptor itself
        )
        text = json.dumps(data, indent=2) + "\n"
    elif args.all:
        # A project descriptor: route descriptors carry no name, so many in one file
        # could not be told apart (`akka project export` names each document).
        text = dump_documents(items)
    else:
        text = dump_all(dump(obj) for obj in items)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.all and not items:
        print(f"No {kind}s found in project {settings.project!r}.", file=sys.stderr)
    return 0


def _export_project(args: argparse.Namespace, settings: Settings) -> int:
    """Every object a project descriptor can hold, one document each (secret values as
    `NOT EXPORTED`); what it cannot hold is named on stderr."""
    from .descriptors import _yaml
    from .descriptors.documents import broker_document_spec, observability_document_spec

    with _client(settings) as api:
        services = api.services.list()
        routes = api.routes.list()
        secrets = [s for s in api.secrets.list() if s.metadata.name != HOSTNAME_LEDGER]
        others = {kind: getattr(api, kind).list() for kind in IMPORTED_KINDS}
    docs: list[dict[str, Any]] = []
    left_out: list[str] = []

    def document(kind: str, name: str, spec: dict[str, Any]) -> None:
        docs.append(
            {"metadata": {"name": name}, "resource": kind, "resourceVersion": "v1", "spec": spec}
        )

    objects: list[KalixService | KalixRoute] = [
        *sorted(services, key=lambda o: o.metadata.name),
        *sorted(routes, key=lambda o: o.metadata.name),
    ]
    for obj in objects:
        extra = unpublished_fields(obj.spec, "spec")
        if extra:
            left_out.append(f"{obj.metadata.name!r}: {', '.join(extra)} (not in the published API)")
        docs.append(document_data(obj))
    for cfg in sorted(others["service_configs"], key=lambda o: o.metadata.name):
        document("ServiceConfig", cfg.metadata.name, {"config": cfg.spec.config})
    # The platform never shows a secret's keys: those something names are all we know.
    in_use = codegen.secret_keys_in_use(services)
    for kind, live in others.items():
        provider = _provider(IMPORTED_KINDS[kind][0])
        for item in live:
            for name, found in codegen.secret_key_refs(provider.inputs_from(item)).items():
                in_use.setdefault(name, set()).update(found)
    for secret in sorted(secrets, key=lambda o: o.metadata.name):
        known = sorted(in_use.get(secret.metadata.name, set()))
        if not known:
            left_out.append(f"secret {secret.metadata.name!r} (its keys are not known)")
            continue
        data = dict.fromkeys(known, REDACTED)
        document("Secret", secret.metadata.name, {"type": secret.spec.type, "data": data})
    for obj in sorted(others["external_secrets"], key=lambda o: o.metadata.name):
        spec = obj.spec.to_wire()
        spec.pop("resourceSync", None)
        document("ExternalSecret", obj.metadata.name, spec)
    observability = _provider("Observability")
    for obj in others["observabilities"]:
        document(
            "Observability",
            obj.metadata.name,
            observability_document_spec(observability.inputs_from(obj)),
        )
    broker = _provider("Broker")
    for obj in others["brokers"]:
        broker_spec = broker_document_spec(broker.inputs_from(obj))
        if broker_spec is None:
            left_out.append(
                f"broker {obj.metadata.name!r} (workload identity or a GCP project override: "
                "the descriptor reference has no field for them)"
            )
        else:
            document("Broker", obj.metadata.name, broker_spec)
    for kind in ("object_storages", "stores", "container_registry_configs"):
        for obj in others[kind]:
            noun = IMPORTED_KINDS[kind][1].removesuffix("s")
            left_out.append(f"{noun} {obj.metadata.name!r} (no project-descriptor form)")
    if args.output == "json":
        text = json.dumps(docs, indent=2) + "\n"
    else:
        text = dump_all(_yaml(d) for d in docs)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if left_out:
        print(
            "Warning: left out of the descriptor (use `pulumi-kalix import` for them): "
            + "; ".join(left_out),
            file=sys.stderr,
        )
    return 0


# -- import -----------------------------------------------------------------------------------


def _import(args: argparse.Namespace, settings: Settings) -> int:
    project = _project(settings)
    out = Path(args.out or f"kalix-{project}")
    _check_out(out, args.force)
    with _client(settings) as api:
        # The hostname claims ledger is pulumi-kalix's own bookkeeping, not a user secret.
        secrets = [s for s in api.secrets.list() if s.metadata.name != HOSTNAME_LEDGER]
        hostnames = _hostnames(settings)
        services = api.services.list()
        routes = api.routes.list()
        others = {kind: getattr(api, kind).list() for kind in IMPORTED_KINDS}
    bindings, no_bindings = _role_bindings(settings)
    prog = codegen.Program(project)
    if no_bindings:
        prog.warnings.append(no_bindings)
    in_use = codegen.secret_keys_in_use(services)
    # Brokers, object storages, ... name secret keys too: all an import can know of them.
    for kind, objects in others.items():
        provider = _provider(IMPORTED_KINDS[kind][0])
        for obj in objects:
            for name, keys in codegen.secret_key_refs(provider.inputs_from(obj)).items():
                in_use.setdefault(name, set()).update(keys)
    for secret in sorted(secrets, key=lambda o: o.metadata.name):
        codegen.declare_live_secret(prog, secret, in_use.get(secret.metadata.name, set()))
    # What services name (configs, external secrets, storage) is declared before them ...
    for kind in BEFORE_SERVICES:
        _declare_live(prog, kind, others[kind])
    for host in sorted(hostnames, key=lambda h: h.name):
        codegen.declare_hostname(prog, host, host.name)
    for svc in sorted(services, key=lambda o: o.metadata.name):
        codegen.declare_live_service(prog, svc)
    for route in sorted(routes, key=lambda o: o.metadata.name):
        codegen.declare_live_route(prog, route)
    # ... and the project-wide ones after.
    for kind in IMPORTED_KINDS:
        if kind not in BEFORE_SERVICES:
            _declare_live(prog, kind, others[kind])
    for role, principal in bindings:
        # Adopted: each is left in place if the program drops it (the creator's admin too).
        name = re.sub(r"[^a-z0-9-]+", "-", f"{role}-{principal.rsplit('/', 1)[-1]}".lower())
        codegen.declare_role_binding(prog, name.strip("-"), role, principal)
    counts = {
        "services": len(services),
        "hostnames": len(hostnames),
        "routes": len(routes),
        "secrets": len(secrets),
        **{IMPORTED_KINDS[k][1]: len(objs) for k, objs in others.items() if objs},
        **({"role bindings": len(bindings)} if bindings else {}),
    }
    _write_program(
        out, prog, counts, f"pulumi-kalix import --project {project}", f"kalix-{project}"
    )
    return 0


#: The control-plane kinds `import` declares beside services, routes, secrets and
#: hostnames: client collection -> (codegen kind, how the counts name them).
IMPORTED_KINDS: dict[str, tuple[str, str]] = {
    "service_configs": ("ServiceConfig", "service configs"),
    "external_secrets": ("ExternalSecret", "external secrets"),
    "object_storages": ("ObjectStorage", "object storages"),
    "stores": ("Store", "stores"),
    "container_registry_configs": ("ContainerRegistryConfig", "container registry configs"),
    "brokers": ("Broker", "brokers"),
    "observabilities": ("Observability", "observabilities"),
}
BEFORE_SERVICES = ("service_configs", "external_secrets", "object_storages", "stores")


def _provider(kind: str) -> Any:
    from .provider.broker import BrokerProvider
    from .provider.container_registry_config import ContainerRegistryConfigProvider
    from .provider.external_secret import ExternalSecretProvider
    from .provider.object_storage import ObjectStorageProvider
    from .provider.observability import ObservabilityProvider
    from .provider.service_config import ServiceConfigProvider
    from .provider.store import StoreProvider

    providers: dict[str, Any] = {
        "ServiceConfig": ServiceConfigProvider,
        "ExternalSecret": ExternalSecretProvider,
        "ObjectStorage": ObjectStorageProvider,
        "Store": StoreProvider,
        "ContainerRegistryConfig": ContainerRegistryConfigProvider,
        "Broker": BrokerProvider,
        "Observability": ObservabilityProvider,
    }
    return providers[kind]()


def _declare_live(prog: codegen.Program, collection: str, objects: list[Any]) -> None:
    from .api.observability import azure_monitor_paths

    kind = IMPORTED_KINDS[collection][0]
    provider = _provider(kind)
    for obj in sorted(objects, key=lambda o: o.metadata.name):
        inputs = provider.inputs_from(obj)
        # The one secret value of these kinds is never shown by a read: the program
        # asks for it (the current value), as for a secret's data.
        if kind == "Observability":
            has_secret = bool(azure_monitor_paths(obj.spec.to_wire()))
        elif kind == "Store":
            has_secret = bool(obj.spec.postgres and obj.spec.postgres.ssl)
        else:
            has_secret = False
        codegen.declare_kind(prog, kind, inputs, with_secret=has_secret)


def _check_out(out: Path, force: bool) -> None:
    main_py = out / "__main__.py"
    if main_py.exists() and not force:
        raise UsageError(f"{main_py} already exists: pass --force to overwrite it")


def _write_program(
    out: Path, prog: codegen.Program, counts: dict[str, int], command: str, name: str
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "__main__.py").write_text(codegen.render(prog), encoding="utf-8")
    what = f"Kalix project {prog.project}" if prog.project else "Kalix resources"
    (out / "Pulumi.yaml").write_text(
        codegen.pulumi_yaml(name, f"{what} (written by {command.split(' --')[0]})"),
        encoding="utf-8",
    )
    (out / "README.md").write_text(codegen.readme(prog, counts, command), encoding="utf-8")
    for warning in [*prog.warnings, *prog.notes]:
        print(f"Warning: {warning}", file=sys.stderr)
    summary = codegen.counted(counts)
    print(f"Wrote {out}/ ({summary}); next: see {out / 'README.md'}", file=sys.stderr)


# -- convert ------------------------------------------------------------------------------------


def _convert(args: argparse.Namespace, settings: Settings | None) -> int:
    from .convert import convert_files

    out = Path(args.out)
    _check_out(out, args.force)
    prog, counts = convert_files(
        [Path(f) for f in args.files], project=args.project, hostname=args.hostname
    )
    name = f"kalix-{prog.project}" if prog.project else f"kalix-{out.resolve().name}"
    command = "pulumi-kalix convert " + " ".join(Path(f).name for f in args.files)
    _write_program(out, prog, counts, command, name)
    return 0


# -- argument parsing ---------------------------------------------------------------------------


def _connection_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    group = parser.add_argument_group("connection flags")
    group.add_argument(
        "--api-host",
        default=default,
        metavar="HOST",
        help=(
            "the federation plane: host:port (TLS) or http://host:port "
            f"(env AKKA_API_HOST; default {API_HOST[2]})"
        ),
    )
    group.add_argument(
        "--token",
        default=default,
        help="a refresh or service token (env AKKA_TOKEN; else the akka CLI's)",
    )
    group.add_argument("--project", default=default, help="project name or UUID (env AKKA_PROJECT)")
    group.add_argument(
        "--region", default=default, help="region to use (env AKKA_REGION; default primary)"
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi-kalix")
    except PackageNotFoundError:  # a checkout on PYTHONPATH, not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=raw,
        description=(
            "Bring Kalix service and route descriptors, and whole existing Kalix projects,\n"
            "into Pulumi."
        ),
        epilog=(
            "Examples:\n"
            f"  {PROG} export service my-service -f my-service.yaml\n"
            f"  {PROG} export route acme-ecommerce > routes.yaml\n"
            f"  {PROG} import --project my-project --out infra/\n"
            f"  {PROG} convert project.yaml --out infra/\n"
            "\n"
            "Exit codes: 0 ok; 1 an API, descriptor or usage error (one line on stderr);\n"
            "2 a command-line syntax error."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _connection_flags(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    export = commands.add_parser(
        "export",
        help="export descriptors of live services or routes, or a project descriptor",
        description=(
            "Export the descriptor of a live service or route as YAML, or (`export\n"
            "project`) a project descriptor of every object that has a descriptor form."
        ),
        formatter_class=raw,
    )
    kinds = export.add_subparsers(dest="kind", metavar="KIND", required=True)
    whole = kinds.add_parser(
        "project",
        help="exports a project descriptor of every object that has a descriptor form",
        formatter_class=raw,
        description=(
            "Exports, as `akka project export` does, one project-descriptor document per\n"
            "service, route, service config, secret (its values as NOT EXPORTED),\n"
            "external secret, observability and broker; what has no descriptor form\n"
            "(object storages, stores, container registry configs) is named on stderr."
        ),
        epilog=f"Examples:\n  {PROG} export project -f project.yaml",
    )
    whole.add_argument(
        "-f", "--file", metavar="FILE", help="the file to write to (default: stdout)"
    )
    whole.add_argument(
        "-o", "--output", choices=("yaml", "json"), default="yaml", help="output format"
    )
    _connection_flags(whole, argparse.SUPPRESS)
    whole.set_defaults(
        run=_export_project, parser=whole, export_kind="project", name=None, all=True
    )
    for kind, example, shape in (
        ("service", "my-service", "kalix service export"),
        ("route", "acme-ecommerce", "kalix route export"),
    ):
        sub = kinds.add_parser(
            kind,
            aliases=[f"{kind}s"],  # as the kalix CLI takes `services` and `routes`
            help=f"exports a {kind} descriptor",
            formatter_class=raw,
            description=(
                f"Exports a {kind} descriptor, as `{shape}` does, so that it can be stored\n"
                "in a version control system, edited, and deployed with\n"
                f"`kalix.{kind.capitalize()}.from_descriptor(...)`."
            ),
            epilog=(
                "Examples:\n"
                f"  {PROG} export {kind} {example}\n"
                f"  {PROG} export {kind} {example} -f {example}.yaml\n"
                f"  {PROG} export {kind} --all > {kind}s.yaml   # a project descriptor"
            ),
        )
        sub.add_argument("name", nargs="?", metavar=kind.upper(), help=f"the {kind} to export")
        sub.add_argument(
            "--all",
            action="store_true",
            help=f"export every {kind} of the project, as a project descriptor "
            "(`akka project export`'s documents, each named)",
        )
        sub.add_argument(
            "-f", "--file", metavar="FILE", help="the file to write to (default: stdout)"
        )
        sub.add_argument(
            "-o",
            "--output",
            choices=("yaml", "json"),
            default="yaml",
            help="output format (default: yaml)",
        )
        _connection_flags(sub, argparse.SUPPRESS)
        sub.set_defaults(run=_export, parser=sub, export_kind=kind)

    imp = commands.add_parser(
        "import",
        help="write a Pulumi program that adopts a whole project",
        formatter_class=raw,
        description=(
            "Writes a ready-to-run Pulumi program (__main__.py, Pulumi.yaml, README.md) that\n"
            "declares every service, hostname, route, secret, service config, external\n"
            "secret, object storage, store, container registry config, broker and\n"
            "observability of a project with adopt=True: the first `pulumi up` takes them\n"
            "over as they are, with no recreation and no rollout. Secret values are never\n"
            "written; the program reads them from stack config, and README.md lists the\n"
            "commands to set them."
        ),
        epilog=f"Examples:\n  {PROG} import --project my-project --out infra/",
    )
    imp.add_argument(
        "--out", metavar="DIR", help="the directory to write to (default: kalix-PROJECT)"
    )
    imp.add_argument("--force", action="store_true", help="overwrite an existing program")
    _connection_flags(imp, argparse.SUPPRESS)
    imp.set_defaults(run=_import, parser=imp)

    conv = commands.add_parser(
        "convert",
        help="write a Pulumi program from service, route and project descriptors",
        formatter_class=raw,
        description=(
            "Writes a Pulumi program (__main__.py, Pulumi.yaml, README.md) with one resource\n"
            "per document of the descriptor files: service descriptors (`akka service\n"
            "apply -f`), route descriptors (`kalix route export`) and project descriptors\n"
            "(`akka project apply -f` / `akka project export`). A route's services and\n"
            "hostname are referenced as outputs; secret values are read from stack config\n"
            "(README.md lists the `pulumi config set --secret` commands) and never written.\n"
            "ServiceConfig, ExternalSecret, Observability, Broker and RoleBindings documents\n"
            "become their resources; kinds no resource manages yet (Project, NetworkPolicy)\n"
            "are named, not dropped."
        ),
        epilog=(
            "Examples:\n"
            f"  {PROG} convert project.yaml --out infra/\n"
            f"  {PROG} convert service.yaml route.yaml --out infra/ --hostname shop.example.com"
        ),
    )
    conv.add_argument("files", nargs="+", metavar="FILE", help="descriptor files to convert")
    conv.add_argument("--out", metavar="DIR", required=True, help="the directory to write to")
    conv.add_argument(
        "--hostname",
        metavar="HOST",
        help="the hostname of routes that name no host (default: a generated hostname)",
    )
    conv.add_argument(
        "--project",
        metavar="PROJECT",
        help="the project (default: a Project document's name, else the stack's kalix:project)",
    )
    conv.add_argument("--force", action="store_true", help="overwrite an existing program")
    conv.set_defaults(run=_convert, parser=conv)

    who = commands.add_parser(
        "whoami",
        help="check the credential, the project and the region it resolves to",
        description=(
            "Exchanges the credential for an access token and prints who it is, the\n"
            "projects it sees, and the project's UUID, region and control-plane endpoint;\n"
            "or one line saying what is wrong and how to fix it."
        ),
        formatter_class=raw,
    )
    who.add_argument(
        "-o",
        "--output",
        choices=("text", "json"),
        default="text",
        help="output format (default: text)",
    )
    _connection_flags(who, argparse.SUPPRESS)
    who.set_defaults(run=_whoami, parser=who)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exit code 2 on a syntax error
    if (
        args.command == "export"
        and args.export_kind != "project"
        and bool(args.name) == bool(args.all)
    ):
        args.parser.error(f"give a {args.export_kind.upper()} name or --all (one of them)")
    settings: Settings | None = None
    try:
        # convert reads files only: no connection settings.
        settings = None if args.command == "convert" else _settings(args)
        return int(args.run(args, settings))
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
    except (KalixError, DescriptorError, OSError) as exc:
        print(f"Error: {_explain(exc, settings)}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
