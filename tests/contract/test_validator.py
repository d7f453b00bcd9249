"""The validator can fail: invented fields at every depth, wrong kinds, types, formats;
and it accepts what the platform publishes, maps included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.contract import samples
from tests.contract.validator import (
    Contract,
    check_record,
    contract,
    summarize,
    validate,
    validate_request,
    validate_response,
)

Mutation = Callable[[dict[str, Any]], None]
SERVICES = f"{samples.BASE}/kalixservices"
ROUTES = f"{samples.BASE}/kalixroutes"
SECRETS = f"{samples.BASE}/kalixsecrets"


def _set(path: list[str | int], value: Any) -> Mutation:
    def mutate(body: dict[str, Any]) -> None:
        target: Any = body
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


# (schema, sample, mutation, the JSON path reported)
INVENTED = [
    (
        "KalixService",
        samples.service,
        ["status", "observedGeneration"],
        "$.status.observedGeneration",
    ),
    ("KalixRoute", samples.route, ["status", "summary"], "$.status.summary"),
    ("KalixSecret", samples.secret, ["status", "keys"], "$.status.keys"),
    ("KalixService", samples.service, ["spec", "replicaCount"], "$.spec.replicaCount"),
    ("KalixService", samples.service, ["color"], "$.color"),
    ("KalixService", samples.service, ["metadata", "owner"], "$.metadata.owner"),
    (
        "KalixService",
        samples.service,
        ["spec", "containers", 0, "ports"],
        "$.spec.containers[0].ports",
    ),
    (
        "KalixService",
        samples.service,
        ["spec", "containers", 0, "env", 1, "valueFrom", "secretKeyRef", "version"],
        "$.spec.containers[0].env[1].valueFrom.secretKeyRef.version",
    ),
    (
        "KalixService",
        samples.service,
        ["status", "conditions", 0, "observedGeneration"],
        "$.status.conditions[0].observedGeneration",
    ),
    ("KalixService", samples.service, ["spec", "resources", "cpu"], "$.spec.resources.cpu"),
    (
        "KalixRoute",
        samples.route,
        ["spec", "routes", 0, "route", "port"],
        "$.spec.routes[0].route.port",
    ),
    ("KalixRoute", samples.route, ["spec", "validation", "jwt"], "$.spec.validation.jwt"),
    ("KalixSecret", samples.secret, ["spec", "immutable"], "$.spec.immutable"),
    ("Status", samples.status, ["details", "region"], "$.details.region"),
    ("Status", samples.status, ["object"], "$.object"),
]


@pytest.mark.parametrize(("schema", "sample", "where", "reported"), INVENTED)
def test_an_invented_field_is_reported_where_it_is(
    schema: str,
    sample: Callable[[], dict[str, Any]],
    where: list[str | int],
    reported: str,
) -> None:
    body = sample()
    assert validate(schema, body) == []
    _set(where, 7)(body)
    assert validate(schema, body) == [f"{reported}: not in the published schema (value 7)"]
    assert validate(schema, body, strict=False) == []  # the published schemas are open


def test_an_invented_field_in_a_list_item() -> None:
    item = samples.service()
    item["status"]["observedGeneration"] = 3
    body = samples.object_list("KalixService", samples.service(), item)
    assert validate("KalixServiceList", body) == [
        "$.items[1].status.observedGeneration: not in the published schema (value 3)"
    ]


@pytest.mark.parametrize(
    ("schema", "body"),
    [
        ("KalixService", samples.service()),
        ("Service", samples.service()),
        ("KalixRoute", samples.route()),
        ("KalixSecret", samples.secret()),
        ("KalixServiceList", samples.object_list("KalixService", samples.service())),
        ("KalixRouteList", samples.object_list("KalixRoute", samples.route())),
        ("KalixSecretList", samples.object_list("KalixSecret")),
        ("Status", samples.status()),
        ("Status", samples.status(409, "AlreadyExists")),
        ("DeleteOptions", samples.delete_options()),
    ],
)
def test_a_realistic_object_of_each_kind_is_accepted(schema: str, body: dict[str, Any]) -> None:
    assert validate(schema, body) == []


def test_maps_stay_maps() -> None:
    body = samples.service()
    body["metadata"]["labels"] = {"any/key": "v", "x": ""}
    body["metadata"]["annotations"] = {"kalix.io/anything-at.all": "v"}
    body["spec"]["labels"] = {"free-form": "v"}
    body["spec"]["annotations"] = {"also": "free"}
    assert validate("KalixService", body) == []
    route = samples.route()
    route["spec"]["validation"]["httpBasic"]["passwordHashes"] = {"any user": "sha512:x"}
    assert validate("KalixRoute", route) == []
    secret = samples.secret()
    secret["spec"]["data"] = {"tls.crt": "", "tls.key": "a2V5", "ca.crt": "Y2E="}
    assert validate("KalixSecret", secret) == []
    # A map's values still have a type.
    body["metadata"]["labels"] = {"team": 5}
    assert validate("KalixService", body) == [
        '$.metadata.labels.team: must be of type "string", got 5'
    ]


def test_types_required_enums_and_patterns() -> None:
    body = samples.service()
    body["spec"]["containers"][0].pop("image")
    body["spec"]["resources"]["runtime"]["mode"] = "serverless"
    body["spec"]["resources"]["instanceType"] = "huge"
    body["status"]["replicas"] = "two"
    found = validate("KalixService", body)
    assert found[0] == "$.spec.containers[0].image: required by the published schema, missing"
    assert found[1].startswith('$.spec.resources.instanceType: pattern "^(small|(general')
    assert found[1].endswith(', got "huge"')
    assert found[2:] == [
        '$.spec.resources.runtime.mode: must be one of ["sidecar", "embedded"], got "serverless"',
        '$.status.replicas: must be of type "integer", got "two"',
    ]
    assert validate("KalixService", {"spec": {"containers": []}}, strict=False) == [
        "$.spec.containers: minItems 1, got []"
    ]


def test_formats() -> None:
    body = samples.service()
    body["metadata"]["creationTimestamp"] = "2025-13-01T00:00:00Z"
    body["spec"]["restartRequested"] = "yesterday"
    body["status"]["replicas"] = 2.0  # Go will not decode 2.0 into an int32
    body["spec"]["resources"]["autoscaling"]["maxInstances"] = 2**31
    assert validate("KalixService", body) == [
        '$.metadata.creationTimestamp: must be a date-time string, got "2025-13-01T00:00:00Z"',
        "$.spec.resources.autoscaling.maxInstances: must be an int32 integer, got 2147483648",
        '$.spec.restartRequested: must be a date-time string, got "yesterday"',
        "$.status.replicas: must be an int32 integer, got 2.0",
    ]
    secret = samples.secret()
    secret["spec"]["data"]["password"] = "not base64!"
    assert validate("KalixSecret", secret) == [
        '$.spec.data.password: must be a byte string, got "not base64!"'
    ]


def test_kind_and_api_version_are_the_published_group_version_kind() -> None:
    body = samples.service()
    body["kind"] = "KalixRoute"
    assert validate("KalixService", body) == [
        "$.kind: kind must be 'KalixService' (the published group-version-kind), got \"KalixRoute\""
    ]
    body = samples.service()
    body["apiVersion"] = "kalix.io/v1"
    assert validate("KalixService", body) == [
        "$.apiVersion: apiVersion must be 'kalix.io/v1alpha1' (the published group-version-kind)"
        ', got "kalix.io/v1"'
    ]
    listed = samples.object_list("KalixService", samples.route())
    assert validate("KalixServiceList", listed)[0].startswith("$.items[0].kind: kind must be")


def test_unknown_schema_names_are_an_error() -> None:
    with pytest.raises(KeyError, match="KalixHostname"):
        validate("KalixHostname", {})


def test_openapi_3_0_keywords_become_json_schema() -> None:
    document = {
        "source": {},
        "kinds": {},
        "errorSchema": "Status",
        "schemaKinds": {},
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "maybe": {"type": "string", "nullable": True, "enum": ["a"]},
                    "ref": {"allOf": [{"$ref": "#/schemas/Inner"}], "nullable": True},
                    "port": {"x-kubernetes-int-or-string": True},
                    "open": {
                        "type": "object",
                        "properties": {"a": {"type": "string"}},
                        "x-kubernetes-preserve-unknown-fields": True,
                    },
                    "above": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                },
                "x-kubernetes-list-type": "atomic",
            },
            "Inner": {"type": "object", "properties": {"x": {"type": "string"}}},
        },
    }
    c = Contract(document)
    good = {"maybe": None, "ref": None, "port": "http", "open": {"b": 1}, "above": 1}
    assert c.check("Thing", good) == []
    assert c.check("Thing", good | {"maybe": "a", "ref": {"x": "y"}, "port": 80}) == []
    bad = [str(v) for v in c.check("Thing", {"maybe": "b", "port": 1.5, "above": 0})]
    assert bad == [
        "$.above: exclusiveMinimum 0, got 0",
        '$.maybe: must be one of ["a", null], got "b"',
        '$.port: must be of type ["integer", "string"], got 1.5',
    ]
    assert [str(v) for v in c.check("Thing", {"ref": {"y": 1}})] == [
        "$.ref.y: not in the published schema (value 1)"
    ]


# -- exchanges ----------------------------------------------------------------------------


def test_response__the_published_delete_answers_a_status() -> None:
    deleted = samples.service()
    assert validate_response("DELETE", f"{SERVICES}/cart", 200, samples.status()) == []
    assert validate_response("DELETE", f"{SERVICES}/cart", 200, deleted) == [
        "$.kind: kind must be 'Status' (the published group-version-kind), got \"KalixService\""
    ]
    assert validate_response("DELETE", SERVICES, 200, samples.status()) == []  # collection


def test_response__objects_lists_and_errors() -> None:
    assert validate_response("POST", SERVICES, 201, samples.service()) == []
    assert validate_response("GET", f"{ROUTES}/shop", 200, samples.route()) == []
    assert validate_response("PUT", f"{SECRETS}/db", 200, samples.secret()) == []
    listed = samples.object_list("KalixRoute", samples.route())
    assert validate_response("GET", ROUTES, 200, listed) == []
    assert validate_response("GET", ROUTES, 200, samples.route()) != []  # a list, not an object
    for code in (400, 401, 404, 409, 422, 429, 500, 503):
        assert validate_response("GET", f"{SERVICES}/x", code, samples.status(code, "Err")) == []
    assert validate_response("GET", "/apis/nowhere", 404, samples.status(404, "NotFound")) == []
    assert validate_response("GET", f"{SERVICES}/x", 404, {"error": "not found"}) == [
        '$.error: not in the published schema (value "not found")'
    ]
    assert validate_response("GET", f"{SERVICES}/x", 500, None) == [
        "$: the body must be a JSON Status"
    ]


def test_response__unpublished_operations_and_statuses() -> None:
    assert validate_response("POST", f"{SERVICES}/cart/restore", 200, samples.service()) == [
        f"$: POST {SERVICES}/cart/restore: not a published operation (answered 200)"
    ]
    assert validate_response("DELETE", f"{SERVICES}/cart", 204, None) == [
        "$: KalixService delete does not publish this status: 204 (published: 200, 202)"
    ]
    assert validate_response("GET", f"{samples.BASE}/kalixbrokers", 200, {}) != []


def test_request__bodies_and_merge_patches() -> None:
    assert validate_request("POST", SERVICES, samples.service()) == []
    body = samples.route()
    body["status"]["summary"] = "Ready"
    assert validate_request("PUT", f"{ROUTES}/shop", body) == [
        '$.status.summary: not in the published schema (value "Ready")'
    ]
    assert validate_request("POST", SERVICES, None) == [
        "$: KalixService create requires a Service body"
    ]
    assert validate_request("DELETE", f"{SERVICES}/cart", None) == []
    assert validate_request("DELETE", f"{SERVICES}/cart", samples.delete_options()) == []
    assert validate_request("GET", SERVICES, {"a": 1}) == ["$: KalixService list takes no body"]
    patch = {
        "metadata": {"labels": {"team": None, "new": "x"}, "annotations": None},
        "spec": {"paused": True, "containers": [{"name": "main", "image": "i:2"}]},
    }
    assert validate_request("PATCH", f"{SERVICES}/cart", patch) == []
    patch = {"spec": {"replicaCount": 2, "containers": [{"name": "main"}]}, "status": None}
    assert validate_request("PATCH", f"{SERVICES}/cart", patch) == [
        "$.spec.containers[0].image: required by the published schema, missing",
        "$.spec.replicaCount: not in the published schema (merge patch)",
    ]
    assert validate_request("PATCH", f"{SERVICES}/cart", patch, strict=False) == []
    assert validate_request("POST", f"{SERVICES}/cart/restore", None) == [
        f"$: POST {SERVICES}/cart/restore: not a published operation"
    ]


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "method": "GET",
        "path": f"{SERVICES}/cart",
        "query": "",
        "user_agent": "python-httpx/0.28",
        "request_body": None,
        "status": 200,
        "response_body": samples.service(),
    }
    return base | fields


def test_check_record__requests_only_when_the_provider_sent_them() -> None:
    bad_request = {"spec": {"nonsense": True}}
    plain = record(method="PATCH", request_body=bad_request)
    assert check_record(plain) == []  # a test poking the server with bad bodies on purpose
    provider = record(method="PATCH", request_body=bad_request, user_agent="pulumi-kalix/0.1")
    [found] = check_record(provider)
    assert str(found) == (
        f"PATCH {SERVICES}/cart -> 200 request $.spec.nonsense: "
        "not in the published schema (merge patch)"
    )
    assert (found.kind, found.verb, found.side) == ("KalixService", "patch", "request")


def test_check_record__streams_cuts_and_broken_bodies() -> None:
    invented = samples.service()
    invented["status"]["observedGeneration"] = 1
    assert check_record(record(response_body=None, watch=True, query="watch=true")) == []
    assert check_record(record(response_body=None, dropped=True)) == []
    assert check_record(record(response_body=None, status=None, dropped=True)) == []
    [broken] = check_record(record(response_body=None, response_body_invalid=True))
    assert str(broken) == f"GET {SERVICES}/cart -> 200 response $: the body is not JSON"
    [found] = check_record(record(response_body=invented))
    assert found.type_key == (
        "KalixService",
        "get",
        "response",
        "$.status.observedGeneration",
        "not in the published schema",
    )
    [unpublished] = check_record(record(method="POST", path=f"{SERVICES}/cart/restore"))
    assert (unpublished.kind, unpublished.verb) == ("KalixService", "POST (unpublished)")


def test_summary_counts_distinct_types() -> None:
    invented = samples.service()
    invented["status"]["conditions"] *= 2
    for condition in invented["status"]["conditions"]:
        condition["observedGeneration"] = 1
    violations = check_record(record(response_body=invented)) * 3
    violations += check_record(record(method="DELETE"))
    text = summarize(violations, "t")
    assert text.splitlines() == [
        "t: 7 violations of 2 distinct types",
        "   count  kind / operation / side / json path: problem",
        "       6  KalixService get response $.status.conditions[*].observedGeneration: "
        "not in the published schema",
        "       1  KalixService delete response $.kind: kind must be 'Status' "
        "(the published group-version-kind)",
    ]


def test_the_contract_is_built_once() -> None:
    assert contract() is contract()
    assert contract().validator("KalixService", True) is contract().validator("Service", True)
