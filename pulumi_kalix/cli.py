"""`pulumi-kalix`: Kalix descriptors out of a live project, and a Pulumi program for it.

```
pulumi-kalix export service NAME [-f FILE]      like `kalix service export`
pulumi-kalix export route NAME [-f FILE]        like `kalix route export`
pulumi-kalix export service|route --all         every one, as YAML documents
pulumi-kalix import --project P [--out DIR]     a program adopting the whole project
pulumi-kalix whoami                             check credential, project, region
```
Connection settings come from `--api-host`/`--token`/`--project`/`--region`, then
`AKKA_API_HOST`/`AKKA_TOKEN`/`AKKA_PROJECT`/`AKKA_REGION` (see `pulumi_kalix.config`).
Exit codes: 0 ok, 1 an API or usage error (one line on stderr), 2 a command-line
syntax error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api import REQUIRED_SECRET_KEYS, KalixRoute, KalixSecret, KalixService
from .api import Hostname as HostnameObject
from .client import ControlPlane
from .config import API_HOST, PROJECT, REGION, TOKEN, Settings
from .descriptors import (
    DescriptorError,
    adoption_changes,
    dump_all,
    dump_route,
    dump_service,
    service_descriptor_of,
    service_unmodeled,
)
from .errors import APIConnectionError, APIStatusError, KalixError, NotFoundError

PROG = "pulumi-kalix"


class UsageError(Exception):
    """A command that cannot run as given (exit code 1, one line)."""


# -- connection -------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    # Flags play the part stack config plays for the provider: flag, then env, then default.
    flags = {
        API_HOST[0]: args.api_host,
        PROJECT[0]: args.project,
        REGION[0]: args.region,
        TOKEN[0]: args.token,
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
    return " ".join(str(exc).split())  # one line


# -- whoami -----------------------------------------------------------------------------------


def _whoami(args: argparse.Namespace, settings: Settings) -> int:
    """Who the credential is, what it sees, and where the project's control plane is."""
    credential = settings.credential()
    session = settings.session()
    current = session.federation.current_token() if session.access_token() else None
    lines = [
        f"federation plane: {session.endpoint}",
        f"credential:       {credential.kind} token from {credential.source}",
        f"principal:        {current.name if current else '?'}",
    ]
    projects = list(session.federation.list_projects())
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
    else:
        lines.append("project:          (none set: pass --project or set AKKA_PROJECT)")
    print("\n".join(lines))
    return 0


# -- export -----------------------------------------------------------------------------------


def _export(args: argparse.Namespace, settings: Settings) -> int:
    kind: str = args.kind
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
    dump: Callable[[Any], str] = dump_service if kind == "service" else dump_route
    text = dump_all(dump(obj) for obj in items)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.all and not items:
        print(f"No {kind}s found in project {settings.project!r}.", file=sys.stderr)
    return 0


# -- import -----------------------------------------------------------------------------------


@dataclass
class _Program:
    """The generated `__main__.py`, built declaration by declaration."""

    project: str
    blocks: list[str] = field(default_factory=list)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    config_keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    uses_hashed_basic: bool = False

    def variable(self, kind: str, name: str) -> str:
        base = f"{kind}_{re.sub(r'[^0-9a-zA-Z_]', '_', name)}".lower()
        var, n = base, 2
        while var in self.variables.values():
            var, n = f"{base}_{n}", n + 1
        self.variables[(kind, name)] = var
        return var

    def config_key(self, secret: str, key: str, type_: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]", "_", f"{secret}_{key}")
        config_key, n = base, 2
        while config_key in self.config_keys:
            config_key, n = f"{base}_{n}", n + 1
        self.config_keys[config_key] = (secret, key, type_)
        return config_key

    def ref(self, kind: str, name: str, attr: str) -> str:
        """`<var>.<attr>` when the object is declared here (a dependency), else the literal."""
        var = self.variables.get((kind, name))
        return f"{var}.{attr}" if var else _lit(name)

    def declare(
        self,
        var: str,
        ctor: str,
        resource_name: str,
        kwargs: list[tuple[str, str]],
        comments: Sequence[str] = (),
        disabled: bool = False,
    ) -> None:
        lines = [f"# {line}" for c in comments for line in textwrap.wrap(c, 96)]
        call = [f"{var} = {ctor}(", f"    {_lit(resource_name)},"]
        call += [f"    {k}={v}," for k, v in kwargs]
        call += ["    project=PROJECT,", "    adopt=True,", ")"]
        code = "\n".join(call).splitlines()  # values may span lines
        lines += [f"# {line}" for line in code] if disabled else code
        self.blocks.append("\n".join(lines))


