"""`KalixObservability` (`kalixobservabilities`, **v1beta1**: the one published kind not
of v1alpha1): where a project's services export traces, metrics and logs, trace
sampling, and heap dumps.

Exporter credentials are secret references (`SecretKeyRef`, or a secret by name) except
one: `azureMonitor.connectionString` is the Application Insights connection string
itself. The published API does not say it is readable; kalix-local treats it as
write-only, like a secret's data (so reads may lack it, and it is optional here though
published as required).
"""

from __future__ import annotations

from typing import Any, Literal

from ._base import WireModel
from .meta import API_VERSION_V1BETA1, ObjectList, ObjectMeta
from .service import ObjectRef, SecretKeyRef
from .sync import ResourceSync

#: The exporter blocks each list takes (OAS `ObservabilitySpec{Exporter,Trace,Metric,Log}`).
SIGNAL_EXPORTERS: dict[str, tuple[str, ...]] = {
    "exporters": ("kalixConsole", "otlp", "otlpHttp", "googleCloud", "azureMonitor", "splunkHec"),
    "traces": ("kalixConsole", "otlp", "otlpHttp", "googleCloud", "azureMonitor"),
    "metrics": (
        "kalixConsole",
        "otlp",
        "otlpHttp",
        "googleCloud",
        "azureMonitor",
        "splunkHec",
        "prometheuswrite",
    ),
    "logs": ("otlp", "otlpHttp", "googleCloud", "azureMonitor", "splunkHec"),
}


class Tls(WireModel):
    ca_secret: ObjectRef | None = None
    client_cert_secret: ObjectRef | None = None
    insecure: bool | None = None
    insecure_skip_verify: bool | None = None


class HeaderValueFrom(WireModel):
    secret_key_ref: SecretKeyRef | None = None


class Header(WireModel):
    name: str | None = None
    value: str | None = None
    value_from: HeaderValueFrom | None = None


class Otlp(WireModel):
    endpoint: str | None = None
    headers: list[Header] | None = None
    tls: Tls | None = None


class OtlpHttp(WireModel):
    endpoint_url: str | None = None
    endpoint_base_url: str | None = None
    encoding: Literal["proto", "json"] | None = None
    headers: list[Header] | None = None
    tls: Tls | None = None


class GoogleCloud(WireModel):
    service_account_key_secret: ObjectRef


class AzureMonitor(WireModel):
    #: Write-only here (see the module docstring).
    connection_string: str | None = None


class SplunkHec(WireModel):
    endpoint: str
    token_secret: SecretKeyRef
    index: str | None = None
    source: str | None = None
    source_type: str | None = None
    tls: Tls | None = None


class PrometheusWrite(WireModel):
    endpoint: str | None = None
    headers: list[Header] | None = None
    tls: Tls | None = None


class KalixConsole(WireModel):
    """The platform's built-in console exporter (published with no fields)."""


class _Exporter(WireModel):
    otlp: Otlp | None = None
    otlp_http: OtlpHttp | None = None
    google_cloud: GoogleCloud | None = None
    azure_monitor: AzureMonitor | None = None


class Exporter(_Exporter):
    """For every signal (`exporters`)."""

    kalix_console: KalixConsole | None = None
    splunk_hec: SplunkHec | None = None


class TraceExporter(_Exporter):
    kalix_console: KalixConsole | None = None


class MetricExporter(_Exporter):
    kalix_console: KalixConsole | None = None
    splunk_hec: SplunkHec | None = None
    prometheuswrite: PrometheusWrite | None = None


class LogExporter(_Exporter):
    splunk_hec: SplunkHec | None = None


class Probabilistic(WireModel):
    #: A string in the published schema ("1 means, filters 99% of the traces").
    percentage: str | None = None


class TraceSampling(WireModel):
    probabilistic: Probabilistic | None = None


class AwsHeapDumpCredentials(WireModel):
    aws_access_key_id: SecretKeyRef
    aws_secret_access_key: SecretKeyRef


class AwsHeapDumpWorkloadIdentity(WireModel):
    role_arn_override: str | None = None


class HeapDumpAws(WireModel):
    bucket: str
    region: str
    path_prefix: str | None = None
    concurrent_uploads: int | None = None
    credentials_secret_ref: AwsHeapDumpCredentials | None = None
    workload_identity: AwsHeapDumpWorkloadIdentity | None = None


class HeapDumpPlatformManaged(WireModel):
    path_prefix: str | None = None


class HeapDump(WireModel):
    aws: HeapDumpAws | None = None
    platform_managed: HeapDumpPlatformManaged | None = None


class ObservabilitySpec(WireModel):
    exporters: list[Exporter] | None = None
    traces: list[TraceExporter] | None = None
    metrics: list[MetricExporter] | None = None
    logs: list[LogExporter] | None = None
    trace_sampling: TraceSampling | None = None
    heap_dump: HeapDump | None = None
    log_level: str | None = None
    resource_sync: ResourceSync | None = None


class ObservabilityPlatform(WireModel):
    using_internal_logs: bool | None = None
    using_internal_metrics: bool | None = None
    using_internal_traces: bool | None = None


class ObservabilityStatus(WireModel):
    observability_platform: ObservabilityPlatform | None = None
    resource_sync_status: dict[str, Any] | None = None


class KalixObservability(WireModel):
    api_version: str = API_VERSION_V1BETA1
    kind: Literal["KalixObservability"] = "KalixObservability"
    metadata: ObjectMeta
    spec: ObservabilitySpec
    status: ObservabilityStatus | None = None


class KalixObservabilityList(ObjectList[KalixObservability]):
    api_version: str = API_VERSION_V1BETA1
    kind: str = "KalixObservabilityList"


def azure_monitor_paths(spec: dict[str, Any]) -> list[tuple[str, int]]:
    """Where a wire-form spec has `azureMonitor` blocks: (list, index) pairs."""
    return [
        (signal, i)
        for signal in SIGNAL_EXPORTERS
        for i, exporter in enumerate(spec.get(signal) or [])
        if isinstance(exporter, dict) and isinstance(exporter.get("azureMonitor"), dict)
    ]
