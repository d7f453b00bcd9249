"""The admin credential, the Host check and the cross-site refusal (kalix_local/http_guard.py).

Every state-changing route is found by walking the app's routes, so a route added later
is covered without touching this file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kalix_local.app import create_app
from kalix_local.config import Settings
from kalix_local.http_guard import STATE_CHANGING, HostOriginGuard, split_host
from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    get_json,
    route,
    route_state,
    secret,
    service,
    wait_for_summary,
    wait_until,
)

HOST = "guard.example.com"
EVIL = "http://evil.example"


def app_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """(method, path template) of every route of the app, routers included."""
    app = create_app(Settings(data_dir=tmp_path, run_background=False))
    found: list[tuple[str, str]] = []

    def walk(routes: Any) -> None:
        for item in routes:
            if hasattr(item, "effective_route_contexts"):  # FastAPI's included router
                for context in item.effective_route_contexts():
                    methods = getattr(context.original_route, "methods", None) or ()
                    found.extend((m, context.path) for m in methods)
            elif hasattr(item, "path"):
                found.extend((m, item.path) for m in getattr(item, "methods", None) or ())

    walk(app.routes)
    app.state.backend.core.store.close()
    return sorted(set(found))


def state_changing_routes(tmp_path: Path) -> list[tuple[str, str]]:
    return [(m, p) for m, p in app_routes(tmp_path) if m in STATE_CHANGING]


def concrete(kalix: KalixLocalServer, template: str) -> str:
    project_id = kalix.project_id()
    name = HOST if "/hostnames/" in template else "guard"
    return template.replace("{project}", project_id).replace("{name}", name)


def credential(kalix: KalixLocalServer, path: str) -> dict[str, str]:
    """What the route itself asks for, so only the guard can refuse the request."""
    if path.startswith("/_local/") and not path.startswith("/_local/namespaces/"):
        return kalix.admin_headers
    return {"Authorization": f"Bearer {kalix.access_token()}"}


def send(
    client: httpx.Client, kalix: KalixLocalServer, method: str, path: str, extra: dict[str, str]
) -> httpx.Response:
    """`method path` with the route's own credential, a JSON body, and `extra` headers."""
    merge = method == "PATCH" and not path.startswith("/_local/")
    content_type = "application/merge-patch+json" if merge else "application/json"
    headers = {**credential(kalix, path), "content-type": content_type, **extra}
    return client.request(method, path, headers=headers, content=b"{}")


def snapshot(kalix: KalixLocalServer) -> dict[str, Any]:
    """Everything a state-changing request could change."""
    with kalix.client() as api:
        objects = {
            plural: api.get(kalix.api_path(plural), params={"includeDeleted": "true"}).json()
            for plural in ("kalixservices", "kalixroutes", "kalixsecrets")
        }
        hostnames = api.get(kalix.hostnames_path()).json()
    return {
        "objects": objects,
        "hostnames": hostnames,
        "settings": kalix.admin("GET", "/settings"),
        "dns": kalix.admin("GET", "/dns/records"),
        "faults": kalix.admin("GET", "/faults"),
        "grpc_faults": kalix.admin("GET", "/federation/faults"),
        "projects": kalix.admin("GET", "/projects"),
    }


@pytest.fixture
def populated(kalix: KalixLocalServer) -> Iterator[KalixLocalServer]:
    """One object of each kind named as `concrete` names them, so a delete, a replace or
    a reset that got through would show in the snapshot."""
    with kalix.client() as api:
        api.post(kalix.hostnames_path(), json={"name": HOST}).raise_for_status()
        api.post(kalix.api_path("kalixservices"), json=service("guard")).raise_for_status()
        body = route("guard", HOST, {"/": "guard"})
        api.post(kalix.api_path("kalixroutes"), json=body).raise_for_status()
        body = secret("guard", "generic", {"k": "v"})
        api.post(kalix.api_path("kalixsecrets"), json=body).raise_for_status()
    kalix.admin("PUT", "/dns/records", {"other.example.com": "us-east1.kalix.app"})
    # A fault no request matches (its count would move otherwise): a DELETE would drop it.
    fault = {"mode": "latency", "latencyMs": 0, "count": 1, "pathContains": "/no-such-path"}
    kalix.admin("POST", "/faults", fault)
    # The service's rollout and the route's validation move the objects on their own;
    # the snapshots must not race them (they did once the admin calls got fast).
    with kalix.client() as api:
        wait_for_summary(api, kalix.api_path("kalixservices", "guard"), "Ready")
        wait_until(
            lambda: get_json(api, kalix.api_path("kalixroutes", "guard")),
            lambda obj: route_state(obj) != "Validating",
        )
    wait_until(lambda: _two_snapshots(kalix), lambda pair: pair[0] == pair[1])
    yield kalix


