"""The Pulumi program generator shared by `pulumi-kalix import` (a live project) and
`pulumi-kalix convert` (descriptor files).

Each object becomes one resource declaration with `adopt=True` (the first `pulumi up`
takes over what exists and creates what is missing, as `akka project apply` does);
dependencies are references to other declarations' outputs (`service_cart.name`,
`host_shop.hostname`), never strings, when the object is declared in the same program.
Secret values and HTTP basic password hashes are never written: the program reads
them with `config.require_secret(...)`, and the README lists the
`pulumi config set --secret` commands to fill them. That holds for the two secret values
the control-plane kinds have as well (an Observability's Azure Monitor connection
string, a Store's SSL key password).

The control-plane kinds (ServiceConfig, ExternalSecret, ObjectStorage, Store,
ContainerRegistryConfig, Broker, Observability) are declared from their resource inputs
(the wire form of their blocks, which the resources take as they are); a service names
its ServiceConfig by reference, and every declaration that names secrets (or an
external secret) depends on those declared here.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .api import REQUIRED_SECRET_KEYS, KalixRoute, KalixSecret, KalixService
from .api import Hostname as HostnameObject
from .descriptors import adoption_changes, service_descriptor_of, service_unmodeled

#: Service inputs written after `image`, in this order (as `kalix.Service` lists them).
SERVICE_KWARGS = (
    *("env", "secret_env", "optional_secret_env", "min_instances", "max_instances"),
    *("instance_type", "labels", "restart_requested"),
    *("cpu_usage_threshold", "volume_mounts", "jwt_keys", "tracing"),
    *("runtime_mode", "replication", "workload_identity", "jwt_key_sets"),
    *("spec_labels", "spec_annotations", "telemetry_resource_attributes", "truststore"),
    *("service_config", "object_storage", "store_config", "resource_sync"),
)


@dataclass(frozen=True)
class ConfigSecret:
    """A stack config secret the program reads: what it holds and how to set it."""

    what: str
    #: a PEM file is set from the file (`< file`), anything else as a quoted value
    pem: bool = False
    hint: str = ""


@dataclass
class Program:
    """The generated `__main__.py`, built declaration by declaration."""

    #: the project's name or UUID; None: the stack's `kalix:project`
    project: str | None
    #: `import` or `convert`, and what was read (for the header and README)
    origin: str = "import"
    sources: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    config_keys: dict[str, ConfigSecret] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: what is deliberately not declared (unmanaged kinds), for the README
    notes: list[str] = field(default_factory=list)
    uses_hashed_basic: bool = False
    #: the `kalix.Project` declaration, when the project itself is declared (convert of
    #: a Project document): `PROJECT` is then its id
    project_block: str | None = None
    project_var: str | None = None

    def variable(self, kind: str, name: str) -> str:
        base = f"{kind}_{re.sub(r'[^0-9a-zA-Z_]', '_', name)}".lower()
        var, n = base, 2
        while var in self.variables.values():
            var, n = f"{base}_{n}", n + 1
        self.variables[(kind, name)] = var
        return var

    def config_key(self, base: str, secret: ConfigSecret) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]", "_", base)
        config_key, n = base, 2
        while config_key in self.config_keys:
            config_key, n = f"{base}_{n}", n + 1
        self.config_keys[config_key] = secret
        return config_key

    def require_secret(self, base: str, secret: ConfigSecret) -> str:
        return f"config.require_secret({lit(self.config_key(base, secret))})"

    def ref(self, kind: str, name: str, attr: str) -> str:
        """`<var>.<attr>` when the object is declared here (a dependency), else the literal."""
        var = self.variables.get((kind, name))
        return f"{var}.{attr}" if var else lit(name)

    def declare(
        self,
        var: str,
        ctor: str,
        resource_name: str,
        kwargs: list[tuple[str, str]],
        comments: Sequence[str] = (),
        disabled: bool = False,
        adopt: bool = True,
    ) -> None:
        lines = [f"# {line}" for c in comments for line in textwrap.wrap(c, 96)]
        call = [f"{var} = {ctor}(", f"    {lit(resource_name)},"]
        call += [_argument(k, v) for k, v in kwargs]
        call += ["    project=PROJECT,", *(["    adopt=True,"] if adopt else []), ")"]
        code = "\n".join(call).splitlines()  # values may span lines
        lines += [f"# {line}" if line else "#" for line in code] if disabled else code
        self.blocks.append("\n".join(lines))


#: The line length of the generated code (ruff's, as this project sets it).
LINE_LENGTH = 100


def _argument(key: str, value: str) -> str:
    """`    key=value,`; a call too long for a line gets its argument on a line of its own."""
    line = f"    {key}={value},"
    head, paren, rest = value.partition("(")
    if len(line) <= LINE_LENGTH or "\n" in value or not paren or not rest.endswith(")"):
        return line
    return f"    {key}={head}(\n        {rest[:-1]}\n    ),"


def lit(value: Any, indent: int = 1) -> str:
    """A Python literal; strings in double quotes, collections one item a line."""
    pad, inner = "    " * indent, "    " * (indent + 1)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{lit(str(k))}: {lit(v, indent + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [f"{inner}{lit(v, indent + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def code_map(entries: list[tuple[str, str]], indent: int = 1) -> str:
    """A dict literal whose values are code (e.g. `service_cart.name`)."""
    pad, inner = "    " * indent, "    " * (indent + 1)
    items = [f"{inner}{lit(k)}: {v}," for k, v in entries]
    return "{\n" + "\n".join(items) + f"\n{pad}}}"


def code_list(items: list[str], indent: int = 1) -> str:
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


def secret_key_refs(value: Any) -> dict[str, set[str]]:
    """The `{name, key}` secret references anywhere in a block, by secret name."""
    keys: dict[str, set[str]] = {}
    if isinstance(value, dict):
        name, key = value.get("name"), value.get("key")
        if (
            isinstance(name, str)
            and isinstance(key, str)
            and set(value) <= {"name", "key", "optional"}
        ):
            keys.setdefault(name, set()).add(key)
        items: list[Any] = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        items = []
    for item in items:
        for name, found in secret_key_refs(item).items():
            keys.setdefault(name, set()).update(found)
    return keys


def _secrets_referenced(inputs: Mapping[str, Any]) -> list[str]:
    """Names of the secrets a service's inputs read (env refs, mounts, key sets, ...)."""
    names = {
        str(ref).split("/", 1)[0]
        for key in ("secret_env", "optional_secret_env")
        for ref in (inputs.get(key) or {}).values()
    }
    names |= {str(m["secret"]) for m in inputs.get("volume_mounts") or [] if m.get("secret")}
    names |= {str(k["secret"]) for k in inputs.get("jwt_keys") or [] if k.get("secret")}
    for key_set in inputs.get("jwt_key_sets") or []:
        if isinstance(key_set.get("secret"), dict):
            names.add(str(key_set["secret"]["name"]))
    store = (inputs.get("truststore") or {}).get("secret")
    if isinstance(store, dict):
        names.add(str(store["name"]))
    return sorted(names)


