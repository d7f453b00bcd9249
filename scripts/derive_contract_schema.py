#!/usr/bin/env python3
"""Derive ``tests/contract/published-schema.json`` from the published control-plane OpenAPI.

Usage::

    scripts/derive_contract_schema.py API_JSON --commit SHA [--output PATH]

API_JSON is ``schemas/control-plane/openapi/api.json`` of ``akka/platform-api`` (read at
commit SHA). The output keeps only what the contract tests need: the component schemas of
every kind in ``KINDS`` (object and list), ``Status`` and
``DeleteOptions``, everything they reference, and per kind the operations the paths
publish with the schema of each request and response. ``$ref``s point into the output
itself (``#/schemas/<Name>``), so the file stands alone. Descriptions and the
group-version-kind lists are dropped: the file is derived data, not a copy.

The output is deterministic (sorted keys, fixed indentation): the same input gives the
same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPOSITORY = "akka/platform-api"
SOURCE_PATH = "schemas/control-plane/openapi/api.json"
GENERATED_BY = "scripts/derive_contract_schema.py"
REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "tests" / "contract" / "published-schema.json"

#: The kinds pulumi-kalix manages (and kalix-local serves), by their published
#: group-version-kind name.
KINDS = (
    "KalixService",
    "KalixRoute",
    "KalixSecret",
    "KalixServiceConfig",
    "ExternalSecret",
    "KalixObjectStorage",
    "KalixStore",
    "ContainerRegistryConfig",
    "KalixBroker",
    "KalixObservability",
)
#: Schemas every kind's operations share, by group-version-kind name.
SHARED_KINDS = ("Status", "DeleteOptions")
#: ``x-kubernetes-action`` -> the verb names the project uses.
ACTIONS = {
    "list": "list",
    "post": "create",
    "get": "get",
    "put": "replace",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
}
METHODS = ("get", "put", "post", "delete", "patch")
COMPONENT_REF = "#/components/schemas/"
OUTPUT_REF = "#/schemas/"
#: Keywords whose value is one schema or a list of schemas (where the walk descends).
SCHEMA_KEYWORDS = ("items", "additionalProperties", "not")
SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf")
#: Annotations that are prose or bulk, not shape.
DROPPED_KEYWORDS = ("description", "x-kubernetes-group-version-kind")
SHA = re.compile(r"^[0-9a-f]{40}$")

Schema = dict[str, Any]


class DerivationError(Exception):
    """The input is not the OpenAPI document this script understands."""


def _ref_name(ref: str) -> str:
    if not ref.startswith(COMPONENT_REF):
        raise DerivationError(f"unsupported $ref {ref!r} (only {COMPONENT_REF}<Name>)")
    return ref[len(COMPONENT_REF) :]


def _refs(node: Any) -> Iterable[str]:
    """Every component name a schema (or any JSON value) references."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield _ref_name(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _clean(schema: Schema) -> Schema:
    """A copy with ``$ref``s rewritten and prose dropped, descending only where a schema
    is expected (so a *property* named ``description`` survives)."""
    out: Schema = {}
    for key, value in schema.items():
        if key in DROPPED_KEYWORDS:
            continue
        if key == "$ref":
            out[key] = OUTPUT_REF + _ref_name(value)
        elif key == "properties":
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        elif key in SCHEMA_KEYWORDS and isinstance(value, dict):
            out[key] = _clean(value)
        elif key in SCHEMA_LIST_KEYWORDS:
            out[key] = [_clean(sub) for sub in value]
        else:
            out[key] = value
    return out


def _gvks(schema: Schema) -> list[dict[str, str]]:
    found = schema.get("x-kubernetes-group-version-kind") or []
    return [found] if isinstance(found, dict) else list(found)


def _api_version(gvk: dict[str, str]) -> str:
    group, version = gvk.get("group", ""), gvk["version"]
    return f"{group}/{version}" if group else version


def _schema_for_kind(schemas: dict[str, Schema], kind: str) -> str:
    names = sorted(n for n, s in schemas.items() if any(g["kind"] == kind for g in _gvks(s)))
    if len(names) != 1:
        raise DerivationError(f"expected one component schema of kind {kind}, found {names}")
    return names[0]


