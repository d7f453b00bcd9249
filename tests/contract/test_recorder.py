"""``kalix-local serve --record``: one line per control-plane exchange, no token, no
secret values, watches noted, other paths left out."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kalix_local.config import MAX_BODY_BYTES
from kalix_local.recorder import redact_secret_data, scrub
from tests.support.local_server import KalixLocalServer
from tests.support.objects import secret, service

SECRET_TEXT = "hunter2-correct-horse"
SECRET_B64 = base64.b64encode(SECRET_TEXT.encode()).decode()
PROVIDER = {"user-agent": "pulumi-kalix/0.1"}


@pytest.fixture(scope="module")
def server() -> Iterator[KalixLocalServer]:
    # Not a contract check: kalix-local's shapes are someone else's fix (see test_fixture).
    with KalixLocalServer(check_contract=False) as started:
        yield started


@pytest.fixture
def api(server: KalixLocalServer) -> Iterator[httpx.Client]:
    server.reset()
    with server.client() as client:
        yield client


def lines(server: KalixLocalServer, since: int) -> list[dict[str, Any]]:
    assert server.record_path is not None
    with server.record_path.open("rb") as handle:
        handle.seek(since)
        return [json.loads(line) for line in handle.read().splitlines()]


def test_one_line_per_exchange_with_what_was_on_the_wire(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    body = service("cart")
    created = api.post(server.api_path("kalixservices"), json=body, headers=PROVIDER)
    api.get(server.api_path("kalixservices", "nope"), params={"labelSelector": "a=b"})
    [create, missing] = lines(server, since)
    assert create == {
        "time": create["time"],
        "method": "POST",
        "path": server.api_path("kalixservices"),
        "query": "",
        "user_agent": "pulumi-kalix/0.1",
        "request_body": body,
        "status": 201,
        "response_body": created.json(),
    }
    assert missing["query"] == "labelSelector=a%3Db"
    assert missing["status"] == 404 and missing["response_body"]["kind"] == "Status"
    assert missing["user_agent"].startswith("python-httpx/")


def test_secret_data_is_blanked_and_the_token_never_written(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    body = secret("db", "generic", {"password": SECRET_TEXT, "user": "admin-user"})
    assert api.post(server.api_path("kalixsecrets"), json=body).status_code == 201
    patch = {"spec": {"data": {"password": SECRET_B64, "extra": SECRET_B64}}}
    api.patch(
        server.api_path("kalixsecrets", "db"),
        json=patch,
        headers={"content-type": "application/merge-patch+json"},
    )
    current = api.get(server.api_path("kalixsecrets", "db")).json()
    replaced = secret("db", "generic", {"password": SECRET_TEXT})
    replaced["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    api.put(server.api_path("kalixsecrets", "db"), json=replaced)
    api.get(server.api_path("kalixsecrets"))
    recorded = lines(server, since)
    assert [r["method"] for r in recorded] == ["POST", "PATCH", "GET", "PUT", "GET"]
    assert recorded[0]["request_body"]["spec"]["data"] == {"password": "", "user": ""}
    assert recorded[1]["request_body"]["spec"]["data"] == {"password": "", "extra": ""}
    assert recorded[3]["request_body"]["spec"]["data"] == {"password": ""}
    assert server.record_path is not None
    text = server.record_path.read_text()
    for forbidden in (SECRET_TEXT, SECRET_B64, base64.b64encode(b"admin-user").decode()):
        assert forbidden not in text
    assert server.token not in text
    assert "authorization" not in text.lower()


def test_a_watch_is_noted_without_its_stream(server: KalixLocalServer, api: httpx.Client) -> None:
    since = server.contract_offset()
    params = {"watch": "true", "timeoutSeconds": "1"}
    with api.stream("GET", server.api_path("kalixservices"), params=params) as stream:
        assert stream.status_code == 200
        for _ in stream.iter_lines():
            pass
    # A watch that fails is an ordinary exchange: its Status is kept.
    denied = httpx.get(server.url + server.api_path("kalixroutes"), params=params, timeout=10)
    assert denied.status_code == 401
    [watch, refused] = lines(server, since)
    assert watch["watch"] is True and watch["response_body"] is None
    assert watch["status"] == 200 and watch["query"] == "watch=true&timeoutSeconds=1"
    assert "watch" not in refused and refused["response_body"]["code"] == 401


def test_a_body_answered_unread_is_still_recorded(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    path = server.api_path("kalixservices")
    body = service("cart")
    server.admin("POST", "/faults", {"mode": "status", "status": 429, "count": 1})
    assert api.post(path, json=body).status_code == 429  # the fault answers first
    assert httpx.post(server.url + path, json=body, timeout=10).status_code == 401
    assert [line["request_body"] for line in lines(server, since)] == [body, body]


def test_other_paths_are_not_recorded(server: KalixLocalServer, api: httpx.Client) -> None:
    since = server.contract_offset()
    api.get("/healthz")
    api.get("/_local/faults")
    api.get(server.hostnames_path())
    api.get("/openapi.json")
    assert lines(server, since) == []


def test_bodies_that_are_not_json_are_flagged(server: KalixLocalServer, api: httpx.Client) -> None:
    since = server.contract_offset()
    headers = {"content-type": "application/json"}
    api.post(server.api_path("kalixservices"), content=b"{not json", headers=headers)
    [line] = lines(server, since)
    assert line["request_body"] is None and line["request_body_invalid"] is True
    assert line["status"] == 400 and line["response_body"]["kind"] == "Status"


def test_a_body_too_large_to_keep_still_reaches_the_server(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    body = service("cart", image="x" * (MAX_BODY_BYTES + 10))
    response = api.post(server.api_path("kalixservices"), json=body)
    assert response.status_code == 413  # kalix-local read it all and refused it
    [line] = lines(server, since)
    assert line["request_body"] is None and line["request_body_truncated"] is True
    assert line["response_body"]["code"] == 413


def test_injected_faults_and_dropped_connections(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    path = server.api_path("kalixservices")
    server.admin("POST", "/faults", {"mode": "status", "status": 503, "count": 1})
    assert api.get(path).status_code == 503
    server.admin("POST", "/faults", {"mode": "drop", "count": 1})
    with pytest.raises(httpx.TransportError):
        api.get(path)
    [fault, drop] = lines(server, since)
    assert fault["status"] == 503 and fault["response_body"]["reason"] == "ServiceUnavailable"
    assert drop["dropped"] is True and drop["response_body"] is None


def test_concurrent_requests_each_get_one_whole_line(
    server: KalixLocalServer, api: httpx.Client
) -> None:
    since = server.contract_offset()
    path = server.api_path("kalixservices")
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with server.client() as client:
                for i in range(10):
                    client.post(path, json=service(f"svc-{index}-{i}", image="x" * 2000))
        except BaseException as exc:  # reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    recorded = lines(server, since)  # json.loads of every line: none is torn
    assert len(recorded) == 80
    assert {r["status"] for r in recorded} == {201}


def test_serve_help_names_the_flag() -> None:
    from tests.kalix_local.test_cli import run_kalix_local

    result = run_kalix_local("serve", "--help")
    assert result.returncode == 0 and "--record FILE" in result.stdout


def test_redaction_and_scrubbing_rules() -> None:
    listed: dict[str, Any] = {
        "kind": "KalixSecretList",
        "items": [
            {"spec": {"type": "generic", "data": {"a": "c2VjcmV0LW9uZQ==", "b": ""}}},
            {"spec": {"type": "generic", "data": "c2VjcmV0LXR3bw=="}},
            {"spec": {"type": "generic"}},
            "not an object",
        ],
    }
    removed = redact_secret_data(listed)
    assert removed == ["c2VjcmV0LW9uZQ==", "", "c2VjcmV0LXR3bw=="]
    assert listed["items"][0]["spec"]["data"] == {"a": "", "b": ""}
    assert listed["items"][1]["spec"]["data"] == ""
    assert listed["items"][2]["spec"] == {"type": "generic"}
    status = {"message": "spec.data.a: c2VjcmV0LW9uZQ== is wrong", "details": [{"x": "ok"}]}
    assert scrub(status, ["c2VjcmV0LW9uZQ=="]) == {
        "message": "spec.data.a:  is wrong",
        "details": [{"x": "ok"}],
    }
    assert redact_secret_data(None) == [] and redact_secret_data([1, 2]) == []