def _two_snapshots(kalix: KalixLocalServer) -> tuple[dict[str, Any], dict[str, Any]]:
    first = snapshot(kalix)
    time.sleep(0.2)  # a few rollout and status-lag steps (0.05 s each here)
    return first, snapshot(kalix)


def test_every_state_changing_route_is_found(tmp_path: Path) -> None:
    routes = state_changing_routes(tmp_path)
    paths = {p for _, p in routes}
    # Both planes and the admin API: the walk finds included routers' routes too.
    assert "/_local/reset" in paths
    assert "/apis/kalix.io/v1alpha1/namespaces/{project}/kalixservices/{name}" in paths
    assert "/kalix.io/v1alpha/projects/{project}/hostnames" in paths
    assert "/_local/namespaces/{project}/kalixservices/{name}/restore" in paths
    assert len(routes) >= 25


def test_cross_site_and_foreign_host_requests_are_refused_and_change_nothing(
    populated: KalixLocalServer, tmp_path: Path
) -> None:
    kalix = populated
    before = snapshot(kalix)
    refused: list[str] = []
    foreign = {
        "origin": {"Origin": EVIL},
        "null-origin": {"Origin": "null"},
        "other-port-origin": {"Origin": "http://127.0.0.1:1"},
        "https-origin": {"Origin": f"https://127.0.0.1:{kalix.port}"},
        "fetch-site": {"Sec-Fetch-Site": "cross-site"},
        "same-site": {"Sec-Fetch-Site": "same-site"},
        "host": {"Host": f"evil.example:{kalix.port}"},
        "host-port": {"Host": "127.0.0.1:1"},
    }
    routes = state_changing_routes(tmp_path)
    with httpx.Client(base_url=kalix.url, timeout=10) as client:
        for method, template in routes:
            path = concrete(kalix, template)
            for why, extra in foreign.items():
                response = send(client, kalix, method, path, extra)
                if response.status_code != 403 or response.json().get("reason") != "Forbidden":
                    refused.append(f"{method} {template} ({why}): {response.status_code}")
    assert refused == [], "not refused:\n" + "\n".join(refused)
    assert snapshot(kalix) == before


def test_the_same_requests_without_origin_are_not_refused(
    populated: KalixLocalServer, tmp_path: Path
) -> None:
    kalix = populated
    forbidden: list[str] = []
    same_origin = {
        "none": {},
        "same-origin": {"Origin": kalix.url, "Sec-Fetch-Site": "same-origin"},
        "localhost": {"Origin": f"http://localhost:{kalix.port}"},
    }
    routes = state_changing_routes(tmp_path)
    with httpx.Client(base_url=kalix.url, timeout=10) as client:
        for method, template in routes:
            if template == "/_local/reset":
                continue  # last: it would wipe what the other routes act on
            path = concrete(kalix, template)
            for why, extra in same_origin.items():
                response = send(client, kalix, method, path, extra)
                if response.status_code == 403:
                    forbidden.append(f"{method} {template} ({why}): {response.text}")
        response = client.post("/_local/reset", headers=kalix.admin_headers)
        assert response.status_code == 200
    assert forbidden == []


def test_reads_are_refused_under_a_foreign_host_only(kalix: KalixLocalServer) -> None:
    with kalix.client() as api:
        path = kalix.api_path("kalixservices")
        # A cross-site read is harmless (the browser keeps the answer from the page).
        assert api.get(path, headers={"Origin": EVIL}).status_code == 200
        rebound = api.get(path, headers={"Host": f"evil.example:{kalix.port}"})
    assert rebound.status_code == 403
    assert rebound.json()["kind"] == "Status"
    assert "is not an address this server serves" in rebound.json()["message"]
    healthz = httpx.get(kalix.url + "/healthz", headers={"Host": "attacker.test"})
    assert healthz.status_code == 403


