"""Robustness: the OpenAPI document, a bounded request fuzz and its regressions.

The fuzz sends a few hundred generated requests (random verbs, paths, names, bodies,
content types, query parameters and tokens) to the live server. Every answer must be a
success or a Kubernetes ``Status`` envelope whose ``code`` is the HTTP status, never a
500, and the store must still list and serve objects afterwards. Hypothesis runs
derandomized (same requests every run) so that a failure is reproducible.
"""

from __future__ import annotations

import copy
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalix_local.config import MAX_BODY_BYTES
from kalix_local.hostname_models import HostnameList, Project
from pulumi_kalix.api import (
    KalixRouteList,
    KalixSecretList,
    KalixServiceList,
    Status,
)
from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    assert_status,
    get_json,
    route,
    secret,
    service,
    wait_for_summary,
)

API = "/apis/kalix.io/v1alpha1/namespaces"
#: kalixobservabilities only.
API_V1BETA1 = "/apis/kalix.io/v1beta1/namespaces"
PROJECTS = "/kalix.io/v1alpha/projects"
#: The namespace the fuzz aims at: the default project's UUID once the server is up
#: (the control plane takes no friendly names).
NAMESPACES = {"default": "default"}
PLURALS = ("kalixservices", "kalixroutes", "kalixsecrets")
MERGE_PATCH = "application/merge-patch+json"
OTHER_PROJECT = "fuzz-other"

FUZZ_EXAMPLES = 300
#: Watches that really stream (a list GET with a good token) each take timeoutSeconds.
MAX_STREAMING_WATCHES = 8

#: Names the objects in the bodies use, so creates, updates and deletes meet each other.
OBJECT_NAMES = ("cart", "shop", "a", "x" * 63)
HOSTNAMES = ("shop.example.com", "api.example.org")
#: Strings that have broken JSON APIs before: lone surrogates, NUL, huge, path tricks.
NASTY_STRINGS = (
    "",
    " ",
    "\ud800",
    "a\udfffb",
    "\x00",
    "ü🙂",
    "../..",
    "x" * 70_000,
    "-1",
    "null",
    "cart",
    "Cart",
)
#: Bodies that are not (valid, UTF-8, shallow) JSON.
NASTY_BYTES = (
    b"{",
    b'{"metadata": ',
    b"\xff\xfe\x00",
    b'"\xed\xa0\x80"',  # a UTF-8-encoded surrogate
    b"[" * 5_000 + b"]" * 5_000,  # deeper than json.loads can recurse
    b'{"a":' * 2_000,
    b"NaN",
    b"null",
    b"[]",
    b'"text"',
    b"x" * (MAX_BODY_BYTES + 1),
)
CONTENT_TYPES = (
    None,
    "application/json",
    "application/json; charset=utf-8",
    MERGE_PATCH,
    "text/plain",
    "application/x-www-form-urlencoded",
)
TOKENS = ("valid",) * 12 + ("none", "bogus", "basic", "other", "refresh")


@dataclass
class FuzzRequest:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    token: str = "valid"
    content: bytes | None = None

    def describe(self) -> str:
        body = (self.content or b"")[:300]
        return (
            f"{self.method} {self.path} params={self.params} token={self.token} "
            f"content-type={self.content_type} body={body!r}"
        )