def _lit(value: Any, indent: int = 1) -> str:
    """A Python literal; strings in double quotes, collections one item a line."""
    pad, inner = "    " * indent, "    " * (indent + 1)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_lit(str(k))}: {_lit(v, indent + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [f"{inner}{_lit(v, indent + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def _code_map(entries: list[tuple[str, str]], indent: int = 1) -> str:
    """A dict literal whose values are code (e.g. `svc_cart.name`)."""
    pad, inner = "    " * indent, "    " * (indent + 1)
    items = [f"{inner}{_lit(k)}: {v}," for k, v in entries]
    return "{\n" + "\n".join(items) + f"\n{pad}}}"


def _code_list(items: list[str], indent: int = 1) -> str:
    pad, inner = "    " * indent, "    " * (indent + 1)
    return "[\n" + "\n".join(f"{inner}{i}," for i in items) + f"\n{pad}]"


def secret_keys_in_use(services: list[KalixService]) -> dict[str, set[str]]:
    """The secret keys services reference (env refs, mounted items), by secret name.

    The platform never shows a secret's keys, so this and the keys a secret type
    requires are all an import can know of them.
    """
    keys: dict[str, set[str]] = {}
    for svc in services:
        for container in svc.spec.containers:
            for var in container.env or []:
                if var.value_from is not None:
                    ref = var.value_from.secret_key_ref
                    keys.setdefault(ref.name, set()).add(ref.key)
            for mount in container.volume_mounts or []:
                if mount.secret is not None:
                    for item in mount.secret.items or []:
                        keys.setdefault(mount.secret.secret_name, set()).add(item.key)
    return keys


def _declare_secret(prog: _Program, secret: KalixSecret, used: set[str]) -> None:
    name = secret.metadata.name
    keys = sorted(set(REQUIRED_SECRET_KEYS.get(secret.spec.type, ())) | used)
    var = prog.variable("secret", name)
    if not keys:
        why = (
            f"secret {name!r}: the platform never shows a secret's keys and no service "
            "references one"
        )
        prog.warnings.append(why)
        prog.declare(
            var,
            "kalix.Secret",
            name,
            [("data", "{}")],
            [f"NOT DECLARED: {why}; list its keys in data= to manage it."],
            disabled=True,
        )
        return
    data = [
        (k, f"config.require_secret({_lit(prog.config_key(name, k, secret.spec.type))})")
        for k in keys
    ]
    kwargs = [("data", _code_map(data))]
    if secret.spec.type != "generic":
        kwargs.insert(0, ("type", _lit(secret.spec.type)))
    prog.declare(var, "kalix.Secret", name, kwargs)


def _declare_hostname(prog: _Program, host: HostnameObject) -> None:
    var = prog.variable("host", host.name)
    kwargs = [("hostname", _lit(host.name))]
    if host.global_:
        kwargs.append(("global_", "True"))
    comments = (
        ["Generated by Kalix: declared by its name so it is adopted, not generated anew."]
        if host.is_generated
        else []
    )
    prog.declare(var, "kalix.Hostname", host.name, kwargs, comments)


def _declare_service(prog: _Program, svc: KalixService) -> None:
    from .provider.service import ServiceProvider

    name = svc.metadata.name
    var = prog.variable("service", name)
    inputs = ServiceProvider.inputs_from(svc)
    kwargs = [("image", _lit(inputs["image"]))]
    for key in (
        *("env", "secret_env", "optional_secret_env", "min_instances", "max_instances"),
        *("instance_type", "labels", "restart_requested"),
        *("cpu_usage_threshold", "volume_mounts", "jwt_keys", "tracing"),
    ):
        if inputs.get(key) is not None:
            kwargs.append((key, _lit(inputs[key])))
    if inputs.get("paused"):
        kwargs.append(("paused", "True"))
    # Secrets read by env vars: declared first, so a fresh deployment creates them first.
    secrets = sorted(
        {
            str(ref).split("/", 1)[0]
            for key in ("secret_env", "optional_secret_env")
            for ref in (inputs.get(key) or {}).values()
        }
    )
    deps = [prog.variables[("secret", s)] for s in secrets if ("secret", s) in prog.variables]
    if deps:
        kwargs.append(("opts", f"pulumi.ResourceOptions(depends_on=[{', '.join(deps)}])"))
    comments = []
    kept = service_unmodeled(service_descriptor_of(name, svc.spec))
    if kept:
        comments.append(
            "Kept as they are on the live service, not managed here: " + ", ".join(kept)
        )
    _declare_checked(prog, svc, var, "kalix.Service", name, kwargs, comments)


def _declare_route(prog: _Program, route: KalixRoute) -> None:
    from .provider.route import RouteProvider

    name = route.metadata.name
    var = prog.variable("route", name)
    inputs = RouteProvider.inputs_from(route)
    kwargs = [("hostname", prog.ref("host", inputs["hostname"], "hostname"))]
    rules = inputs["paths"]
    if all(
        r.get("websockets") is None and r.get("streaming") is None and not r.get("name")
        for r in rules
    ):
        kwargs.append(
            (
                "paths",
                _code_map(
                    [(r["prefix"], prog.ref("service", r["service"], "name")) for r in rules]
                ),
            )
        )
    else:
        items = []
        for r in rules:
            args = [_lit(r["prefix"]), prog.ref("service", r["service"], "name")]
            args += [f"{k}={r[k]!r}" for k in ("websockets", "streaming") if r.get(k) is not None]
            args += [f"name={_lit(r['name'])}"] if r.get("name") else []
            items.append(f"kalix.PathRule({', '.join(args)})")
        kwargs.append(("paths", _code_list(items)))
    for key in ("cors_origins", "cors_methods", "client_certificate_subjects"):
        if inputs.get(key):
            kwargs.append((key, _lit(inputs[key])))
    for key in ("client_ca_secret", "server_certificate_secret"):
        if inputs.get(key):
            kwargs.append((key, prog.ref("secret", inputs[key], "name")))
    basic = inputs.get("http_basic")
    if basic:
        prog.uses_hashed_basic = True
        hashes = _lit(basic["password_hashes"], 2)
        kwargs.append(
            (
                "http_basic",
                f"HashedHttpBasic(\n        realm={_lit(basic['realm'])},\n"
                f"        password_hashes={hashes},\n    )",
            )
        )
    _declare_checked(prog, route, var, "kalix.Route", name, kwargs, [])


def _declare_checked(
    prog: _Program,
    obj: KalixService | KalixRoute,
    var: str,
    ctor: str,
    name: str,
    kwargs: list[tuple[str, str]],
    comments: list[str],
) -> None:
    # An object the resource cannot express as it is would be changed by adoption (for a
    # service: rolled out): it is written commented out, for the user to decide.
    changes = adoption_changes(obj)
    if changes:
        kind = ctor.split(".")[-1].lower()
        why = f"adopting {kind} {name!r} would change {', '.join(changes)}"
        prog.warnings.append(why)
        comments = [*comments, f"NOT DECLARED: {why}; declare it by hand or leave it unmanaged."]
    prog.declare(var, ctor, name, kwargs, comments, disabled=bool(changes))


def _render(prog: _Program) -> str:
    header = f'''"""Kalix project {prog.project!r}, as `pulumi-kalix import` found it.

Every object is declared with adopt=True: the first `pulumi up` takes each one over as
it is (same object, same generation, no rollout) and a second `up` changes nothing.
Secret values are never written here: they come from stack config (see README.md).
"""

import pulumi

import pulumi_kalix as kalix
'''
    if prog.uses_hashed_basic:
        header += "from pulumi_kalix.route import HashedHttpBasic\n"
    header += f"\nPROJECT = {_lit(prog.project)}\n"
    if prog.config_keys:
        header += "config = pulumi.Config()\n"
    return header + "\n\n" + "\n\n".join(prog.blocks) + "\n"


def _readme(prog: _Program, counts: dict[str, int]) -> str:
    what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    intro = (
        f"Written by `pulumi-kalix import --project {prog.project}`: {what}, each declared "
        "with `adopt=True`, so the first `pulumi up` takes them over as they are (no "
        "recreation, no rollout) and a second `pulumi up` shows no changes. The program "
        "needs `pulumi-kalix` installed in its Python environment."
    )
    lines = [
        f"# Kalix project `{prog.project}` in Pulumi",
        "",
        *textwrap.wrap(intro, 88),
        "",
        "```sh",
        "pulumi stack init dev",
        "pulumi config set kalix:apiHost <host:port>  # omit for api.kalix.io:443",
        f"pulumi config set kalix:project {prog.project}",
        "pulumi config set --secret kalix:token <refresh or service token>",
    ]
    pem = [k for k, (_, key, t) in prog.config_keys.items() if t in ("tls", "tls-ca")]
    for key, (secret, secret_key, _) in prog.config_keys.items():
        if key in pem:
            lines.append(f"pulumi config set --secret {key} < {secret_key}  # PEM of {secret}")
        else:
            lines.append(f"pulumi config set --secret {key} '<value of {secret}/{secret_key}>'")
    lines += ["pulumi up", "```", ""]
    if prog.config_keys:
        lines += [
            "Secret values cannot be read back from Kalix, so set each one to its current",
            "value: a different value updates the secret when it is adopted.",
            "",
        ]
    if prog.warnings:
        lines += ["Left commented out in `__main__.py` (adopting them would change them):", ""]
        lines += [f"- {w}" for w in prog.warnings] + [""]
    return "\n".join(lines)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    project = _project(settings)
    out = Path(args.out or f"kalix-{project}")
    main_py = out / "__main__.py"
    if main_py.exists() and not args.force:
        raise UsageError(f"{main_py} already exists: pass --force to overwrite it")
    with _client(settings) as api:
        secrets = api.secrets.list()
        hostnames = _hostnames(settings)
        services = api.services.list()
        routes = api.routes.list()
    prog = _Program(project)
    in_use = secret_keys_in_use(services)
    for secret in sorted(secrets, key=lambda o: o.metadata.name):
        _declare_secret(prog, secret, in_use.get(secret.metadata.name, set()))
    for host in sorted(hostnames, key=lambda h: h.name):
        _declare_hostname(prog, host)
    for svc in sorted(services, key=lambda o: o.metadata.name):
        _declare_service(prog, svc)
    for route in sorted(routes, key=lambda o: o.metadata.name):
        _declare_route(prog, route)
    counts = {
        "services": len(services),
        "hostnames": len(hostnames),
        "routes": len(routes),
        "secrets": len(secrets),
    }
    out.mkdir(parents=True, exist_ok=True)
    main_py.write_text(_render(prog), encoding="utf-8")
    stack_name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"kalix-{project}")
    (out / "Pulumi.yaml").write_text(
        f"name: {stack_name}\nruntime: python\n"
        f"description: Kalix project {project} (imported by pulumi-kalix)\n",
        encoding="utf-8",
    )
    (out / "README.md").write_text(_readme(prog, counts), encoding="utf-8")
    for warning in prog.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"Wrote {out}/ ({summary}); next: see {out / 'README.md'}", file=sys.stderr)
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
            f"  {PROG} import --project my-project --out infra/"
        ),
    )
    _connection_flags(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    export = commands.add_parser(
        "export",
        help="export descriptors of live services or routes",
        description="Export the descriptor of a live service or route as YAML.",
        formatter_class=raw,
    )
    kinds = export.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, example, shape in (
        ("service", "my-service", "kalix service export"),
        ("route", "acme-ecommerce", "kalix route export"),
    ):
        sub = kinds.add_parser(
            kind,
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
                f"  {PROG} export {kind} --all > {kind}s.yaml"
            ),
        )
        sub.add_argument("name", nargs="?", metavar=kind.upper(), help=f"the {kind} to export")
        sub.add_argument("--all", action="store_true", help=f"export every {kind} of the project")
        sub.add_argument(
            "-f", "--file", metavar="FILE", help="the file to write to (default: stdout)"
        )
        _connection_flags(sub, argparse.SUPPRESS)
        sub.set_defaults(run=_export, parser=sub)

    imp = commands.add_parser(
        "import",
        help="write a Pulumi program that adopts a whole project",
        formatter_class=raw,
        description=(
            "Writes a ready-to-run Pulumi program (__main__.py, Pulumi.yaml, README.md) that\n"
            "declares every service, hostname, route and secret of a project with\n"
            "adopt=True: the first `pulumi up` takes them over as they are, with no\n"
            "recreation and no rollout. Secret values are never written; the program\n"
            "reads them from stack config, and README.md lists the commands to set them."
        ),
        epilog=f"Examples:\n  {PROG} import --project my-project --out infra/",
    )
    imp.add_argument(
        "--out", metavar="DIR", help="the directory to write to (default: kalix-PROJECT)"
    )
    imp.add_argument("--force", action="store_true", help="overwrite an existing program")
    _connection_flags(imp, argparse.SUPPRESS)
    imp.set_defaults(run=_import, parser=imp)

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
    _connection_flags(who, argparse.SUPPRESS)
    who.set_defaults(run=_whoami, parser=who)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exit code 2 on a syntax error
    if args.command == "export" and bool(args.name) == bool(args.all):
        args.parser.error(f"give a {args.kind.upper()} name or --all (one of them)")
    settings: Settings | None = None
    try:
        settings = _settings(args)
        return int(args.run(args, settings))
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
    except (KalixError, DescriptorError, OSError) as exc:
        print(f"Error: {_explain(exc, settings)}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