# -- the admin credential -------------------------------------------------------------


def admin_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """Every admin route but the project-token extensions under /_local/namespaces/."""
    return [
        (m, p)
        for m, p in app_routes(tmp_path)
        if p.startswith("/_local/") and not p.startswith("/_local/namespaces/")
    ]


def test_every_admin_route_needs_the_admin_token(kalix: KalixLocalServer, tmp_path: Path) -> None:
    routes = admin_routes(tmp_path)
    assert ("GET", "/_local/projects") in routes and ("POST", "/_local/tokens") in routes
    before = snapshot(kalix)
    wrong = {
        "none": {},
        "project token": {"Authorization": f"Bearer {kalix.token}"},
        "access token": {"Authorization": f"Bearer {kalix.access_token()}"},
        "other admin token": {"Authorization": "Bearer klxadm_" + "x" * 43},
        "basic": {"Authorization": f"Basic {kalix.admin_token}"},
    }
    let_through: list[str] = []
    with httpx.Client(base_url=kalix.url, timeout=10) as client:
        for method, path in routes:
            for why, headers in wrong.items():
                response = client.request(method, path, headers=headers, json={"projects": ["x"]})
                if response.status_code != 401:
                    let_through.append(f"{method} {path} ({why}): {response.status_code}")
                elif "admin-token" not in response.json()["message"]:
                    let_through.append(f"{method} {path}: no hint at the token file")
    assert let_through == []
    assert snapshot(kalix) == before  # no token minted, no project made


def test_tokens_are_minted_with_the_admin_token_only(kalix: KalixLocalServer) -> None:
    response = httpx.post(
        kalix.url + "/_local/tokens",
        json={"projects": ["minted"]},
        headers={"Authorization": f"Bearer {kalix.token}"},
    )
    assert response.status_code == 401
    assert "minted" not in {p["name"] for p in kalix.admin("GET", "/projects")["projects"]}
    token = kalix.new_token("minted")
    assert token.startswith("klx_")


def test_the_admin_token_file_is_private_kept_and_never_printed(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path) as server:
        path = tmp_path / "admin-token"
        assert path.stat().st_mode & 0o777 == 0o600
        first = server.admin_token
        assert re.fullmatch(r"klxadm_[A-Za-z0-9_-]{43}", first)
        output = server.log_path.read_text()
        assert first not in output
        assert f'"Authorization: Bearer $(cat {path})"' in output
        server.restart()
        assert server.admin_token == first  # reused, so scripts keep working
        assert server.admin("GET", "/settings")
    path.write_text("")  # an emptied file gets a new token, still 0600
    path.chmod(0o644)
    with KalixLocalServer(tmp_path) as server:
        assert server.admin_token != first
        assert path.stat().st_mode & 0o777 == 0o600
        assert server.admin("GET", "/settings")


# -- the parts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9000", ("127.0.0.1", 9000)),
        ("LOCALHOST:9000", ("localhost", 9000)),
        ("localhost.:9000", ("localhost", 9000)),
        ("[::1]:9000", ("::1", 9000)),
        ("[::1]", ("::1", None)),
        ("example.com", ("example.com", None)),
        ("", None),
        ("::1:9000", None),
        ("[::1", None),
        ("[::1]x", None),
        ("a:b", None),
        ("a:70000", None),
    ],
)
def test_split_host(text: str, expected: tuple[str, int | None] | None) -> None:
    assert split_host(text) == expected


def test_guard_allows_its_own_addresses_and_wildcard_binds_any_ip() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    guard = HostOriginGuard(app, bind_host="127.0.0.1", port=9000, extra_hosts=["dev.box"])
    assert guard.allowed("localhost", 9000) and guard.allowed("dev.box", 9000)
    assert guard.allowed("::1", 9000)
    assert not guard.allowed("localhost", 9001)
    assert not guard.allowed("10.0.0.5", 9000)
    wildcard = HostOriginGuard(app, bind_host="0.0.0.0", port=80)
    # An IP literal cannot be a rebound name; the port may be left out when it is 80.
    assert wildcard.allowed("10.0.0.5", None) and wildcard.allowed("fe80::1", 80)
    assert not wildcard.allowed("evil.example", 80)