# -- strategies -------------------------------------------------------------------------

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and Infinity too: json.dumps writes them as bare tokens
    | st.text(max_size=20)
    | st.sampled_from(NASTY_STRINGS)
)
known_keys = st.sampled_from(
    ("metadata", "spec", "status", "name", "labels", "containers", "image", "data", "host")
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(known_keys | st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a JSON value: the places a mutation can hit."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                out.append((item, key))
                stack.append(child)
        elif isinstance(item, list):
            for index, child in enumerate(item):
                out.append((item, index))
                stack.append(child)
    return out


def valid_body(kind: str, name: str, rv: str | None = None) -> dict[str, Any]:
    """A body the server accepts for ``kind`` (a hostname-create body for hostnames)."""
    host = HOSTNAMES[OBJECT_NAMES.index(name) % 2] if name in OBJECT_NAMES else HOSTNAMES[0]
    if kind == "kalixservices":
        body = service(name, min_instances=2, labels={"app": "fuzz"})
    elif kind == "kalixroutes":
        body = route(name, host, {"/": "cart", "/api": "shop"})
    elif kind == "kalixsecrets":
        body = secret(name, "generic", {"password": "hunter2"})
    else:
        return {"name": host} if name != "a" else {}  # "a": a generated hostname
    if rv is not None:
        body["metadata"]["resourceVersion"] = rv
    return body


_COMMON_PATCHES: tuple[dict[str, Any], ...] = (
    {"metadata": {"labels": {"tier": "web"}}},
    {"metadata": {"labels": None, "annotations": {"note": "fuzz"}}},
    {"metadata": {"resourceVersion": "1"}},
)
#: Merge patches that apply cleanly to an existing object of each kind.
PATCHES: dict[str, tuple[dict[str, Any], ...]] = {
    "kalixservices": (
        *_COMMON_PATCHES,
        {"spec": {"paused": True}},
        {"spec": {"paused": None}},
        {"spec": {"resources": {"autoscaling": {"minInstances": 3}}}},
        {"spec": {"containers": [{"name": "main", "image": "registry.example/x:2"}]}},
    ),
    "kalixroutes": (
        *_COMMON_PATCHES,
        {"spec": {"host": HOSTNAMES[1]}},
        {"spec": {"routes": [{"prefix": "/v2", "route": {"service": "shop"}}]}},
        {"spec": {"corsPolicy": {"allowMethods": ["GET"], "allowOrigins": ["*"]}}},
    ),
    "kalixsecrets": (
        *_COMMON_PATCHES,
        {"spec": {"data": {"token": "c2VjcmV0"}}},
        {"spec": {"data": None}},
    ),
    "hostnames": _COMMON_PATCHES,
}


def mutate(draw: st.DrawFn, rnd: random.Random, body: Any) -> Any:
    """``body`` with one thing wrong: a value replaced, a field dropped, a key added."""
    body = copy.deepcopy(body)
    slots = _slots(body)
    if not slots:
        return body
    container, key = rnd.choice(slots)
    action = rnd.choice(("replace", "nasty", "nasty", "drop", "unknown", "empty"))
    if action == "replace":
        container[key] = draw(json_values)
    elif action == "nasty":
        container[key] = rnd.choice((*NASTY_STRINGS, -1, -(2**40), 2**64))
    elif action == "drop":
        del container[key]
    elif action == "unknown" and isinstance(container, dict):
        container[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    else:
        container[key] = rnd.choice(([], {}, ""))
    return body


def body_from(draw: st.DrawFn, rnd: random.Random, good: Any) -> bytes | None:
    """Mostly ``good`` or ``good`` with one mutation; sometimes anything at all."""
    shape = rnd.choice(("good", "good", "mutated", "mutated", "mutated", "nasty", "wild"))
    if shape == "good":
        return json.dumps(good).encode()
    if shape == "mutated":
        return json.dumps(mutate(draw, rnd, good)).encode()
    if shape == "nasty":
        return rnd.choice(NASTY_BYTES)
    wild: bytes | None = draw(
        st.none() | st.binary(max_size=40) | json_values.map(lambda v: json.dumps(v).encode())
    )
    return wild


def pick(draw: st.DrawFn, rnd: random.Random, common: tuple[str, ...], rare: Any) -> str:
    """One of ``common`` about 5 times in 6, else something drawn from ``rare``."""
    if rnd.random() < 5 / 6:
        return rnd.choice(common)
    value: str = draw(rare)
    return value


query_params = st.fixed_dictionaries(
    {},
    optional={
        "labelSelector": st.sampled_from(("app=fuzz", "app==fuzz,tier=web", "=", "a b"))
        | st.text(max_size=20),
        "fieldSelector": st.sampled_from(("metadata.name=cart", "spec.x=1")) | st.text(max_size=20),
        "hard": st.sampled_from(("true", "false", "maybe", "")),
        "includeDeleted": st.sampled_from(("true", "1", "nope")),
        "resourceVersion": st.sampled_from(("0", "1", "9" * 25, "-1", "abc"))
        | st.integers(0, 10**6).map(str),
        "timeoutSeconds": st.sampled_from(("0", "-5", "1", "x", "9" * 30)),
    },
)


def watch_params(rnd: random.Random) -> dict[str, str]:
    # Always a 1 s timeout: the default would hold the test for 30 s.
    params = {
        "watch": rnd.choice(("true", "1")),
        "timeoutSeconds": "1",
        "resourceVersion": rnd.choice(("", "0", "1", "9" * 18, "9" * 25, "9" * 5000, "\u0661")),
    }
    if rnd.random() < 0.3:
        params["fieldSelector"] = rnd.choice(("metadata.name=cart", "bogus"))
    if rnd.random() < 0.3:
        params["labelSelector"] = rnd.choice(("app=fuzz", "!!"))
    return params


any_text = st.text(max_size=70)  # no surrogates by default: URL paths cannot carry them
OPERATIONS = ("list", "create", "create", "get", "replace", "patch", "patch", "delete", "any")


@st.composite
def fuzz_requests(draw: st.DrawFn) -> FuzzRequest:
    """Mostly well-aimed requests (right verb and path, a plausible body) so that objects
    really get created, patched and deleted; the rest is anything at all.

    The structure comes from a seeded ``random.Random`` (hypothesis' own choices lean
    hard towards the first options, which starved whole areas); the values come from
    hypothesis strategies.
    """
    rnd = draw(st.randoms(use_true_random=True))
    area = rnd.choice((*PLURALS, "hostnames", "project"))
    known = (NAMESPACES["default"],)
    project = quote(pick(draw, rnd, known, st.just(OTHER_PROJECT) | any_text), safe="")
    names = HOSTNAMES if area == "hostnames" else OBJECT_NAMES
    name = pick(draw, rnd, names, st.sampled_from(OBJECT_NAMES + HOSTNAMES) | any_text)
    item_name = quote(name, safe="")
    op = rnd.choice(OPERATIONS + (("restore",) if area == "kalixservices" else ()))
    if area == "project":
        op = rnd.choice(("get", "get", "any"))
    elif area == "hostnames" and op in ("replace", "patch"):
        op = "get"
    if area == "project":
        base = f"{PROJECTS}/{project}"
    elif area == "hostnames":
        base = f"{PROJECTS}/{project}/hostnames"
    else:
        base = f"{API}/{project}/{area}"
    kind = area if area in PLURALS else "hostnames"
    params: dict[str, str] = {}
    content: bytes | None = None
    content_type: str | None = "application/json"
    if op == "list":
        method, path = "GET", base
        params = watch_params(rnd) if rnd.random() < 0.4 else draw(query_params)
    elif op == "create":
        method, path = "POST", base
        content = body_from(draw, rnd, valid_body(kind, name))
    elif op == "get":
        method, path = "GET", base if area == "project" else f"{base}/{item_name}"
    elif op == "replace":
        method, path = "PUT", f"{base}/{item_name}"
        rv = str(rnd.randint(1, 60))  # sometimes the current one
        content = body_from(draw, rnd, valid_body(kind, name, rv))
    elif op == "patch":
        method, path = "PATCH", f"{base}/{item_name}"
        content = body_from(draw, rnd, rnd.choice(PATCHES[kind]))
        content_type = MERGE_PATCH
    elif op == "delete":
        method, path = "DELETE", f"{base}/{item_name}"
        params = rnd.choice(({}, {}, {"hard": "true"}, {"hard": "nope"}))
    elif op == "restore":
        # A local extension (the published API has no restore), under the local prefix.
        local = base.replace("/apis/kalix.io/v1alpha1/", "/_local/")
        method, path = "POST", f"{local}/{item_name}/restore"
    else:  # anything: any verb on any of the paths, any body, any query
        method = rnd.choice(("GET", "POST", "PUT", "PATCH", "DELETE"))
        path = rnd.choice((base, f"{base}/{item_name}", f"{base}/{item_name}/x"))
        params = draw(query_params)
        content = body_from(draw, rnd, rnd.choice(PATCHES[kind]))
    if rnd.random() < 0.2:
        content_type = rnd.choice(CONTENT_TYPES)
    return FuzzRequest(
        method=method,
        path=path,
        params=params,
        content_type=content_type,
        token=rnd.choice(TOKENS),
        content=content,
    )


# -- helpers ----------------------------------------------------------------------------


def assert_envelope(response: httpx.Response, what: str) -> None:
    """A success, or a Status whose code is the HTTP status; never a server error."""
    code = response.status_code
    assert code < 500, f"{what}\n-> {code} {response.text[:500]}"
    if code >= 400:
        body = response.json()
        assert body.get("kind") == "Status", f"{what}\n-> {code} {response.text[:500]}"
        assert body.get("code") == code, f"{what}\n-> {code} {response.text[:500]}"
        assert body.get("reason"), f"{what}\n-> {code} {response.text[:500]}"
        Status.model_validate(body)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` into ``components/schemas``."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    prefix = "#/components/schemas/"
    assert isinstance(ref, str) and ref.startswith(prefix), ref
    resolved: dict[str, Any] = document["components"]["schemas"][ref.removeprefix(prefix)]
    return resolved


def _json(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": "application/json"})


# -- OpenAPI ----------------------------------------------------------------------------


def test_openapi__documents_request_bodies(kalix_server: KalixLocalServer) -> None:
    document = httpx.get(f"{kalix_server.url}/openapi.json", timeout=10).json()
    checked = 0
    for path, operations in document["paths"].items():
        if not path.startswith((API, API_V1BETA1, PROJECTS)):
            continue  # /_local admin and /healthz are not the API
        for method, operation in operations.items():
            if method in ("post", "put") and not path.endswith("/restore"):  # restore: no body
                content = operation["requestBody"]["content"]["application/json"]
                schema = resolve(document, content["schema"])
                wanted = {"name"} if path.endswith("/hostnames") else {"metadata", "spec"}
                assert wanted <= set(schema["properties"]), (method, path)
                checked += 1
            elif method == "patch":
                content = operation["requestBody"]["content"][MERGE_PATCH]
                assert content["schema"]["type"] == "object", path
                checked += 1
            # Every API error is a Status, never FastAPI's own 422 shape.
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            error = resolve(document, responses["default"]["content"]["application/json"]["schema"])
            assert error["properties"]["kind"]["const"] == "Status"
    kinds = {p.split("/")[6] for p in document["paths"] if p.startswith((API, API_V1BETA1))}
    assert kinds == {
        "kalixservices",
        "kalixroutes",
        "kalixsecrets",
        "kalixserviceconfigs",
        "externalsecrets",
        "kalixobjectstorages",
        "kalixstores",
        "containerregistryconfigs",
        "kalixbrokers",
        "kalixobservabilities",
    }
    assert checked == 3 * len(kinds) + 1  # create/replace/patch of each kind, hostname create

    obj = document["paths"][f"{API}/{{project}}/kalixservices/{{name}}"]["get"]
    schema = obj["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"] == "#/components/schemas/KalixService"
    create = document["paths"][f"{API}/{{project}}/kalixroutes"]["post"]
    assert "201" in create["responses"] and "200" not in create["responses"]

    try:
        from openapi_spec_validator import validate
    except ImportError:  # optional: only checked where the validator is installed
        return
    validate(document)


# -- the fuzz ---------------------------------------------------------------------------


def test_fuzz__no_request_gets_a_server_error(kalix: KalixLocalServer) -> None:
    tokens = {
        "valid": f"Bearer {kalix.access_token()}",
        "bogus": "Bearer klx_not-a-real-token",
        "basic": "Basic dXNlcjpwYXNz",
        "other": f"Bearer {kalix.access_token(kalix.new_project(OTHER_PROJECT))}",
        "refresh": f"Bearer {kalix.token}",  # a refresh token: 401 on this API
    }
    NAMESPACES["default"] = kalix.project_id()
    streaming_watches = 0
    started = time.monotonic()
    log_offset = kalix.log_path.stat().st_size

    with httpx.Client(base_url=kalix.url, timeout=10) as client:
        # Objects to patch, replace and delete from the start (the fuzz creates more).
        auth = {"authorization": tokens["valid"]}
        for kind in ("hostnames", *PLURALS):
            for name in OBJECT_NAMES[:2]:
                path = kalix.hostnames_path() if kind == "hostnames" else kalix.api_path(kind)
                client.post(path, json=valid_body(kind, name), headers=auth).raise_for_status()

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(request=fuzz_requests())
        def run(request: FuzzRequest) -> None:
            nonlocal streaming_watches
            params = dict(request.params)
            if "watch" in params and request.token == "valid" and request.method == "GET":
                streaming_watches += 1
                if streaming_watches > MAX_STREAMING_WATCHES:
                    params.pop("watch")  # keep the run short: a plain list instead
            headers = {}
            if request.token in tokens:
                headers["authorization"] = tokens[request.token]
            if request.content_type is not None:
                headers["content-type"] = request.content_type
            response = client.request(
                request.method,
                request.path,
                params=params,
                headers=headers,
                content=request.content,
            )
            assert_envelope(response, request.describe())

        run()

    # The store is intact: every list parses, and a normal lifecycle still works.
    with kalix.client() as api:
        for plural, model in (
            ("kalixservices", KalixServiceList),
            ("kalixroutes", KalixRouteList),
            ("kalixsecrets", KalixSecretList),
        ):
            model.model_validate(get_json(api, kalix.api_path(plural)))
        HostnameList.model_validate(get_json(api, kalix.hostnames_path()))
        Project.model_validate(get_json(api, f"{PROJECTS}/{kalix.project_id()}"))

        path = kalix.api_path("kalixservices", "after-fuzz")
        created = api.post(kalix.api_path("kalixservices"), json=service("after-fuzz"))
        assert created.status_code == 201, created.text
        ready = wait_for_summary(api, path, "Ready")  # the rollout loop still runs too
        assert ready["metadata"]["uid"] == created.json()["metadata"]["uid"]
        assert api.delete(path, params={"hard": "true"}).is_success
        assert api.get(path).status_code == 404
    # Nothing failed out of sight either (a background loop, a response after commit).
    with open(kalix.log_path, "rb") as log:
        log.seek(log_offset)
        assert b"Traceback" not in log.read()
    assert time.monotonic() - started < 60  # bounded (typically well under 30 s)


# -- regressions found by the fuzz ------------------------------------------------------


def test_deeply_nested_body__is_bad_request(kalix: KalixLocalServer, api: httpx.Client) -> None:
    # json.loads raised RecursionError (a 500) for "[[[[...]]]]".
    response = _json(api, kalix.api_path("kalixservices"), b"[" * 100_000 + b"]" * 100_000)
    assert_status(
        response, 400, "BadRequest", "the request body is not valid JSON: nested too deeply"
    )


@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("kalixservices", b'{"metadata": {"name": "\\ud800"}, "spec": {}}'),
        ("kalixroutes", b'{"metadata": {"name": "r"}, "spec": {"host": "\\udc80"}}'),
        ("hostnames", b'{"name": "\\udc80.example.com"}'),
        ("kalixsecrets", b'{"metadata": {"name": "\xed\xa0\x80"}}'),  # UTF-8-encoded
    ],
)
def test_lone_surrogate_in_body__is_bad_request(
    kalix: KalixLocalServer, api: httpx.Client, where: str, body: bytes
) -> None:
    # The surrogate reached SQLite or the error message and could not be encoded (500).
    path = kalix.hostnames_path() if where == "hostnames" else kalix.api_path(where)
    status = assert_status(_json(api, path, body), 400, "BadRequest")
    assert "unpaired UTF-16 surrogate" in status["message"]
    assert api.get(path).status_code == 200


def test_lone_surrogate_in_merge_patch__is_bad_request(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    response = api.patch(
        kalix.api_path("kalixservices", "cart"),
        content=b'{"metadata": {"labels": {"app": "\\ud83d"}}}',
        headers={"content-type": MERGE_PATCH},
    )
    assert_status(response, 400, "BadRequest")
    assert "labels" not in api.get(kalix.api_path("kalixservices", "cart")).json()["metadata"]


def test_surrogate_pair__is_accepted(kalix: KalixLocalServer, api: httpx.Client) -> None:
    # A well-formed pair is one character (U+1F642), not a lone surrogate.
    body = json.dumps(service("cart", labels={"app": "x"})).replace('"x"', '"\\ud83d\\ude42"')
    response = _json(api, kalix.api_path("kalixservices"), body.encode())
    assert response.status_code == 201, response.text
    assert response.json()["metadata"]["labels"] == {"app": "\U0001f642"}


@pytest.mark.parametrize("type_", [{}, [], ["tls"]])
def test_secret_with_unhashable_type__is_invalid(
    kalix: KalixLocalServer, api: httpx.Client, type_: Any
) -> None:
    # spec.type {} reached a dict lookup in the secret rules: TypeError (500).
    body = secret("creds", "generic", {"password": "hunter2"})
    body["spec"]["type"] = type_
    status = assert_status(api.post(kalix.api_path("kalixsecrets"), json=body), 422, "Invalid")
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.type"]
    del body["spec"]["data"]  # the create-without-data rule looked the type up too
    assert_status(api.post(kalix.api_path("kalixsecrets"), json=body), 422, "Invalid")
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("creds", "generic", {"a": "b"})
    ).raise_for_status()
    response = api.patch(
        kalix.api_path("kalixsecrets", "creds"),
        json={"spec": {"type": type_}},
        headers={"content-type": MERGE_PATCH},
    )
    assert_status(response, 422, "Invalid")


# "\u0661" is an Arabic-Indic one: \d matched it, [0-9] does not.
@pytest.mark.parametrize("version", ["9" * 19, "9" * 25, "9" * 5000, "\u0661"])
def test_watch_resource_version_out_of_range__is_bad_request(
    kalix: KalixLocalServer, api: httpx.Client, version: str
) -> None:
    # 5000 digits: int() raised ValueError (500); 25 digits overflowed SQLite mid-stream
    # (a cut connection). resourceVersion is now at most 18 ASCII digits.
    response = api.get(
        kalix.api_path("kalixservices"),
        params={"watch": "true", "resourceVersion": version, "timeoutSeconds": "1"},
    )
    body = assert_status(response, 400, "BadRequest")
    assert "resourceVersion" in body["message"]


def test_watch_resource_version_18_digits__still_works(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    response = api.get(
        kalix.api_path("kalixservices"),
        params={"watch": "true", "resourceVersion": "9" * 18, "timeoutSeconds": "1"},
    )
    assert response.status_code == 200 and response.text == ""
