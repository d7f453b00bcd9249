"""Routes: validation, DNS status with the static and route53 resolvers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import (
    CA_PEM,
    KEY_PEM,
    assert_deleted_status,
    assert_status,
    condition,
    get_json,
    route,
    route_state,
    secret,
    service,
    wait_for_route,
    wait_until,
)

HOST = "shop.example.com"
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[httpx.Client]:
    with kalix.client() as client:
        client.post(kalix.hostnames_path(), json={"name": HOST}).raise_for_status()
        client.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        yield client


def path(kalix: KalixLocalServer, name: str = "") -> str:
    return kalix.api_path("kalixroutes", name)


def test_create_route__validating_then_dns_not_verified(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    created = api.post(path(kalix), json=route("shop", HOST, {"/carts": "cart"}))
    assert created.status_code == 201
    assert "status" not in created.json()  # the controller reacts after the lag
    obj = wait_for_route(api, path(kalix, "shop"), "DnsNotVerified", timeout=2)
    assert set(obj["status"]) == {"conditions"}  # the published RouteStatus
    host = condition(obj, "HostValidation")
    assert (host["status"], host["reason"]) == ("False", "DnsNotVerified")
    assert host["message"] == (
        "Host shop.example.com did not resolve to a CNAME record. "
        "It must be configured to be a CNAME record to us-east1.kalix.app"
    )
    assert condition(obj, "Ready")["reason"] == "Validating"
    assert [c["observedGeneration"] for c in obj["status"]["conditions"]] == [1, 1]


def test_route__ready_after_record_and_recheck(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=route("shop", HOST, {"/": "cart"})).raise_for_status()
    wait_for_route(api, path(kalix, "shop"), "DnsNotVerified", timeout=2)
    kalix.admin("PUT", "/dns/records", {HOST: "us-east1.kalix.app"})
    kalix.admin("POST", "/dns/recheck")
    obj = api.get(path(kalix, "shop")).json()
    assert route_state(obj) == "Ready"
    assert condition(obj, "HostValidation")["reason"] == "DnsVerified"
    assert condition(obj, "Ready")["status"] == "True"


def test_route__generated_hostname_ready(kalix: KalixLocalServer, api: httpx.Client) -> None:
    [generated] = api.post(kalix.hostnames_path(), json={}).json()["hostnames"]
    api.post(path(kalix), json=route("exp", generated["name"], {"/": "cart"})).raise_for_status()
    wait_for_route(api, path(kalix, "exp"), "Ready", timeout=2)


def test_route__missing_service_not_configured(kalix: KalixLocalServer, api: httpx.Client) -> None:
    [generated] = api.post(kalix.hostnames_path(), json={}).json()["hostnames"]
    body = route("exp", generated["name"], {"/": "cart", "/inv": "inventory"})
    api.post(path(kalix), json=body).raise_for_status()
    obj = wait_for_route(api, path(kalix, "exp"), "NotConfigured", timeout=2)
    assert condition(obj, "Ready")["message"] == "Service(s) not found: inventory"
    api.post(kalix.api_path("kalixservices"), json=service("inventory")).raise_for_status()
    wait_for_route(api, path(kalix, "exp"), "Ready", timeout=2)


def test_route__spec_change_bumps_generation(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=route("shop", HOST, {"/": "cart"})).raise_for_status()
    before = wait_for_route(api, path(kalix, "shop"), "DnsNotVerified", timeout=2)
    patched = api.patch(
        path(kalix, "shop"),
        headers=MERGE,
        json={"spec": {"corsPolicy": {"allowOrigins": ["https://x.example"]}}},
    )
    assert patched.json()["metadata"]["generation"] == 2
    assert patched.json()["status"] == before["status"]  # generation 1's, until the lag
    assert route_state(patched.json()) == "Validating"  # stale conditions
    obj = wait_until(
        lambda: get_json(api, path(kalix, "shop")),
        lambda o: (
            condition(o, "HostValidation").get("observedGeneration") == 2
            and condition(o, "HostValidation")["status"] == "False"
        ),
    )
    assert [c["observedGeneration"] for c in obj["status"]["conditions"]] == [2, 2]
    assert route_state(obj) == "DnsNotVerified"


def test_create_route__host_not_in_project(kalix: KalixLocalServer, api: httpx.Client) -> None:
    status = assert_status(
        api.post(path(kalix), json=route("shop", "other.example.com", {"/": "cart"})),
        422,
        "Invalid",
    )
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.host"]


def test_create_route__bad_prefixes_and_cors(kalix: KalixLocalServer, api: httpx.Client) -> None:
    body = route(
        "shop", HOST, {"/": "cart", "carts": "cart"}, corsPolicy={"allowMethods": ["GET", "A B"]}
    )
    body["spec"]["routes"].append({"prefix": "/", "route": {"service": "cart"}})
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    assert {c["field"] for c in status["details"]["causes"]} == {
        "spec.routes[1].prefix",
        "spec.routes[2].prefix",
        "spec.corsPolicy.allowMethods[1]",
    }


def test_create_route__tls_secret_checks(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"),
        json=secret("server-cert", "tls", {"tls.crt": CA_PEM, "tls.key": KEY_PEM}),
    ).raise_for_status()
    body = route(
        "shop",
        HOST,
        {"/": "cart"},
        tls={
            "clientValidationCa": {"name": "server-cert"},
            "serverCertificate": {"name": "missing"},
        },
    )
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    assert {(c["field"], c["message"]) for c in status["details"]["causes"]} == {
        ("spec.tls.clientValidationCa.name", 'secret "server-cert" is of type tls, must be tls-ca'),
        ("spec.tls.serverCertificate.name", 'secret "missing" not found'),
    }


def test_create_route__client_certificate_needs_ca(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = route(
        "shop",
        HOST,
        {"/": "cart"},
        validation={"clientCertificate": {"subjectMatches": [{"exact": "a.b"}]}},
    )
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "spec.validation.clientCertificate"


def test_create_route__mtls_ok(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("root-ca", "tls-ca", {"ca.crt": CA_PEM})
    ).raise_for_status()
    body = route(
        "shop",
        HOST,
        {"/": "cart"},
        tls={"clientValidationCa": {"name": "root-ca"}},
        validation={"clientCertificate": {"subjectMatches": [{"hasSuffix": ".acme"}]}},
    )
    assert api.post(path(kalix), json=body).status_code == 201


def test_delete_route__frees_hostname(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(path(kalix), json=route("shop", HOST, {"/": "cart"})).raise_for_status()
    assert_deleted_status(api.delete(path(kalix, "shop")), "shop", "kalixroutes")
    assert api.delete(kalix.hostnames_path(HOST)).status_code == 200
    assert api.get(kalix.api_path("kalixservices", "cart")).status_code == 200


def test_route53_resolver__moto(tmp_path: object) -> None:
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    from tests.support.local_server import free_port

    moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    moto.start()
    try:
        endpoint = f"http://127.0.0.1:{moto._port}"
        # moto's backends are per process: drop zones other tests left behind.
        httpx.post(f"{endpoint}/moto-api/reset", timeout=5).raise_for_status()
        r53 = boto3.client(
            "route53",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        zone = r53.create_hosted_zone(Name="example.com", CallerReference="t1")["HostedZone"]
        with (
            KalixLocalServer(
                dns_resolver="route53", extra_args=["--route53-endpoint", endpoint]
            ) as server,
            server.client() as api,
        ):
            api.post(server.hostnames_path(), json={"name": HOST}).raise_for_status()
            api.post(server.api_path("kalixservices"), json=service("cart")).raise_for_status()
            api.post(
                server.api_path("kalixroutes"), json=route("shop", HOST, {"/": "cart"})
            ).raise_for_status()
            wait_for_route(api, server.api_path("kalixroutes", "shop"), "DnsNotVerified", 5)
            r53.change_resource_record_sets(
                HostedZoneId=zone["Id"],
                ChangeBatch={
                    "Changes": [
                        {
                            "Action": "UPSERT",
                            "ResourceRecordSet": {
                                "Name": HOST,
                                "Type": "CNAME",
                                "TTL": 60,
                                "ResourceRecords": [{"Value": "us-east1.kalix.app"}],
                            },
                        }
                    ]
                },
            )
            server.admin("POST", "/dns/recheck")
            obj = api.get(server.api_path("kalixroutes", "shop")).json()
            assert route_state(obj) == "Ready", obj["status"]
    finally:
        moto.stop()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "get"])
def test_create_route__any_http_method_token_in_cors(
    kalix: KalixLocalServer, api: httpx.Client, method: str
) -> None:
    # The published allowMethods has no enum: any HTTP token is a method.
    body = route("shop", HOST, {"/": "cart"}, corsPolicy={"allowMethods": ["GET", method]})
    created = api.post(path(kalix), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["spec"]["corsPolicy"]["allowMethods"] == ["GET", method]


def test_create_route__subject_match_needs_exactly_one_matcher(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("root-ca", "tls-ca", {"ca.crt": CA_PEM})
    ).raise_for_status()
    body = route(
        "shop",
        HOST,
        {"/": "cart"},
        tls={"clientValidationCa": {"name": "root-ca"}},
        validation={
            "clientCertificate": {
                "subjectMatches": [{"exact": "a", "hasSuffix": ".b"}, {}, {"regex": "c.*"}]
            }
        },
    )
    status = assert_status(api.post(path(kalix), json=body), 422, "Invalid")
    assert {c["field"] for c in status["details"]["causes"]} == {
        "spec.validation.clientCertificate.subjectMatches[0]",
        "spec.validation.clientCertificate.subjectMatches[1]",
    }
