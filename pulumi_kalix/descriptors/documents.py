"""The project-descriptor documents of the control-plane kinds beyond Service, Route and
Secret: `ServiceConfig`, `ExternalSecret`, `Observability`, `Broker`, and the
federation-plane `RoleBindings` and `Project` (Akka project descriptor reference,
`reference/pages/descriptors/project-descriptor.adoc`, and the observability and
external-secret descriptor references).

Each `spec` is read in the descriptor's own shape (a model per kind below) and mapped,
field by field, onto the inputs of its resource. The descriptor differs from the
platform API in places, and each difference is mapped explicitly:

- Observability: v1 documents (the project descriptor's) name one default exporter as
  `exporter:` and may give `metrics`/`logs`/`traces` as one exporter object (`{}`: none);
  the observability descriptor's `exporters:` list form (its v2) is read too. The Azure
  Monitor `connectionString` is a value in the descriptor: it becomes the resource's
  secret `azure_monitor_connection_string` (one for the object, as the resource has).
  `runtimeLogs` is documented but not in the published API: refused, named.
- Broker: `kafka.servers` is a comma-separated string (the API's list); secret
  references are `secret-name/key` strings (the API's `{name, key}`); `gcpKey` is the
  google-pubsub key secret; `eventhubs` is the API's `azureEventHubs`.
- RoleBindings: OIDC `group` -> `role` mappings; each becomes one `kalix.RoleBinding`
  whose principal is the group (see :func:`role_binding_inputs`).
- ExternalSecret and ServiceConfig specs are the API's (`tenantID`/`clientID`, as the
  external-secret reference spells them, read as `tenantId`/`clientId`).

`ObjectStorage`, `Store` and `ContainerRegistryConfig` are not project-descriptor kinds
(the reference lists none of them), so no descriptor shape is made up for them: they
are managed in Pulumi programs and by `pulumi-kalix import` only.

`Observability` and `Broker` are project-level singletons and their documents need no
`metadata.name`; the objects are named after it when given, else `DEFAULT_NAME` (our
assumption: the reference does not say what name the CLI gives them).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..api import WireModel
from ..api.external_secret import AwsExternalSecret, AzureExternalSecret, GcpExternalSecret
from ..api.observability import (
    SIGNAL_EXPORTERS,
    GoogleCloud,
    HeapDump,
    KalixConsole,
    Otlp,
    OtlpHttp,
    PrometheusWrite,
    SplunkHec,
    TraceSampling,
)
from . import Problem

#: The name of a singleton (Observability, Broker) whose document names none.
DEFAULT_NAME = "default"
#: `GroupRoleBinding.role` (project descriptor reference).
PROJECT_ROLES = ("admin", "developer", "viewer", "backoffice")
#: `--broker-ca-cert-secret`: a bare secret name "defaults key to 'ca.crt'" (akka CLI).
DEFAULT_CA_CERT_KEY = "ca.crt"
#: What `akka project export` writes in place of a secret value.
REDACTED = "NOT EXPORTED"


class ProjectDocumentSpec(WireModel):
    description: str | None = None
    organization: str | None = None
    regions: list[str] | None = None


class ServiceConfigDocumentSpec(WireModel):
    config: str = Field(min_length=1)


class ExternalSecretDocumentSpec(WireModel):
    aws: AwsExternalSecret | None = None
    gcp: GcpExternalSecret | None = None
    azure: AzureExternalSecret | None = None


class AzureMonitorDocument(WireModel):
    #: The connection string itself (a secret value in the descriptor).
    connection_string: str


class ExporterDocument(WireModel):
    """One exporter of the descriptor: one block. Which blocks a signal takes is
    checked when it is mapped (the published lists, `SIGNAL_EXPORTERS`)."""

    kalix_console: KalixConsole | None = None
    otlp: Otlp | None = None
    otlp_http: OtlpHttp | None = None
    splunk_hec: SplunkHec | None = None
    google_cloud: GoogleCloud | None = None
    azure_monitor: AzureMonitorDocument | None = None
    prometheuswrite: PrometheusWrite | None = None


class ObservabilityDocumentSpec(WireModel):
    #: v1: the one default exporter.
    exporter: ExporterDocument | None = None
    exporters: list[ExporterDocument] | None = None
    #: A list, or (v1) one exporter object.
    metrics: list[ExporterDocument] | ExporterDocument | None = None
    logs: list[ExporterDocument] | ExporterDocument | None = None
    traces: list[ExporterDocument] | ExporterDocument | None = None
    heap_dump: HeapDump | None = None
    trace_sampling: TraceSampling | None = None
    log_level: Literal["debug", "info", "warn", "error"] | None = None


class KafkaDocument(WireModel):
    auth_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
    #: "Comma-separated list of Kafka bootstrap servers".
    servers: str = Field(min_length=1)
    username: str
    #: `secret-name/key`.
    password_secret: str
    ca_cert_secret: str | None = None


class EventHubsDocument(WireModel):
    connection_string_secret: str
    checkpoint_store_sas_token_secret: str
    checkpoint_store_endpoint: str
    checkpoint_store_container_name: str


class BrokerDocumentSpec(WireModel):
    type: Literal["google-pubsub", "kafka", "eventhubs"]
    description: str | None = None
    #: google-pubsub: the secret holding the GCP service account key.
    gcp_key: str | None = None
    kafka: KafkaDocument | None = None
    eventhubs: EventHubsDocument | None = None


class GroupRoleBinding(WireModel):
    #: "a simple group name, not a full resource path"
    group: str = Field(min_length=1)
    role: Literal["admin", "developer", "viewer", "backoffice"]


class RoleBindingsDocumentSpec(WireModel):
    bindings: list[GroupRoleBinding] | None = None


# -- specs -> resource inputs ---------------------------------------------------------------


class Unmappable(ValueError):
    """Fields of a document that no resource input carries, each with its path."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))


