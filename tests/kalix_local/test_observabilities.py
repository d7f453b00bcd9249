"""Observabilities (`kalixobservabilities`, v1beta1): the published shape and path, the
verbs, the write-only Azure Monitor connection string, and validation errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status

#: tests/contract/published-schema.json is derived for services, routes and secrets only
#: (scripts/derive_contract_schema.py KINDS): this kind's shapes are asserted here by hand.
PLURAL = "kalixobservabilities"
CONNECTION = "InstrumentationKey=00000000-aaaa-bbbb-cccc-000000000000"
SPEC = {
    "exporters": [{"otlp": {"endpoint": "collector.internal:4317"}}],
    "traces": [{"kalixConsole": {}}, {"azureMonitor": {"connectionString": CONNECTION}}],
    "metrics": [{"prometheuswrite": {"endpoint": "https://prom.example/api/v1/write"}}],
    "logs": [
        {
            "splunkHec": {
                "endpoint": "https://splunk.example:8088",
                "tokenSecret": {"name": "splunk", "key": "token"},
            }
        }
    ],
    "traceSampling": {"probabilistic": {"percentage": "10"}},
    "heapDump": {"platformManaged": {"pathPrefix": "dumps/"}},
    "logLevel": "info",
}
SHOWN = {**SPEC, "traces": [{"kalixConsole": {}}, {"azureMonitor": {"connectionString": ""}}]}


def observability(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1beta1",
        "kind": "KalixObservability",
        "metadata": {"name": "telemetry", **meta},
        "spec": spec,
    }


def path(kalix: KalixLocalServer, name: str = "") -> str:
    return kalix.api_path(PLURAL, name, version="v1beta1")


def test_create_get_list_and_the_connection_string_is_write_only(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    response = api.post(path(kalix), json=observability(SPEC))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["apiVersion"] == "kalix.io/v1beta1" and created["kind"] == "KalixObservability"
    assert created["spec"] == SHOWN and "status" not in created
    assert CONNECTION not in response.text
    assert api.get(path(kalix, "telemetry")).json() == created
    listed = api.get(path(kalix)).json()
    assert listed["apiVersion"] == "kalix.io/v1beta1"
    assert listed["kind"] == "KalixObservabilityList" and listed["items"] == [created]
    # Not under v1alpha1: the published API has this kind in v1beta1 only.
    assert api.get(kalix.api_path(PLURAL)).status_code == 404
    assert kalix.record_path is not None  # the exchange log kalix-local keeps
    record = kalix.record_path.read_text()
    assert "collector.internal" in record and CONNECTION not in record


def test_updates_keep_or_change_the_connection_string(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(path(kalix), json=observability(SPEC)).json()
    # Shown blank and written back blank, or left out: kept (no new generation); a merge
    # patch leaves it too.
    rv = created["metadata"]["resourceVersion"]
    same = api.put(path(kalix, "telemetry"), json=observability(SHOWN, resourceVersion=rv))
    assert same.json()["metadata"]["generation"] == 1, same.text
    left_out = {**SPEC, "traces": [{"kalixConsole": {}}, {"azureMonitor": {}}]}
    rv = same.json()["metadata"]["resourceVersion"]
    again = api.put(path(kalix, "telemetry"), json=observability(left_out, resourceVersion=rv))
    assert again.json()["metadata"]["generation"] == 1, again.text
    patched = api.patch(
        path(kalix, "telemetry"),
        content=json.dumps({"spec": {"logLevel": "debug"}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200 and CONNECTION not in patched.text
    assert patched.json()["metadata"]["generation"] == 2
    # A new one: a new generation, still not shown.
    spec = {**SPEC, "traces": [{"kalixConsole": {}}, {"azureMonitor": {"connectionString": "k2"}}]}
    rv = patched.json()["metadata"]["resourceVersion"]
    changed = api.put(path(kalix, "telemetry"), json=observability(spec, resourceVersion=rv))
    assert changed.json()["metadata"]["generation"] == 3
    assert changed.json()["spec"]["traces"][1] == {"azureMonitor": {"connectionString": ""}}
    deleted = api.delete(path(kalix, "telemetry"))
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Status"
    assert_status(api.get(path(kalix, "telemetry")), 404, "NotFound")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"traces": [{"azureMonitor": {}}]}, "spec.traces[0].azureMonitor.connectionString"),
        ({"traces": [{"splunkHec": {}}]}, "spec.traces[0].splunkHec"),
        ({"logs": [{}]}, "spec.logs[0]"),
        ({"exporters": [{"otlpHttp": {"encoding": "xml"}}]}, "spec.exporters[0].otlpHttp.encoding"),
        ({"heapDump": {"aws": {"bucket": "b"}}}, "spec.heapDump.aws.region"),
        (
            {"exporters": [{"googleCloud": {}}]},
            "spec.exporters[0].googleCloud.serviceAccountKeySecret",
        ),
    ],
    ids=["no-connection-string", "splunk-for-traces", "empty", "encoding", "region", "gcp-key"],
)
def test_bad_specs_are_invalid_naming_the_field(
    kalix: KalixLocalServer, api: httpx.Client, spec: dict[str, Any], field: str
) -> None:
    response = api.post(path(kalix), json=observability(spec))
    status = assert_status(response, 422, "Invalid")
    assert field in {c["field"] for c in status["details"]["causes"]}, status


def test_a_v1alpha1_api_version_is_refused(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = {**observability({"logLevel": "info"}), "apiVersion": "kalix.io/v1alpha1"}
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    assert "apiVersion" in {c["field"] for c in status["details"]["causes"]}
