"""`kalix-local dns set|list|delete` against a running server: a route's custom host goes
from DnsNotVerified to Ready and back, as the README's walk-through shows."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.local_server import REPO_ROOT, KalixLocalServer, free_port
from tests.support.objects import route, route_state, service, wait_for_route

HOST = "shop.example.com"
INGRESS = "us-east1.kalix.app"


def dns(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    where = ["--url", url, "--data-dir", str(data_dir)]
    return subprocess.run(
        [sys.executable, "-m", "kalix_local", "dns", *args, *where],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[httpx.Client]:
    with kalix.client() as client:
        client.post(kalix.hostnames_path(), json={"name": HOST}).raise_for_status()
        client.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        yield client


def test_dns_set_makes_the_route_ready_and_delete_undoes_it(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    path = kalix.api_path("kalixroutes", "shop")
    api.post(kalix.api_path("kalixroutes"), json=route("shop", HOST, {"/": "cart"}))
    wait_for_route(api, path, "DnsNotVerified")
    # The server's own recheck is 20 minutes away: `dns set` rechecks at once.
    assert kalix.admin("GET", "/settings")["dnsRecheckSeconds"] == 1200

    result = dns("set", "Shop.Example.com.", INGRESS, url=kalix.url, data_dir=kalix.data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{HOST} CNAME {INGRESS} (routes rechecked; 1 changed status)\n"
    assert route_state(api.get(path).json()) == "Ready"

    listed = dns("list", url=kalix.url, data_dir=kalix.data_dir)
    assert (listed.returncode, listed.stdout) == (0, f"{HOST} {INGRESS}\n")
    assert kalix.admin("GET", "/dns/records") == {HOST: INGRESS}

    result = dns("delete", HOST, url=kalix.url, data_dir=kalix.data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{HOST} deleted (routes rechecked; 1 changed status)\n"
    assert route_state(api.get(path).json()) == "DnsNotVerified"
    assert dns("list", url=kalix.url, data_dir=kalix.data_dir).stdout == ""


def test_dns_set_keeps_the_other_records(kalix: KalixLocalServer) -> None:
    kalix.admin("PUT", "/dns/records", {"a.example.com": INGRESS})
    result = dns(
        "set", "b.example.com", "elsewhere.example", url=kalix.url, data_dir=kalix.data_dir
    )
    assert result.returncode == 0, result.stderr
    assert kalix.admin("GET", "/dns/records") == {
        "a.example.com": INGRESS,
        "b.example.com": "elsewhere.example",
    }


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_dns_errors_are_one_line(kalix: KalixLocalServer, tmp_path: Path) -> None:
    missing = dns("delete", "nope.example.com", url=kalix.url, data_dir=kalix.data_dir)
    assert missing.returncode == 1
    assert one_line(missing) == "kalix-local: no DNS record for nope.example.com"

    no_token = dns("list", url=kalix.url, data_dir=tmp_path)
    assert no_token.returncode == 2
    assert f"no admin token in {tmp_path / 'admin-token'}" in one_line(no_token)

    (tmp_path / "admin-token").write_text("klxadm_not-this-servers\n")
    foreign = dns("list", url=kalix.url, data_dir=tmp_path)
    assert foreign.returncode == 1
    assert "does not take the admin token of" in one_line(foreign)

    nobody = dns("list", url=f"http://127.0.0.1:{free_port()}", data_dir=kalix.data_dir)
    assert nobody.returncode == 1
    assert "no kalix-local answers at" in one_line(nobody)


def test_dns_on_a_server_without_the_static_resolver(tmp_path: Path) -> None:
    with KalixLocalServer(tmp_path, dns_resolver="system") as server:
        result = dns("set", HOST, INGRESS, url=server.url, data_dir=server.data_dir)
    assert result.returncode == 1
    assert "only be set with the static resolver" in one_line(result)