def service_config_inputs(name: str, spec: ServiceConfigDocumentSpec) -> dict[str, Any]:
    """`kalix.ServiceConfig` keyword arguments."""
    return {"name": name, "config": spec.config}


def external_secret_inputs(name: str, spec: ExternalSecretDocumentSpec) -> dict[str, Any]:
    """`kalix.ExternalSecret` keyword arguments (blocks in their wire form)."""
    given = [p for p in ("aws", "gcp", "azure") if getattr(spec, p) is not None]
    if len(given) != 1:
        which = ", ".join(given) if given else "none"
        raise Unmappable([Problem("spec", f"give exactly one of aws, gcp, azure (got {which})")])
    block = getattr(spec, given[0])
    return {"name": name, given[0]: block.to_wire()}


def observability_inputs(
    name: str, spec: ObservabilityDocumentSpec
) -> tuple[dict[str, Any], str | None]:
    """`kalix.Observability` keyword arguments, and the Azure Monitor connection string
    (None: no azureMonitor exporter), which the caller passes as a secret."""
    problems: list[Problem] = []
    if spec.exporter is not None and spec.exporters is not None:
        problems.append(
            Problem("spec.exporter", "give the default exporter as exporter or exporters, not both")
        )
    lists: dict[str, list[tuple[str, ExporterDocument]]] = {}
    if spec.exporter is not None:
        # v1 writes `{}` for "none", as for each signal below.
        lists["exporters"] = [("spec.exporter", spec.exporter)] if spec.exporter.to_wire() else []
    else:
        lists["exporters"] = [
            (f"spec.exporters[{i}]", e) for i, e in enumerate(spec.exporters or [])
        ]
    for signal in ("traces", "metrics", "logs"):
        value = getattr(spec, signal)
        if isinstance(value, ExporterDocument):
            # v1: one exporter object; `{}` sets none.
            lists[signal] = [(f"spec.{signal}", value)] if value.to_wire() else []
        else:
            lists[signal] = [(f"spec.{signal}[{i}]", e) for i, e in enumerate(value or [])]
    strings: set[str] = set()
    inputs: dict[str, Any] = {"name": name}
    for signal, entries in lists.items():
        allowed = SIGNAL_EXPORTERS[signal]
        out = []
        for path, exporter in entries:
            blocks = exporter.to_wire()
            if len(blocks) != 1:
                problems.append(
                    Problem(
                        path,
                        f"an exporter is one block of {', '.join(allowed)} (got "
                        f"{', '.join(blocks) or 'none'})",
                    )
                )
                continue
            (block,) = blocks
            if block not in allowed:
                problems.append(
                    Problem(
                        f"{path}.{block}",
                        f"not an exporter of {signal} (allowed: {', '.join(allowed)})",
                    )
                )
                continue
            if exporter.azure_monitor is not None:
                strings.add(exporter.azure_monitor.connection_string)
                blocks = {"azureMonitor": {}}
            out.append(blocks)
        if out:
            inputs[signal] = out  # the resource's inputs are named as the lists
    if len(strings) > 1:
        problems.append(
            Problem(
                "spec",
                "the azureMonitor exporters have different connection strings: "
                "kalix.Observability takes one for the object",
            )
        )
    if spec.trace_sampling is not None:
        inputs["trace_sampling"] = spec.trace_sampling.to_wire()
    if spec.heap_dump is not None:
        inputs["heap_dump"] = spec.heap_dump.to_wire()
    if spec.log_level is not None:
        inputs["log_level"] = spec.log_level
    if problems:
        raise Unmappable(problems)
    return inputs, next(iter(strings), None)


