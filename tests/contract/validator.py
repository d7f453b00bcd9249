"""Validate control-plane bodies against the published schemas (``published-schema.json``).

``validate(schema_name, body)`` returns every violation with its JSON path. Schema names
are the published component names (``Service``, ``RouteList``, ``Status``, ...) or the
kinds (``KalixService``, ``KalixServiceList``, ...).

Strict mode (the default) is ours, not the platform's: the published schemas never set
``additionalProperties``, so every object schema that lists ``properties`` and says
nothing about ``additionalProperties`` is closed (``false``). That is what catches
invented fields such as a service ``status.observedGeneration``. Object schemas that are
maps (``additionalProperties: {schema}``) stay maps. Strict mode also checks that a body's
``kind``/``apiVersion`` are the published group-version-kind of its schema, and that a
merge patch sent to a kind only sets fields that kind publishes.

OpenAPI 3.0 is turned into JSON Schema 2020-12: ``nullable`` adds ``null``,
``x-kubernetes-int-or-string`` allows both, ``x-kubernetes-preserve-unknown-fields``
keeps an object open, other ``x-kubernetes-*`` keys are annotations, and the formats
``date-time``, ``byte``, ``int32`` and ``int64`` are checked.

``validate_response``/``validate_request`` pick the schema of an exchange from the
published operations (the object, the list, or ``Status`` for errors and deletes);
``check_record`` does it for a line of ``kalix-local serve --record``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_FILE = Path(__file__).with_name("published-schema.json")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
REF_PREFIX = "#/schemas/"
#: The provider's client sends ``user-agent: pulumi-kalix/<version>``.
PROVIDER_USER_AGENT = "pulumi-kalix/"
NOT_PUBLISHED = "not in the published schema"
#: OpenAPI keywords JSON Schema 2020-12 does not have (or that are only annotations here).
_OPENAPI_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "example", "deprecated")
_SCHEMA_KEYWORDS = ("items", "additionalProperties", "not")
_SCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INDEX = re.compile(r"\[\d+\]")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
MAX_DETAIL = 160

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _RFC3339.match(instance):
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # month 13 raises
    return True


@FORMATS.checks("byte", raises=(binascii.Error, ValueError))
def _byte(instance: object) -> bool:
    if isinstance(instance, str):
        base64.b64decode(instance, validate=True)  # standard alphabet, padded
    return True


def _int_format(name: str) -> None:
    low, high = _INT_RANGES[name]

    # Go decodes 1.0 into an int32 field as an error: an integer must be written as one.
    @FORMATS.checks(name)
    def check(instance: object) -> bool:
        if isinstance(instance, bool) or not isinstance(instance, int | float):
            return True
        return isinstance(instance, int) and low <= instance <= high


for _name in _INT_RANGES:
    _int_format(_name)


# -- violations -----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Violation:
    """One way a body breaks the contract: where, a generic rule (for grouping) and the
    detail (with the offending value)."""

    json_path: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.json_path}: {self.detail}"


def _key(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return f".{key}" if _IDENTIFIER.match(key) else f"[{json.dumps(key)}]"


def json_path(parts: Iterable[str | int], root: str = "$") -> str:
    return root + "".join(_key(p) for p in parts)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


def _from_error(error: ValidationError, root: str) -> list[Violation]:
    path = json_path(error.absolute_path, root)
    keyword, expected = error.validator, error.validator_value
    instance = error.instance
    if keyword == "additionalProperties" and expected is False and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            Violation(path + _key(k), NOT_PUBLISHED, f"{NOT_PUBLISHED} (value {_short(v)})")
            for k, v in instance.items()
            if k not in known
        ]
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in expected if name not in instance]
        rule = "required by the published schema, missing"
        return [Violation(path + _key(name), rule, rule) for name in missing]
    if keyword in ("anyOf", "oneOf") and error.context:
        # `nullable` became anyOf [schema, null]: what matters is why the schema failed.
        branches = [i for i, s in enumerate(expected) if s != {"type": "null"}]
        context = [e for e in error.context if e.relative_schema_path[0] in branches]
        if len(branches) == 1:
            return [v for e in context for v in _from_error(e, root)]
        best = best_match(context or error.context)
        if best is not None:
            return _from_error(best, root)
    if keyword == "type":
        rule = f"must be of type {_short(expected)}"
    elif keyword == "enum":
        rule = f"must be one of {_short(expected)}"
    elif keyword == "format":
        rule = f"must be a {expected} string" if expected in ("date-time", "byte") else ""
        rule = rule or f"must be an {expected} integer"
    else:
        rule = f"{keyword} {_short(expected)}"
    return [Violation(path, rule, f"{rule}, got {_short(instance)}")]


def _violations(errors: Iterable[ValidationError], root: str = "$") -> list[Violation]:
    found = {v for error in errors for v in _from_error(error, root)}
    return sorted(found)


# -- OpenAPI 3.0 -> JSON Schema 2020-12 -------------------------------------------------


def _convert(schema: Mapping[str, Any], strict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: _convert(sub, strict) for name, sub in value.items()}
        elif key in _SCHEMA_KEYWORDS and isinstance(value, Mapping):
            out[key] = _convert(value, strict)
        elif key in _SCHEMA_LIST_KEYWORDS:
            out[key] = [_convert(sub, strict) for sub in value]
        elif key.startswith("x-kubernetes-") or key in _OPENAPI_ONLY:
            continue
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            continue  # OpenAPI 3.0's boolean form, handled below
        else:
            out[key] = value
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(flag) is True and bound in out:
            out[flag] = out.pop(bound)
    if schema.get("x-kubernetes-int-or-string") is True:
        out["type"] = ["integer", "string"]
        out.pop("format", None)
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list):
            out["type"] = [*kind, "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    open_object = schema.get("x-kubernetes-preserve-unknown-fields") is True
    if strict and "properties" in out and "additionalProperties" not in schema and not open_object:
        out["additionalProperties"] = False
    return out


# -- the contract -----------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One published operation of a kind (``verb`` as in ``published-schema.json``)."""

    kind: str
    verb: str
    method: str
    path: str
    pattern: re.Pattern[str]
    request: str | None
    request_required: bool
    responses: Mapping[str, str]