def _secret_names(value: Any, under_secret: bool = False) -> set[str]:
    """The names a block's secret references give (`{name, key}` / `{name}` under a key
    that says secret or credential, or plain names in such a list)."""
    out: set[str] = set()
    if isinstance(value, dict):
        if under_secret and isinstance(value.get("name"), str):
            out.add(value["name"])
        for key, item in value.items():
            lowered = str(key).lower()
            out |= _secret_names(
                item, under_secret or "secret" in lowered or "credential" in lowered
            )
    elif isinstance(value, list):
        for item in value:
            if under_secret and isinstance(item, str):
                out.add(item)
            out |= _secret_names(item, under_secret)
    return out


def _depends_on(prog: Program, kinds_names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    deps = sorted({prog.variables[k] for k in kinds_names if k in prog.variables})
    return [("opts", f"pulumi.ResourceOptions(depends_on=[{', '.join(deps)}])")] if deps else []


# -- declarations ---------------------------------------------------------------------------


def declare_secret(
    prog: Program,
    name: str,
    type_: str,
    keys: Sequence[str],
    *,
    hint: str = "",
    redacted: Sequence[str] = (),
) -> None:
    """A secret whose values come from config secrets; `keys` are its data keys."""
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
    pem = type_ in ("tls", "tls-ca")
    data = []
    for key in keys:
        where = f"{hint} (redacted there: set the current value)" if key in redacted else hint
        secret = ConfigSecret(what=f"{name}/{key}", pem=pem, hint=where)
        data.append((key, prog.require_secret(f"{name}_{key}", secret)))
    kwargs = [("data", code_map(data))]
    if type_ != "generic":
        kwargs.insert(0, ("type", lit(type_)))
    prog.declare(var, "kalix.Secret", name, kwargs)


def declare_live_secret(prog: Program, secret: KalixSecret, used: set[str]) -> None:
    keys = sorted(set(REQUIRED_SECRET_KEYS.get(secret.spec.type, ())) | used)
    declare_secret(prog, secret.metadata.name, secret.spec.type, keys)


def declare_hostname(
    prog: Program, host: HostnameObject | None, resource_name: str, comments: Sequence[str] = ()
) -> str:
    """A Hostname; None: a generated one (no `hostname=`). Returns its variable."""
    var = prog.variable("host", host.name if host else resource_name)
    kwargs = [("hostname", lit(host.name))] if host else []
    if host and host.global_:
        kwargs.append(("global_", "True"))
    notes = list(comments)
    if host and host.is_generated:
        notes.append(
            "Generated by Kalix: declared by its name so it is adopted, not generated anew."
        )
    # A generated hostname is new by definition: nothing to adopt.
    prog.declare(var, "kalix.Hostname", resource_name, kwargs, notes, adopt=host is not None)
    return var


def service_kwargs(prog: Program, inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`kalix.Service` keyword arguments of service inputs (plain values)."""
    kwargs = [("image", lit(inputs["image"]))]
    kwargs += [(key, lit(inputs[key])) for key in SERVICE_KWARGS if inputs.get(key) is not None]
    # References: what the service names by name is created before it.
    for key, kind in (("service_config", "service_config"), ("object_storage", "object_storage")):
        named = inputs.get(key)
        if named and (kind, named) in prog.variables:
            kwargs = [(k, prog.ref(kind, named, "name") if k == key else v) for k, v in kwargs]
    if inputs.get("paused"):
        kwargs.append(("paused", "True"))
    # Secrets it reads: declared first, so a fresh deployment creates them first.
    deps = [
        prog.variables[("secret", s)]
        for s in _secrets_referenced(inputs)
        if ("secret", s) in prog.variables
    ]
    deps += [
        prog.variables[("external_secret", n)]
        for n in sorted(_external_secrets_mounted(inputs))
        if ("external_secret", n) in prog.variables
    ]
    store = ((inputs.get("store_config") or {}).get("store") or {}).get("name")
    if store and ("store", store) in prog.variables:
        deps.append(prog.variables[("store", store)])
    if deps:
        kwargs.append(("opts", f"pulumi.ResourceOptions(depends_on=[{', '.join(deps)}])"))
    return kwargs


def _external_secrets_mounted(inputs: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for mount in inputs.get("volume_mounts") or []:
        ref = mount.get("external_secret")
        if isinstance(ref, dict) and ref.get("provider"):
            names.add(str(ref["provider"]))
    store = (inputs.get("truststore") or {}).get("external_secret")
    if isinstance(store, dict) and store.get("name"):
        names.add(str(store["name"]))
    return names


# -- the control-plane kinds ------------------------------------------------------------------

#: Per kind: (variable prefix, constructor, the inputs written after the name, in order).
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ServiceConfig": ("service_config", "kalix.ServiceConfig", ("config",)),
    "ExternalSecret": ("external_secret", "kalix.ExternalSecret", ("aws", "gcp", "azure")),
    "ObjectStorage": ("object_storage", "kalix.ObjectStorage", ("buckets",)),
    "Store": ("store", "kalix.Store", ("in_memory", "postgres")),
    "ContainerRegistryConfig": (
        "container_registry_config",
        "kalix.ContainerRegistryConfig",
        ("credentials", "mappings"),
    ),
    "Broker": (
        "broker",
        "kalix.Broker",
        ("type", "description", "kafka", "google_pubsub", "azure_event_hubs"),
    ),
    "Observability": (
        "observability",
        "kalix.Observability",
        ("exporters", "traces", "metrics", "logs", "trace_sampling", "heap_dump", "log_level"),
    ),
}
#: The one secret value of a kind, passed as its own input: (input, what it holds).
SECRET_INPUTS = {
    "Observability": ("azure_monitor_connection_string", "the Azure Monitor connection string"),
    "Store": ("ssl_password", "the password of the Postgres SSL client key"),
}


def declare_kind(
    prog: Program,
    kind: str,
    inputs: Mapping[str, Any],
    *,
    with_secret: bool = False,
    hint: str = "",
    comments: Sequence[str] = (),
) -> str:
    """A control-plane object from its resource inputs; `with_secret`: it has the kind's
    secret value (read from stack config). Returns its variable."""
    prefix, ctor, order = KINDS[kind]
    name = str(inputs["name"])
    var = prog.variable(prefix, name)
    kwargs = [(k, lit(inputs[k])) for k in order if inputs.get(k) not in (None, "", [], {})]
    if with_secret:
        key, what = SECRET_INPUTS[kind]
        secret = ConfigSecret(what=f"{what} of {kind} {name}", hint=hint)
        # A singleton's default name says nothing: the kind does.
        base = f"{prefix}_{key}" if name == "default" else f"{name}_{key}"
        kwargs.append((key, prog.require_secret(base, secret)))
    refs = [("secret", n) for n in sorted(_secret_names(dict(inputs)))]
    kwargs += _depends_on(prog, refs)
    prog.declare(var, ctor, name, kwargs, comments)
    return var


def declare_role_binding(prog: Program, resource_name: str, role: str, principal: str) -> str:
    """A project role binding (federation plane), adopted like everything else: an
    existing binding of that role and principal is taken over (and left on delete)."""
    var = prog.variable("role_binding", resource_name)
    kwargs = [("role", lit(role)), ("principal", lit(principal))]
    prog.declare(var, "kalix.RoleBinding", resource_name, kwargs)
    return var


def declare_project(prog: Program, name: str, spec: Any, where: str) -> str:
    """`kalix.Project` for a Project document, with adopt=True (as `akka project apply`:
    created when missing, updated when it exists) and no allow_delete: the stack never
    deletes it. `PROJECT` becomes its id. A project takes one region here: the first
    (the primary, as the descriptor orders them); the others are named in a note."""
    var = prog.variable("project", name)
    regions = list(spec.regions or [])
    kwargs = [("name", lit(name))]
    if spec.description:
        kwargs.append(("description", lit(spec.description)))
    if spec.organization:
        kwargs.append(("organization", lit(spec.organization)))
    if regions:
        kwargs.append(("region", lit(regions[0])))
    comments = []
    if len(regions) > 1:
        extra = ", ".join(regions[1:])
        note = (
            f"Project {name!r} ({where}) also lists the regions {extra}: a Project resource "
            "creates one region; add the others with the akka CLI (`akka projects regions add`)"
        )
        prog.notes.append(note)
        comments.append(note)
    lines = [f"# {line}" for c in comments for line in textwrap.wrap(c, 96)]
    lines += [f"{var} = kalix.Project(", f"    {lit(name)},"]
    lines += [_argument(k, v) for k, v in kwargs]
    lines += ["    adopt=True,", ")"]
    prog.project_block = "\n".join(lines)
    prog.project_var = var
    return var


def declare_live_service(prog: Program, svc: KalixService) -> None:
    from .provider.service import ServiceProvider

    name = svc.metadata.name
    var = prog.variable("service", name)
    kwargs = service_kwargs(prog, ServiceProvider.inputs_from(svc))
    comments = []
    kept = service_unmodeled(service_descriptor_of(name, svc.spec))
    if kept:
        comments.append(
            "Kept as they are on the live service, not managed here: " + ", ".join(kept)
        )
    _declare_checked(prog, svc, var, "kalix.Service", name, kwargs, comments)


def route_kwargs(
    prog: Program, name: str, inputs: Mapping[str, Any], hostname: str
) -> list[tuple[str, str]]:
    """`kalix.Route` keyword arguments of route inputs; `hostname` is code."""
    kwargs = [("hostname", hostname)]
    rules = inputs["paths"]
    plain = all(
        r.get("websockets") is None and r.get("streaming") is None and not r.get("name")
        for r in rules
    )
    if plain:
        entries = [(r["prefix"], prog.ref("service", r["service"], "name")) for r in rules]
        kwargs.append(("paths", code_map(entries)))
    else:
        items = []
        for r in rules:
            args = [lit(r["prefix"]), prog.ref("service", r["service"], "name")]
            args += [f"{k}={r[k]!r}" for k in ("websockets", "streaming") if r.get(k) is not None]
            args += [f"name={lit(r['name'])}"] if r.get("name") else []
            items.append(f"kalix.PathRule({', '.join(args)})")
        kwargs.append(("paths", code_list(items)))
    for key in ("cors_origins", "cors_methods", "client_certificate_subjects"):
        if inputs.get(key):
            kwargs.append((key, lit(inputs[key])))
    for key in ("client_ca_secret", "server_certificate_secret"):
        if inputs.get(key):
            kwargs.append((key, prog.ref("secret", inputs[key], "name")))
    if inputs.get("resource_sync"):
        kwargs.append(("resource_sync", lit(inputs["resource_sync"])))
    basic = inputs.get("http_basic")
    if basic:
        prog.uses_hashed_basic = True
        hashes = [
            (
                user,
                prog.require_secret(
                    f"{name}_basic_{user}",
                    ConfigSecret(
                        what=f"the HTTP basic password hash of {user!r} on route {name!r}"
                    ),
                ),
            )
            for user in sorted(basic["password_hashes"])
        ]
        kwargs.append(
            (
                "http_basic",
                f"HashedHttpBasic(\n        realm={lit(basic['realm'])},\n"
                f"        password_hashes={code_map(hashes, 2)},\n    )",
            )
        )
    return kwargs


def declare_live_route(prog: Program, route: KalixRoute) -> None:
    from .provider.route import RouteProvider

    name = route.metadata.name
    var = prog.variable("route", name)
    inputs = RouteProvider.inputs_from(route)
    kwargs = route_kwargs(prog, name, inputs, prog.ref("host", inputs["hostname"], "hostname"))
    _declare_checked(prog, route, var, "kalix.Route", name, kwargs, [])


def _declare_checked(
    prog: Program,
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


# -- files --------------------------------------------------------------------------------------


def render(prog: Program) -> str:
    if prog.origin == "import":
        title = f"Kalix project {prog.project!r}, as `pulumi-kalix import` found it."
        body = (
            "Every object is declared with adopt=True: the first `pulumi up` takes each one "
            "over as it is (same object, same generation, no rollout) and a second `up` "
            "changes nothing."
        )
    else:
        title = f"Written by `pulumi-kalix convert` from {', '.join(prog.sources)}."
        body = (
            "Every object is declared with adopt=True: like `akka project apply`, the first "
            "`pulumi up` creates what is missing and takes over (and updates) what exists."
        )
    title = "\n".join(textwrap.wrap(title, 88, break_on_hyphens=False))
    doc = "\n".join(textwrap.wrap(body, 88))
    secrets = "Secret values are never written here: they come from stack config (see README.md)."
    header = (
        f'"""{title}\n\n{doc}\n{secrets}\n"""\n\nimport pulumi\n\nimport pulumi_kalix as kalix\n'
    )
    if prog.uses_hashed_basic:
        header += "from pulumi_kalix.route import HashedHttpBasic\n"
    project = lit(prog.project) if prog.project else "None  # the stack's kalix:project"
    if prog.project_block is not None:
        header += f"\n{prog.project_block}\n"
        project = f"{prog.project_var}.id"
    header += f"\nPROJECT = {project}\n"
    if prog.config_keys:
        header += "config = pulumi.Config()\n"
    return header + "\n\n" + "\n\n".join(prog.blocks) + "\n"


def counted(counts: Mapping[str, int]) -> str:
    """ "1 service, 2 routes, 1 observability": the counts of a summary, in plain English."""

    def noun(kind: str, n: int) -> str:
        if n != 1:
            return kind
        return kind[:-3] + "y" if kind.endswith("ies") else kind.removesuffix("s")

    return ", ".join(f"{n} {noun(kind, n)}" for kind, n in counts.items())


def readme(prog: Program, counts: Mapping[str, int], command: str) -> str:
    what = counted(counts)
    if prog.origin == "import":
        intro = (
            f"Written by `{command}`: {what}, each declared with `adopt=True`, so the first "
            "`pulumi up` takes them over as they are (no recreation, no rollout) and a second "
            "`pulumi up` shows no changes."
        )
    else:
        intro = (
            f"Written by `{command}` from {', '.join(prog.sources)}: {what}, each declared "
            "with `adopt=True`, so the first `pulumi up` creates what is missing and takes "
            "over what exists, as `akka project apply` would."
        )
    intro += " The program needs `pulumi-kalix` installed in its Python environment."
    lines = [
        f"# Kalix project `{prog.project or '<your project>'}` in Pulumi",
        "",
        *textwrap.wrap(intro, 88),
        "",
        "```sh",
        "pulumi stack init dev",
        "pulumi config set kalix:apiHost <host:port>  # omit for api.kalix.io:443",
        f"pulumi config set kalix:project {prog.project or '<project>'}",
        "pulumi config set --secret kalix:token <refresh or service token>",
    ]
    for key, secret in prog.config_keys.items():
        if secret.pem:
            lines.append(f"pulumi config set --secret {key} < {key}.pem  # PEM of {secret.what}")
        else:
            lines.append(f"pulumi config set --secret {key} '<{secret.what}>'")
    lines += ["pulumi up", "```", ""]
    hints = sorted({s.hint for s in prog.config_keys.values() if s.hint})
    if prog.origin == "import" and prog.config_keys:
        lines += [
            "Secret values cannot be read back from Kalix, so set each one to its current",
            "value: a different value updates the secret when it is adopted. HTTP basic",
            "hashes are shown by `pulumi-kalix export route NAME`.",
            "",
        ]
    elif hints:
        lines += ["The values are in " + "; ".join(hints) + ".", ""]
    if prog.warnings:
        lines += ["Left commented out in `__main__.py` (adopting them would change them):", ""]
        lines += [f"- {w}" for w in prog.warnings] + [""]
    if prog.notes:
        lines += ["Not declared (no pulumi-kalix resource manages them yet):", ""]
        lines += [f"- {n}" for n in prog.notes] + [""]
    return "\n".join(lines)


def pulumi_yaml(name: str, description: str) -> str:
    stack_name = re.sub(r"[^A-Za-z0-9_.-]", "-", name)
    return f"name: {stack_name}\nruntime: python\ndescription: {json.dumps(description)}\n"


__all__ = [
    "ConfigSecret",
    "Program",
    "code_list",
    "code_map",
    "declare_hostname",
    "declare_kind",
    "declare_live_route",
    "declare_live_secret",
    "declare_live_service",
    "declare_role_binding",
    "declare_secret",
    "lit",
    "pulumi_yaml",
    "readme",
    "render",
    "route_kwargs",
    "secret_key_refs",
    "secret_keys_in_use",
    "service_kwargs",
]
