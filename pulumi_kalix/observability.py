"""`kalix.Observability`: where a project's services export traces, metrics and logs,
trace sampling and heap dumps (`kalixobservabilities`, published at **v1beta1**).

```python
kalix.Observability("telemetry",
    exporters=[{"otlp": {"endpoint": "collector.internal:4317"}}],
    traces=[{"azure_monitor": {}}],
    azure_monitor_connection_string=cfg.require_secret("appInsights"),
    trace_sampling={"probabilistic": {"percentage": "10"}})
```
Every exporter credential is a reference to a `kalix.Secret` (`token_secret`,
`service_account_key_secret`, header `value_from`, TLS secrets) except the Azure Monitor
connection string, which the published spec holds as a value: pass it as
`azure_monitor_connection_string` (always a Pulumi secret, used by every Azure Monitor
exporter of the object, never in outputs; a salted digest, itself secret, lets diff see
a new one). The published status has no readiness: nothing is awaited;
`observability_platform` (which internal pipelines are used) is an output.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.observability import ObservabilityProvider

Exporters = Input[list[Input[dict[str, Any]]]]


class Observability(Resource, module="kalix", name="Observability"):
    name: Output[str]
    exporters: Output[list[dict[str, Any]] | None]
    traces: Output[list[dict[str, Any]] | None]
    metrics: Output[list[dict[str, Any]] | None]
    logs: Output[list[dict[str, Any]] | None]
    trace_sampling: Output[dict[str, Any] | None]
    heap_dump: Output[dict[str, Any] | None]
    log_level: Output[str | None]
    observability_platform: Output[dict[str, Any]]
    project: Output[str]
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        exporters: Exporters | None = None,
        traces: Exporters | None = None,
        metrics: Exporters | None = None,
        logs: Exporters | None = None,
        trace_sampling: Input[dict[str, Any]] | None = None,
        heap_dump: Input[dict[str, Any]] | None = None,
        log_level: Input[str] | None = None,
        azure_monitor_connection_string: Input[str] | None = None,
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """Each exporter is a map of one block: `otlp` (`endpoint`, `headers`, `tls`),
        `otlp_http` (`endpoint_url` or `endpoint_base_url`, `encoding` proto | json,
        `headers`, `tls`), `google_cloud` (`service_account_key_secret`: {"name"}),
        `azure_monitor` ({}: see `azure_monitor_connection_string`), `splunk_hec`
        (`endpoint`, `token_secret`: {"name", "key"}, `index`, `source`, `source_type`),
        `kalix_console` ({}), and for metrics `prometheuswrite`. Snake or camel keys.

        :param exporters: exporters of every signal (not `prometheuswrite`).
        :param traces: trace exporters (not `splunk_hec`, `prometheuswrite`).
        :param metrics: metric exporters.
        :param logs: log exporters (not `kalix_console`, `prometheuswrite`).
        :param trace_sampling: `{"probabilistic": {"percentage": "10"}}`.
        :param heap_dump: `{"aws": {"bucket", "region", "path_prefix", ...}}` or
            `{"platform_managed": {"path_prefix"}}`.
        :param log_level: the OpenTelemetry collector's log level.
        :param azure_monitor_connection_string: the Application Insights connection
            string of every `azure_monitor` exporter (kept secret).
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing object of that name that this resource did
            not create.
        """
        refuse_import("observability", resource_name, opts)
        secret = azure_monitor_connection_string
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "exporters": exporters,
            "traces": traces,
            "metrics": metrics,
            "logs": logs,
            "trace_sampling": trace_sampling,
            "heap_dump": heap_dump,
            "log_level": log_level,
            "azure_monitor_connection_string": Output.secret(secret)
            if secret is not None
            else None,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(Observability, resource_name, opts),
            "observability_platform": None,
            "uid": None,
            # Computed by check: a secret input, so the checked value is secret too.
            "connection_string_digest": Output.secret(None),
        }
        opts = ResourceOptions.merge(
            opts,
            ResourceOptions(
                additional_secret_outputs=[
                    "azure_monitor_connection_string",
                    "connection_string_digest",
                ]
            ),
        )
        super().__init__(ObservabilityProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