def secret_key_ref(path: str, value: str, default_key: str | None = None) -> dict[str, str]:
    """A descriptor's `secret-name/key` as the API's `{name, key}`."""
    name, slash, key = value.partition("/")
    if not slash and default_key:
        key = default_key
    if not name or not key or "/" in key:
        raise Unmappable(
            [Problem(path, f"must be a secret reference `secret-name/key`, got {value!r}")]
        )
    return {"name": name, "key": key}


def broker_inputs(name: str, spec: BrokerDocumentSpec) -> dict[str, Any]:
    """`kalix.Broker` keyword arguments (blocks in their wire form)."""
    problems: list[Problem] = []
    block = {"kafka": "kafka", "google-pubsub": "gcpKey", "eventhubs": "eventhubs"}[spec.type]
    given = {"kafka": spec.kafka, "gcpKey": spec.gcp_key, "eventhubs": spec.eventhubs}
    for key, value in given.items():
        if value is not None and key != block:
            problems.append(Problem(f"spec.{key}", f"is not read when type is {spec.type!r}"))
    if given[block] is None:
        problems.append(Problem(f"spec.{block}", f"is required when type is {spec.type!r}"))
    if problems:
        raise Unmappable(problems)
    inputs: dict[str, Any] = {"name": name, "type": spec.type}
    if spec.description:
        inputs["description"] = spec.description
    found: list[Problem] = []

    def ref(path: str, value: str, default_key: str | None = None) -> dict[str, str]:
        try:
            return secret_key_ref(path, value, default_key)
        except Unmappable as err:
            found.extend(err.problems)
            return {}

    if spec.kafka is not None:
        kafka = spec.kafka
        servers = [s.strip() for s in kafka.servers.split(",")]
        if not all(servers):
            found.append(Problem("spec.kafka.servers", f"an empty server in {kafka.servers!r}"))
        wire: dict[str, Any] = {
            "servers": servers,
            "username": kafka.username,
            "authMechanism": kafka.auth_mechanism,
            "passwordSecret": ref("spec.kafka.passwordSecret", kafka.password_secret),
        }
        if kafka.ca_cert_secret is not None:
            wire["caCertSecret"] = ref(
                "spec.kafka.caCertSecret", kafka.ca_cert_secret, DEFAULT_CA_CERT_KEY
            )
        inputs["kafka"] = wire
    elif spec.gcp_key is not None:
        # The reference calls it "the name of a secret"; which key of it the platform
        # reads is not published, so it is asked for (the CLI's `--gcp-key-secret` form).
        if "/" not in spec.gcp_key:
            found.append(
                Problem(
                    "spec.gcpKey",
                    f"name the key too, as `secret-name/key` (got {spec.gcp_key!r}): the key "
                    "the platform reads from a bare secret name is not published",
                )
            )
        else:
            inputs["google_pubsub"] = {"gcpKeySecret": ref("spec.gcpKey", spec.gcp_key)}
    elif spec.eventhubs is not None:
        hubs = spec.eventhubs
        inputs["azure_event_hubs"] = {
            "connectionStringSecret": ref(
                "spec.eventhubs.connectionStringSecret", hubs.connection_string_secret
            ),
            "checkpointStoreSasTokenSecret": ref(
                "spec.eventhubs.checkpointStoreSasTokenSecret",
                hubs.checkpoint_store_sas_token_secret,
            ),
            "checkpointStoreEndpoint": hubs.checkpoint_store_endpoint,
            "checkpointStoreContainerName": hubs.checkpoint_store_container_name,
        }
    if found:
        raise Unmappable(found)
    return inputs


