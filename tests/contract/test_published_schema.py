"""The derived contract file: where it comes from, what it holds, and how it is made."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.contract.validator import SCHEMA_FILE

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "derive_contract_schema.py"
#: Point this at a copy of the published api.json to check the committed file against it.
PUBLISHED_OPENAPI_ENV = "KALIX_PUBLISHED_OPENAPI"
VERBS = {"list", "create", "get", "replace", "patch", "delete", "deletecollection"}
KINDS = {
    "KalixService": ("kalixservices", "Service", "ServiceList"),
    "KalixRoute": ("kalixroutes", "Route", "RouteList"),
    "KalixSecret": ("kalixsecrets", "Secret", "SecretList"),
    "KalixServiceConfig": ("kalixserviceconfigs", "ServiceConfig", "ServiceConfigList"),
    "ExternalSecret": ("externalsecrets", "ExternalSecret", "ExternalSecretList"),
    "KalixObjectStorage": ("kalixobjectstorages", "ObjectStorage", "ObjectStorageList"),
    "KalixStore": ("kalixstores", "Store", "StoreList"),
    "ContainerRegistryConfig": (
        "containerregistryconfigs",
        "ContainerRegistryConfig",
        "ContainerRegistryConfigList",
    ),
    "KalixBroker": ("kalixbrokers", "Broker", "BrokerList"),
    "KalixObservability": ("kalixobservabilities", "Observability", "ObservabilityList"),
}
#: The one kind published at another version.
VERSIONS = {"KalixObservability": "v1beta1"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.append(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_header_names_the_published_source(document: dict[str, Any]) -> None:
    assert document["source"]["repository"] == "akka/platform-api"
    assert document["source"]["path"] == "schemas/control-plane/openapi/api.json"
    assert re.fullmatch(r"[0-9a-f]{40}", document["source"]["commit"])
    assert document["generatedBy"] == "scripts/derive_contract_schema.py"
    assert document["openapi"].startswith("3.0")


def test_it_holds_the_kinds_and_the_shared_schemas(document: dict[str, Any]) -> None:
    assert set(document["kinds"]) == set(KINDS)
    for kind, (plural, schema, list_schema) in KINDS.items():
        entry = document["kinds"][kind]
        assert (entry["plural"], entry["schema"], entry["listSchema"]) == (
            plural,
            schema,
            list_schema,
        )
        api_version = f"kalix.io/{VERSIONS.get(kind, 'v1alpha1')}"
        assert entry["apiVersion"] == api_version
        assert document["schemaKinds"][schema] == {"kind": kind, "apiVersion": api_version}
    names = set(document["schemas"])
    assert {"Service", "ServiceList", "Route", "RouteList", "Secret", "SecretList"} <= names
    assert {"Status", "DeleteOptions", "ObjectMeta", "ListMeta", "Condition"} <= names
    assert document["errorSchema"] == "Status"


def test_operations_say_which_body_each_answer_has(document: dict[str, Any]) -> None:
    for kind, (plural, schema, list_schema) in KINDS.items():
        ops = document["kinds"][kind]["operations"]
        assert set(ops) == VERBS
        version = VERSIONS.get(kind, "v1alpha1")
        collection = f"/apis/kalix.io/{version}/namespaces/{{projectId}}/{plural}"
        assert (ops["list"]["method"], ops["list"]["path"]) == ("GET", collection)
        assert ops["list"]["responses"] == {"200": list_schema}
        assert ops["get"]["path"] == collection + "/{name}"
        assert ops["create"]["responses"] == {"200": schema, "201": schema, "202": schema}
        assert ops["create"]["request"] == schema and ops["create"]["requestRequired"]
        assert ops["replace"]["method"] == "PUT"
        assert ops["patch"]["request"] == "Patch"
        assert "application/merge-patch+json" in ops["patch"]["requestMediaTypes"]
        # The published DELETE answers a Status, not the deleted object.
        assert ops["delete"]["responses"] == {"200": "Status", "202": "Status"}
        assert ops["delete"]["request"] == "DeleteOptions"
        assert not ops["delete"]["requestRequired"]
        assert ops["deletecollection"]["responses"] == {"200": "Status"}


def test_the_file_stands_alone(document: dict[str, Any]) -> None:
    found = refs(document["schemas"])
    assert found, "the schemas reference each other"
    for ref in found:
        assert ref.startswith("#/schemas/"), ref
        assert ref.removeprefix("#/schemas/") in document["schemas"], ref


def test_the_published_facts_the_fix_depends_on(document: dict[str, Any]) -> None:
    """What kalix-local invented is absent from the published schemas (platform-api.md)."""
    schemas = document["schemas"]
    assert "observedGeneration" not in schemas["ServiceStatus"]["properties"]
    assert "observedGeneration" not in schemas["ServiceCondition"]["properties"]
    assert "summary" in schemas["ServiceStatus"]["properties"]
    assert "summary" not in schemas["RouteStatus"]["properties"]
    assert "keys" not in schemas["SecretStatus"]["properties"]
    assert "observedGeneration" in schemas["Condition"]["properties"]  # per route condition
    for name, schema in schemas.items():
        assert schema.get("additionalProperties") is not False, name  # strictness is ours


# -- the script, on a small document of the same shape -----------------------------------


def _op(action: str, kind: str, request: str | None, responses: dict[str, str]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{action}{kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": "kalix.io",
            "version": "v1alpha1",
            "kind": kind,
        },
        "responses": {
            code: {
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{s}"}}}
            }
            for code, s in responses.items()
        }
        | {"401": {"description": "Unauthorized"}},
    }
    if request:
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{request}"}}}
        op["requestBody"] = {"content": content, "required": action != "delete"}
    return op


def mini_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Status": {"type": "object", "properties": {"code": {"type": "integer"}}},
        "DeleteOptions": {"type": "object", "properties": {"dryRun": {"type": "array"}}},
        "Patch": {"description": "any object", "type": "object"},
        "Unreferenced": {"type": "object", "properties": {"x": {"type": "string"}}},
    }
    schemas["Status"]["x-kubernetes-group-version-kind"] = [
        {"group": "", "version": "v1", "kind": "Status"}
    ]
    schemas["DeleteOptions"]["x-kubernetes-group-version-kind"] = [
        {"group": "", "version": "v1", "kind": "DeleteOptions"},
        {"group": "apps", "version": "v1", "kind": "DeleteOptions"},
    ]
    for kind, (plural, schema, list_schema) in KINDS.items():
        base = f"/apis/kalix.io/v1alpha1/namespaces/{{projectId}}/{plural}"
        paths[base] = {
            "get": _op("list", kind, None, {"200": list_schema}),
            "post": _op("post", kind, schema, {"200": schema, "201": schema}),
            "delete": _op("deletecollection", kind, None, {"200": "Status"}),
        }
        paths[base + "/{name}"] = {
            "get": _op("get", kind, None, {"200": schema}),
            "put": _op("put", kind, schema, {"200": schema}),
            "patch": _op("patch", kind, "Patch", {"200": schema}),
            "delete": _op("delete", kind, "DeleteOptions", {"200": "Status"}),
        }
        gvk = {"group": "kalix.io", "version": "v1alpha1"}
        schemas[schema] = {
            "description": f"the {kind}",
            "type": "object",
            "properties": {
                "spec": {"$ref": f"#/components/schemas/{schema}Spec"},
                "metadata": {"allOf": [{"$ref": "#/components/schemas/ObjectMeta"}]},
            },
            "x-kubernetes-group-version-kind": [gvk | {"kind": kind}],
        }
        schemas[list_schema] = {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
            },
            "x-kubernetes-group-version-kind": [gvk | {"kind": kind + "List"}],
        }
        schemas[schema + "Spec"] = {
            "type": "object",
            "properties": {
                "description": {"description": "a field named description", "type": "string"}
            },
        }
    schemas["ObjectMeta"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    return {"openapi": "3.0.0", "paths": paths, "components": {"schemas": schemas}}


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_script__same_input_same_bytes(tmp_path: Path) -> None:
    api = tmp_path / "api.json"
    api.write_text(json.dumps(mini_openapi()))
    sha = "0123456789abcdef0123456789abcdef01234567"
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run_script(str(api), "--commit", sha, "--output", str(first)).returncode == 0
    # Same content, keys in another order: still the same bytes.
    shuffled = json.loads(api.read_text(), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    api.write_text(json.dumps(shuffled))
    assert run_script(str(api), "--commit", sha, "--output", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_script__closure_refs_and_prose(tmp_path: Path) -> None:
    from scripts.derive_contract_schema import derive

    derived = derive(mini_openapi(), "0" * 40)
    schemas = derived["schemas"]
    assert "Unreferenced" not in schemas
    assert {"ServiceSpec", "ObjectMeta", "Patch", "Status", "DeleteOptions"} <= set(schemas)
    assert schemas["Service"]["properties"]["spec"] == {"$ref": "#/schemas/ServiceSpec"}
    assert "description" not in schemas["Service"]
    assert "x-kubernetes-group-version-kind" not in schemas["Service"]
    # A property called "description" is a field, not prose.
    assert schemas["ServiceSpec"]["properties"] == {"description": {"type": "string"}}
    assert derived["schemaKinds"]["Status"] == {"kind": "Status", "apiVersion": "v1"}
    assert "DeleteOptions" not in derived["schemaKinds"]  # several group-version-kinds
    assert derived["kinds"]["KalixRoute"]["operations"]["delete"]["responses"] == {"200": "Status"}


def test_script__rejects_a_short_commit_and_a_broken_document(tmp_path: Path) -> None:
    api = tmp_path / "api.json"
    api.write_text(json.dumps(mini_openapi()))
    result = run_script(str(api), "--commit", "562e0030", "--output", str(tmp_path / "o.json"))
    assert result.returncode == 2 and "40-character" in result.stderr
    broken = copy.deepcopy(mini_openapi())
    broken["components"]["schemas"]["Service"]["properties"]["spec"]["$ref"] += "Gone"
    api.write_text(json.dumps(broken))
    result = run_script(str(api), "--commit", "0" * 40, "--output", str(tmp_path / "o.json"))
    assert result.returncode == 1 and "ServiceSpecGone" in result.stderr
    assert not (tmp_path / "o.json").exists()


@pytest.mark.skipif(
    not os.environ.get(PUBLISHED_OPENAPI_ENV), reason=f"set {PUBLISHED_OPENAPI_ENV}=<api.json>"
)
def test_committed_file_is_what_the_script_derives(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    out = tmp_path / "derived.json"
    commit = document["source"]["commit"]
    result = run_script(os.environ[PUBLISHED_OPENAPI_ENV], "--commit", commit, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == SCHEMA_FILE.read_bytes()
