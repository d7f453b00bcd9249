"""Request bodies and bounded waits for the kalix-local tests (plain httpx)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def service(
    name: str,
    image: str = "registry.example/cart:1",
    *,
    min_instances: int | None = None,
    env: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main", "image": image}
    if env is not None:
        container["env"] = env
    body_spec: dict[str, Any] = {"containers": [container], **spec}
    if min_instances is not None:
        body_spec["resources"] = {"autoscaling": {"minInstances": min_instances}}
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixService",
        "metadata": metadata,
        "spec": body_spec,
    }


def route(name: str, host: str, paths: dict[str, str], **spec: Any) -> dict[str, Any]:
    rules = [{"prefix": p, "route": {"service": s}} for p, s in paths.items()]
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixRoute",
        "metadata": {"name": name},
        "spec": {"host": host, "routes": rules, **spec},
    }


def secret(name: str, type_: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "kalix.io/v1alpha1",
        "kind": "KalixSecret",
        "metadata": {"name": name},
        "spec": {"type": type_, "data": {k: b64(v) for k, v in data.items()}},
    }


def wait_until(
    fetch: Callable[[], T], done: Callable[[T], bool], timeout: float = 5.0, interval: float = 0.02
) -> T:
    """Poll ``fetch`` until ``done`` holds (bounded); returns the last value."""
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value}")
        time.sleep(interval)
        value = fetch()
    return value


def get_json(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    response.raise_for_status()
    return response.json()


def wait_for_summary(
    client: httpx.Client, path: str, summary: str, timeout: float = 5.0
) -> dict[str, Any]:
    result: dict[str, Any] = wait_until(
        lambda: get_json(client, path),
        lambda obj: obj.get("status", {}).get("summary") == summary,
        timeout,
    )
    return result


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    for cond in obj.get("status", {}).get("conditions", []):
        if cond["type"] == type_:
            return dict(cond)
    raise AssertionError(f"no {type_} condition in {obj.get('status')}")


def assert_status(
    response: httpx.Response, code: int, reason: str, message: str | None = None
) -> dict[str, Any]:
    assert response.status_code == code, response.text
    body: dict[str, Any] = response.json()
    assert body["kind"] == "Status"
    assert body["reason"] == reason, body
    assert body["code"] == code
    if message is not None:
        assert body["message"] == message
    return body


def route_state(obj: dict[str, Any]) -> str:
    """The CLI-style route status, derived from the published conditions (the route's
    ``status`` has no summary): stale conditions (an older ``observedGeneration``)
    count as ``Validating``."""
    conditions = {c["type"]: c for c in (obj.get("status") or {}).get("conditions", [])}
    ready, host = conditions.get("Ready"), conditions.get("HostValidation")
    generation = obj.get("metadata", {}).get("generation")
    observed = ready.get("observedGeneration") if ready else None
    if ready is None or (None not in (generation, observed) and observed != generation):
        return "Validating"
    if ready["status"] == "True":
        return "Ready"
    if host is not None and host["reason"] == "DnsNotVerified":
        return "DnsNotVerified"
    if ready["reason"] in ("NotConfigured", "ServiceNotFound"):
        return "NotConfigured"
    return "Validating"


def wait_for_route(
    client: httpx.Client, path: str, state: str, timeout: float = 5.0
) -> dict[str, Any]:
    result: dict[str, Any] = wait_until(
        lambda: get_json(client, path), lambda obj: route_state(obj) == state, timeout
    )
    return result


def wait_for_rollout(
    client: httpx.Client, path: str, image: str, timeout: float = 5.0
) -> dict[str, Any]:
    """Wait until ``image`` runs everywhere: Ready and echoed in ``mappedImage`` (a Ready
    summary alone may be the status from before the last write)."""
    result: dict[str, Any] = wait_until(
        lambda: get_json(client, path),
        lambda obj: (
            (obj.get("status") or {}).get("summary") == "Ready"
            and obj["status"].get("mappedImage") == image
        ),
        timeout,
    )
    return result


def assert_deleted_status(response: httpx.Response, name: str, plural: str) -> dict[str, Any]:
    """DELETE answers a Kubernetes ``Status`` of success naming the object."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"kind", "apiVersion", "metadata", "status", "details"}, body
    assert (body["kind"], body["apiVersion"], body["status"]) == ("Status", "v1", "Success")
    details = body["details"]
    assert set(details) == {"name", "group", "kind", "uid"}, details
    assert (details["name"], details["group"], details["kind"]) == (name, "kalix.io", plural)
    assert details["uid"]
    return body