def _content_schema(content: dict[str, Any]) -> str | None:
    """The schema name of a request or response body (JSON first, then any media type)."""
    for media in ["application/json", *sorted(content)]:
        ref = (content.get(media) or {}).get("schema", {}).get("$ref")
        if isinstance(ref, str):
            return _ref_name(ref)
    return None


def _operation(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    action = op.get("x-kubernetes-action")
    if action not in ACTIONS:
        raise DerivationError(f"{method.upper()} {path}: unknown x-kubernetes-action {action!r}")
    responses = {
        code: schema
        for code, answer in sorted(op.get("responses", {}).items())
        if (schema := _content_schema(answer.get("content") or {})) is not None
    }
    out: dict[str, Any] = {
        "method": method.upper(),
        "path": path,
        "operationId": op.get("operationId"),
        "responses": responses,
        "query": sorted(p["name"] for p in op.get("parameters", []) if p.get("in") == "query"),
    }
    body = op.get("requestBody")
    if body:
        content = body.get("content") or {}
        out["request"] = _content_schema(content)
        out["requestMediaTypes"] = sorted(content)
        out["requestRequired"] = bool(body.get("required", False))
    return out


def _kind_entry(api: dict[str, Any], schemas: dict[str, Schema], kind: str) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    collection = None
    for path, item in sorted(api.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if not op or op.get("x-kubernetes-group-version-kind", {}).get("kind") != kind:
                continue
            entry = _operation(path, method, op)
            verb = ACTIONS[op["x-kubernetes-action"]]
            if verb in operations:
                raise DerivationError(f"{kind}: two {verb} operations")
            operations[verb] = entry
            if verb == "list":
                collection = path
    if collection is None:
        raise DerivationError(f"no list operation publishes kind {kind}")
    gvk = next(
        op["x-kubernetes-group-version-kind"]
        for item in api["paths"].values()
        for method, op in item.items()
        if method in METHODS and op.get("x-kubernetes-group-version-kind", {}).get("kind") == kind
    )
    return {
        "apiVersion": _api_version(gvk),
        "plural": collection.rsplit("/", 1)[1],
        "schema": _schema_for_kind(schemas, kind),
        "listSchema": _schema_for_kind(schemas, kind + "List"),
        "operations": operations,
    }


def _closure(schemas: dict[str, Schema], roots: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            raise DerivationError(f"$ref to a missing component schema {name!r}")
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return sorted(seen)


def derive(api: dict[str, Any], commit: str) -> dict[str, Any]:
    """The contract document (see the module docstring) of an OpenAPI document."""
    if not str(api.get("openapi", "")).startswith("3.0"):
        raise DerivationError(f"expected OpenAPI 3.0, got {api.get('openapi')!r}")
    schemas: dict[str, Schema] = api.get("components", {}).get("schemas", {})
    kinds = {kind: _kind_entry(api, schemas, kind) for kind in KINDS}
    roots = {_schema_for_kind(schemas, k) for k in SHARED_KINDS}
    for entry in kinds.values():
        roots |= {entry["schema"], entry["listSchema"]}
        for op in entry["operations"].values():
            roots |= set(op["responses"].values())
            if op.get("request"):
                roots.add(op["request"])
    names = _closure(schemas, roots)
    schema_kinds = {
        name: {"kind": gvk[0]["kind"], "apiVersion": _api_version(gvk[0])}
        for name in sorted(roots)
        if len(gvk := _gvks(schemas[name])) == 1
    }
    return {
        "source": {"repository": REPOSITORY, "path": SOURCE_PATH, "commit": commit},
        "generatedBy": GENERATED_BY,
        "openapi": api["openapi"],
        "kinds": kinds,
        # Kubernetes convention, as the platform documents errors (Status envelopes); the
        # OpenAPI itself lists 401 without a body.
        "errorSchema": _schema_for_kind(schemas, "Status"),
        "schemaKinds": schema_kinds,
        "schemas": {name: _clean(schemas[name]) for name in names},
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("api_json", type=Path, help=f"{SOURCE_PATH} of {REPOSITORY}")
    parser.add_argument("--commit", required=True, help="the 40-hex commit API_JSON was read at")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not SHA.match(args.commit):
        parser.error("--commit must be a full 40-character hex commit id")
    try:
        api = json.loads(args.api_json.read_text(encoding="utf-8"))
        text = render(derive(api, args.commit))
    except (OSError, ValueError, KeyError, DerivationError) as exc:
        print(f"derive_contract_schema: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