def group_principal(group: str) -> str:
    """The role-binding principal of an OIDC group (a group resource name)."""
    return f"groups/{group}"


def role_binding_inputs(spec: RoleBindingsDocumentSpec) -> list[dict[str, str]]:
    """One `kalix.RoleBinding`'s arguments per binding: `role`, `principal`, and a
    resource name made of both."""
    return [
        {
            "resource_name": f"{b.role}-{b.group}",
            "role": b.role,
            "principal": group_principal(b.group),
        }
        for b in spec.bindings or []
    ]


# -- live objects -> descriptor specs (export) ----------------------------------------------


def broker_document_spec(inputs: dict[str, Any]) -> dict[str, Any] | None:
    """The descriptor spec of a broker's inputs (wire-form blocks), or None when the
    descriptor cannot represent it (workload identity, a GCP project override: the
    reference has no field for them)."""
    spec: dict[str, Any] = {"type": inputs["type"]}
    if inputs.get("description"):
        spec["description"] = inputs["description"]

    def ref(value: dict[str, Any]) -> str:
        return f"{value['name']}/{value['key']}"

    kafka = inputs.get("kafka")
    pubsub = inputs.get("google_pubsub")
    hubs = inputs.get("azure_event_hubs")
    if kafka:
        doc = {
            "authMechanism": kafka["authMechanism"],
            "servers": ",".join(kafka["servers"]),
            "username": kafka["username"],
            "passwordSecret": ref(kafka["passwordSecret"]),
        }
        if kafka.get("caCertSecret"):
            doc["caCertSecret"] = ref(kafka["caCertSecret"])
        spec["kafka"] = doc
    elif pubsub:
        if set(pubsub) != {"gcpKeySecret"}:
            return None
        spec["gcpKey"] = ref(pubsub["gcpKeySecret"])
    elif hubs:
        if hubs.get("workloadIdentity") or not hubs.get("connectionStringSecret"):
            return None
        if not hubs.get("checkpointStoreSasTokenSecret"):
            return None
        spec["eventhubs"] = {
            "connectionStringSecret": ref(hubs["connectionStringSecret"]),
            "checkpointStoreSasTokenSecret": ref(hubs["checkpointStoreSasTokenSecret"]),
            "checkpointStoreEndpoint": hubs["checkpointStoreEndpoint"],
            "checkpointStoreContainerName": hubs["checkpointStoreContainerName"],
        }
    else:
        return None
    return spec


def observability_document_spec(inputs: dict[str, Any]) -> dict[str, Any]:
    """The descriptor spec (the `exporters` list form) of an observability's inputs; an
    Azure Monitor connection string, which reads never show, is written as
    `NOT EXPORTED`, as `akka project export` writes secret values."""
    spec: dict[str, Any] = {}
    for signal in ("exporters", "traces", "metrics", "logs"):
        entries = []
        for exporter in inputs.get(signal) or []:
            if "azureMonitor" in exporter:
                exporter = {"azureMonitor": {"connectionString": REDACTED}}
            entries.append(exporter)
        if entries:
            spec[signal] = entries
    for key, wire in (
        ("trace_sampling", "traceSampling"),
        ("heap_dump", "heapDump"),
        ("log_level", "logLevel"),
    ):
        if inputs.get(key):
            spec[wire] = inputs[key]
    return spec


__all__ = [
    "DEFAULT_NAME",
    "PROJECT_ROLES",
    "BrokerDocumentSpec",
    "ExternalSecretDocumentSpec",
    "ObservabilityDocumentSpec",
    "ProjectDocumentSpec",
    "RoleBindingsDocumentSpec",
    "ServiceConfigDocumentSpec",
    "Unmappable",
    "broker_document_spec",
    "broker_inputs",
    "external_secret_inputs",
    "group_principal",
    "observability_document_spec",
    "observability_inputs",
    "role_binding_inputs",
    "secret_key_ref",
    "service_config_inputs",
]