def _path_pattern(template: str) -> re.Pattern[str]:
    segments = [
        "[^/]+" if seg.startswith("{") and seg.endswith("}") else re.escape(seg)
        for seg in template.split("/")
    ]
    return re.compile("^" + "/".join(segments) + "/?$")


class Contract:
    """The derived document, with validators built on first use."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.source: Mapping[str, str] = document["source"]
        self.kinds: Mapping[str, Any] = document["kinds"]
        self.error_schema: str = document["errorSchema"]
        self.schema_kinds: Mapping[str, Mapping[str, str]] = document["schemaKinds"]
        self.schemas: Mapping[str, Any] = document["schemas"]
        self.aliases: dict[str, str] = {v["kind"]: n for n, v in self.schema_kinds.items()}
        self.item_schema = {k["listSchema"]: k["schema"] for k in self.kinds.values()}
        self.operations = [
            Operation(
                kind=kind,
                verb=verb,
                method=op["method"],
                path=op["path"],
                pattern=_path_pattern(op["path"]),
                request=op.get("request"),
                request_required=bool(op.get("requestRequired")),
                responses=op["responses"],
            )
            for kind, entry in sorted(self.kinds.items())
            for verb, op in sorted(entry["operations"].items())
        ]
        self._converted: dict[bool, dict[str, Any]] = {}
        self._validators: dict[tuple[str, bool], Draft202012Validator] = {}

    # -- schemas --

    def schema_name(self, name: str) -> str:
        resolved = self.aliases.get(name, name)
        if resolved not in self.schemas:
            raise KeyError(f"no published schema {name!r} (known: {sorted(self.schemas)})")
        return resolved

    def converted(self, strict: bool) -> dict[str, Any]:
        if strict not in self._converted:
            self._converted[strict] = {
                name: _convert(schema, strict) for name, schema in self.schemas.items()
            }
        return self._converted[strict]

    def _validator_for(self, schema: Mapping[str, Any], strict: bool) -> Draft202012Validator:
        root = {"$schema": JSON_SCHEMA_DIALECT, "schemas": self.converted(strict), **schema}
        return Draft202012Validator(root, format_checker=FORMATS)

    def validator(self, name: str, strict: bool) -> Draft202012Validator:
        key = (self.schema_name(name), strict)
        if key not in self._validators:
            self._validators[key] = self._validator_for({"$ref": REF_PREFIX + key[0]}, strict)
        return self._validators[key]

    def check(self, name: str, body: Any, *, strict: bool = True) -> list[Violation]:
        schema = self.schema_name(name)
        if strict and isinstance(body, dict):
            wrong = self._wrong_kind(schema, body, "$")
            if wrong:
                return wrong  # a different object altogether: its fields would only be noise
        found = _violations(self.validator(schema, strict).iter_errors(body))
        if strict and isinstance(body, dict) and schema in self.item_schema:
            items = body.get("items")
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    found += self._wrong_kind(self.item_schema[schema], item, f"$.items[{index}]")
        return sorted(set(found))

    def _wrong_kind(self, schema: str, body: Mapping[str, Any], where: str) -> list[Violation]:
        """A ``kind`` other than the schema's is one violation (the body is another object
        altogether); with the right kind, a wrong ``apiVersion`` is one too."""
        expected = self.schema_kinds.get(schema)
        if not expected:
            return []
        for field in ("kind", "apiVersion"):
            if field in body and body[field] != expected[field]:
                rule = f"{field} must be {expected[field]!r} (the published group-version-kind)"
                detail = f"{rule}, got {_short(body[field])}"
                return [Violation(f"{where}.{field}", rule, detail)]
        return []

    def check_merge_patch(self, kind: str, patch: Any) -> list[Violation]:
        """A JSON merge patch (RFC 7386) may only set what the kind publishes: objects
        merge field by field (``null`` deletes), anything else replaces and must be whole."""
        schema = self.schema_name(self.kinds[kind]["schema"])
        return sorted(set(self._patch({"$ref": REF_PREFIX + schema}, patch, [])))

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        converted = self.converted(True)
        for _ in range(32):  # bounded: a $ref chain longer than this is a broken document
            ref = node.get("$ref")
            all_of = node.get("allOf")
            if isinstance(ref, str):
                node = converted[ref.removeprefix(REF_PREFIX)]
            elif isinstance(all_of, list) and len(all_of) == 1 and "properties" not in node:
                node = all_of[0]
            else:
                return node
        raise ValueError("$ref chain too long")

    def _patch(self, node: Mapping[str, Any], value: Any, path: list[str | int]) -> list[Violation]:
        node = self._resolve(node)
        properties = node.get("properties")
        additional = node.get("additionalProperties")
        if isinstance(value, dict) and node.get("type") == "object":
            found: list[Violation] = []
            for key, sub in value.items():
                if properties is not None and key in properties:
                    sub_schema: Any = properties[key]
                elif isinstance(additional, Mapping):
                    sub_schema = additional
                elif additional is False:
                    where = json_path([*path, key])
                    found.append(Violation(where, NOT_PUBLISHED, f"{NOT_PUBLISHED} (merge patch)"))
                    continue
                else:
                    continue  # an open object
                if sub is not None:  # null deletes the field
                    found += self._patch(sub_schema, sub, [*path, key])
            return found
        errors = self._validator_for(dict(node), True).iter_errors(value)
        return _violations(errors, json_path(path))

    # -- operations --

    def operation(self, method: str, path: str) -> Operation | None:
        method = method.upper()
        for op in self.operations:
            if op.method == method and op.pattern.match(path):
                return op
        return None

    def kind_of_path(self, path: str) -> str | None:
        segments = path.split("/")
        for kind, entry in self.kinds.items():
            if entry["plural"] in segments:
                return kind
        return None

    def check_response(
        self, method: str, path: str, status: int, body: Any, *, strict: bool = True
    ) -> list[Violation]:
        op = self.operation(method, path)
        if status >= 400:
            schema = self.error_schema  # every control-plane error is a Status envelope
        elif op is None:
            rule = "not a published operation"
            return [Violation("$", rule, f"{method.upper()} {path}: {rule} (answered {status})")]
        elif str(status) not in op.responses:
            rule = f"{op.kind} {op.verb} does not publish this status"
            codes = ", ".join(sorted(op.responses))
            return [Violation("$", rule, f"{rule}: {status} (published: {codes})")]
        else:
            schema = op.responses[str(status)]
        if body is None:
            rule = f"the body must be a JSON {schema}"
            return [Violation("$", rule, rule)]
        return self.check(schema, body, strict=strict)

    def check_request(
        self, method: str, path: str, body: Any, *, strict: bool = True
    ) -> list[Violation]:
        op = self.operation(method, path)
        if op is None:
            rule = "not a published operation"
            return [Violation("$", rule, f"{method.upper()} {path}: {rule}")]
        if op.request is None:
            if body is None:
                return []
            rule = f"{op.kind} {op.verb} takes no body"
            return [Violation("$", rule, rule)]
        if body is None:
            rule = f"{op.kind} {op.verb} requires a {op.request} body"
            return [Violation("$", rule, rule)] if op.request_required else []
        found = self.check(op.request, body, strict=strict)
        if op.verb == "patch" and strict:
            found = sorted(set(found + self.check_merge_patch(op.kind, body)))
        return found


@functools.cache
def contract() -> Contract:
    return Contract(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def validate(schema_name: str, body: Any, *, strict: bool = True) -> list[str]:
    """Every violation of ``body`` against a published schema, as ``<json path>: <why>``."""
    return [str(v) for v in contract().check(schema_name, body, strict=strict)]


def validate_response(
    method: str, path: str, status: int, body: Any, *, strict: bool = True
) -> list[str]:
    """Validate a response against what the published operation answers."""
    return [str(v) for v in contract().check_response(method, path, status, body, strict=strict)]


def validate_request(method: str, path: str, body: Any, *, strict: bool = True) -> list[str]:
    """Validate a request body against what the published operation takes."""
    return [str(v) for v in contract().check_request(method, path, body, strict=strict)]


# -- recorded exchanges -----------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeViolation:
    """A violation in one recorded exchange (``side`` is ``request`` or ``response``)."""

    method: str
    path: str
    status: int | None
    side: str
    kind: str
    verb: str
    violation: Violation

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} {self.side} {self.violation}"

    @property
    def type_key(self) -> tuple[str, str, str, str, str]:
        """What makes two violations the same problem (array indices do not)."""
        generic = _INDEX.sub("[*]", self.violation.json_path)
        return (self.kind, self.verb, self.side, generic, self.violation.rule)


def check_record(record: Mapping[str, Any], *, strict: bool = True) -> list[ExchangeViolation]:
    """The violations of one line of ``kalix-local serve --record``: the response always
    (unless it was a watch stream or was cut), the request when the provider sent it."""
    c = contract()
    method, path, status = str(record["method"]), str(record["path"]), record.get("status")
    op = c.operation(method, path)
    kind = op.kind if op else (c.kind_of_path(path) or "?")
    verb = op.verb if op else f"{method.upper()} (unpublished)"
    found: list[tuple[str, Violation]] = []
    if not (record.get("watch") or record.get("dropped") or status is None):
        if record.get("response_body_invalid"):
            found.append(("response", Violation("$", "not JSON", "the body is not JSON")))
        elif not record.get("response_body_truncated"):
            body = record.get("response_body")
            found += [("response", v) for v in c.check_response(method, path, status, body)]
    agent = str(record.get("user_agent") or "")
    if agent.startswith(PROVIDER_USER_AGENT):
        if record.get("request_body_invalid"):
            found.append(("request", Violation("$", "not JSON", "the body is not JSON")))
        elif not record.get("request_body_truncated"):
            body = record.get("request_body")
            found += [("request", v) for v in c.check_request(method, path, body, strict=strict)]
    return [ExchangeViolation(method, path, status, side, kind, verb, v) for side, v in found]


def check_records(
    records: Iterable[Mapping[str, Any]], *, strict: bool = True
) -> list[ExchangeViolation]:
    return [v for record in records for v in check_record(record, strict=strict)]


def read_records(path: Path, since: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(byte offset, record) of each complete line from ``since`` on. A line the server
    is still writing, or one a kill cut short, is skipped."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        handle.seek(since)
        offset = since
        for raw in handle:
            start, offset = offset, offset + len(raw)
            if not raw.endswith(b"\n"):
                return
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield start, record


def summarize(violations: Iterable[ExchangeViolation], title: str = "contract") -> str:
    """Distinct violation types with counts, most frequent first."""
    counts = Counter(v.type_key for v in violations)
    total = sum(counts.values())
    lines = [f"{title}: {total} violations of {len(counts)} distinct types"]
    if counts:
        lines.append(f"  {'count':>6}  kind / operation / side / json path: problem")
    for (kind, verb, side, where, rule), count in sorted(
        counts.items(), key=lambda i: (-i[1], i[0])
    ):
        lines.append(f"  {count:>6}  {kind} {verb} {side} {where}: {rule}")
    return "\n".join(lines) + "\n"
