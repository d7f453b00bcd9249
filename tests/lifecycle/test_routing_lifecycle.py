"""Hostname, Route and Secret through the lifecycle, with previews, faults and failures."""

from __future__ import annotations

import base64
import hashlib

import pulumi
import pytest

import pulumi_kalix as kalix
from tests.harness import UNKNOWN, EngineError
from tests.lifecycle.conftest import Stack, kinds, ops
from tests.support.federation import control_plane

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


def shop(host: str = "shop.example.com", **route_kw: object):
    def program() -> None:
        cart = kalix.Service("shopping-cart", image="registry.example/cart:1.0")
        info = kalix.Service("product-info", image="registry.example/info:1.0")
        hostname = kalix.Hostname("shop", hostname=host)
        route = kalix.Route(
            "shop",
            hostname=hostname.hostname,
            paths={
                "/example.ecommerce.ShoppingCart": cart.name,
                "/example.ecommerce.ProductInfo": info.name,
            },
            cors_origins=["https://www.example.com"],
            **route_kw,  # type: ignore[arg-type]
        )
        pulumi.export("cname", hostname.cname)
        pulumi.export("route_status", route.status)
        pulumi.export("url", route.url)

    return program


def test_preview_of_a_new_stack_passes_unknowns_through_check_and_diff(stack: Stack) -> None:
    steps = stack.engine.preview(shop())
    assert ops(steps) == [
        ("create", "product-info"),
        ("create", "shop"),
        ("create", "shop"),
        ("create", "shopping-cart"),
    ]
    assert stack.engine.stack_outputs["cname"] == UNKNOWN
    assert stack.api.routes.list() == []
    assert stack.api.hostnames.list() == []


def test_custom_hostname_exports_the_cname_and_the_route_awaits_validation(stack: Stack) -> None:
    stack.engine.up(shop())
    assert stack.engine.stack_outputs["cname"] == "us-east1.kalix.app"
    assert stack.engine.stack_outputs["route_status"] == "DnsNotVerified"
    route = stack.api.routes.get("shop")
    assert [r.prefix for r in route.spec.routes] == [
        "/example.ecommerce.ShoppingCart",
        "/example.ecommerce.ProductInfo",
    ]
    assert {op for op, _ in ops(stack.engine.up(shop()))} == {"same"}


def test_wait_for_dns_completes_once_the_record_exists(stack: Stack) -> None:
    stack.server.admin("PUT", "/dns/records", {"shop.example.com": "us-east1.kalix.app"})
    stack.engine.up(shop(wait_for_dns=True, dns_timeout=30))
    assert stack.engine.stack_outputs["route_status"] == "Ready"


def test_wait_for_dns_times_out_with_the_dns_message(stack: Stack) -> None:
    with pytest.raises(EngineError) as err:
        stack.engine.up(shop(wait_for_dns=True, dns_timeout=1))
    assert "route 'shop' in project 'default' did not become ready within 1s" in str(err.value)
    assert "did not resolve to a CNAME record" in str(err.value)


def test_changing_a_route_path_updates_in_place(stack: Stack) -> None:
    stack.engine.up(shop())
    uid = stack.api.routes.get("shop").metadata.uid

    def program() -> None:
        cart = kalix.Service("shopping-cart", image="registry.example/cart:1.0")
        kalix.Service("product-info", image="registry.example/info:1.0")
        hostname = kalix.Hostname("shop", hostname="shop.example.com")
        kalix.Route(
            "shop",
            hostname=hostname.hostname,
            paths=[kalix.PathRule("/carts", cart.name, websockets=True)],
            cors_origins=["https://www.example.com"],
        )

    assert ("update", "shop") in ops(stack.engine.up(program))
    route = stack.api.routes.get("shop")
    assert route.metadata.uid == uid
    assert [(r.prefix, r.enable_web_sockets) for r in route.spec.routes] == [("/carts", True)]


def test_hostname_flags_change_in_place_and_a_new_name_replaces(stack: Stack) -> None:
    def program(name: str, global_: bool, skip: bool = False) -> object:
        def run() -> None:
            kalix.Hostname("api", hostname=name, global_=global_, skip_provision_cert=skip)

        return run

    stack.engine.up(program("api.example.com", False))
    steps = stack.engine.up(program("api.example.com", True, skip=True))
    assert [s.op for s in kinds(steps)] == ["update"]  # UpdateHostname, in place
    host = stack.api.hostnames.get_or_none("api.example.com")
    assert host is not None and host.global_ is True and host.skip_provision_cert is True
    assert ops(stack.engine.refresh()) == [("same", "api")]
    steps = stack.engine.up(program("api2.example.com", True, skip=True))
    # A fixed hostname is replaced delete-first (so a `--replace` can hand its name over).
    assert [s.op for s in kinds(steps)] == ["delete-replaced", "replace"]
    assert [h.name for h in stack.api.hostnames.list()] == ["api2.example.com"]


def test_generated_hostname_is_stable_across_ups(stack: Stack) -> None:
    def program() -> None:
        pulumi.export("host", kalix.Hostname("gen").hostname)

    stack.engine.up(program)
    first = stack.engine.stack_outputs["host"]
    stack.engine.up(program)
    assert stack.engine.stack_outputs["host"] == first
    assert [h.name for h in stack.api.hostnames.list()] == [first]


def test_hostname_taken_by_another_project_fails_with_a_clear_message(stack: Stack) -> None:
    other = stack.server.new_project("elsewhere")

    with control_plane(stack.server, "elsewhere", other) as api:
        api.hostnames.create("taken.example.com")
    with pytest.raises(EngineError) as err:
        stack.engine.up(lambda: kalix.Hostname("t", hostname="taken.example.com"))
    assert "already in use by another Akka project" in str(err.value)


def test_mtls_and_http_basic_reach_the_route_and_secrets_stay_secret(stack: Stack) -> None:
    password = "pa55-w0rd-xyzzy"

    def program() -> None:
        svc = kalix.Service("cart", image="registry.example/cart:1.0")
        ca = kalix.Secret("client-ca", type="tls-ca", data={"ca.crt": CA_PEM})
        db = kalix.Secret("db-creds", data={"password": pulumi.Output.secret(password)})
        host = kalix.Hostname("gen")
        kalix.Route(
            "secure",
            hostname=host.hostname,
            paths={"/": svc.name},
            client_ca_secret=ca.name,
            client_certificate_subjects=["*.acme.org"],
            http_basic=kalix.HttpBasic("shop", {"admin": pulumi.Output.secret(password)}),
        )
        pulumi.export("keys", db.keys)

    stack.engine.up(program)
    route = stack.api.routes.get("secure")
    assert route.spec.tls is not None and route.spec.tls.client_validation_ca is not None
    assert route.spec.tls.client_validation_ca.name == "client-ca"
    validation = route.spec.validation
    assert validation is not None and validation.client_certificate is not None
    assert validation.client_certificate.subject_matches[0].has_suffix == ".acme.org"
    digest = base64.b64encode(hashlib.sha256(password.encode()).digest()).decode()
    assert validation.http_basic is not None
    assert validation.http_basic.password_hashes == {"admin": f"sha256:{digest}"}
    assert stack.engine.stack_outputs["keys"] == ["password"]
    state = stack.state_text()
    assert password not in state
    assert base64.b64encode(password.encode()).decode() not in state
    assert digest not in state  # even the hash is stored as a secret
    assert {op for op, _ in ops(stack.engine.up(program))} == {"same"}
    assert {op for op, _ in ops(stack.engine.refresh())} == {"same"}
    assert digest not in stack.state_text()  # a refresh reads the hash back: still secret


def test_an_up_that_fails_half_way_then_completes_without_duplicates(stack: Stack) -> None:
    # Every route create fails (500 is not retried for a POST): services and the
    # hostname are created, the route is not.
    stack.server.admin(
        "POST",
        "/faults",
        {
            "mode": "status",
            "status": 500,
            "rate": 1.0,
            "count": 50,
            "methods": ["POST"],
            "pathContains": "kalixroutes",
        },
    )
    with pytest.raises(EngineError):
        stack.engine.up(shop())
    assert stack.api.routes.list() == []
    stack.server.admin("DELETE", "/faults")
    steps = stack.engine.up(shop())
    assert ("create", "shop") in ops(steps)
    assert len(stack.api.services.list()) == 2
    assert len(stack.api.hostnames.list()) == 1
    assert len(stack.api.routes.list()) == 1


def test_faults_during_up_are_absorbed_by_retries(stack: Stack) -> None:
    for fault in (
        # Certain (rate 1) but bounded (count): the first calls meet every fault kind.
        {"mode": "status", "status": 429, "retryAfter": 1, "rate": 1.0, "count": 2},
        {"mode": "status", "status": 503, "retryAfter": 1, "rate": 1.0, "count": 2},
        {"mode": "drop-after", "rate": 1.0, "count": 2, "methods": ["POST"]},
    ):
        stack.server.admin("POST", "/faults", fault)
    stack.engine.up(shop())
    injected = [f["injected"] for f in stack.server.admin("GET", "/faults")["faults"]]
    assert injected == [2, 2, 2]
    assert len(stack.api.services.list()) == 2
    assert len(stack.api.routes.list()) == 1
    stack.server.admin("DELETE", "/faults")
    assert {op for op, _ in ops(stack.engine.up(shop()))} == {"same"}


def test_destroy_removes_routes_hostnames_and_secrets(stack: Stack) -> None:
    stack.engine.up(shop())
    stack.engine.destroy()
    assert stack.api.routes.list() == []
    assert stack.api.hostnames.list() == []
    assert stack.api.services.list() == []


def test_a_route_to_a_service_that_does_not_exist_warns_on_its_row(stack: Stack) -> None:
    def program() -> None:
        host = kalix.Hostname("shop")  # generated: no DNS to wait for before services count
        kalix.Route("shop", hostname=host.hostname, paths={"/": "no-such-service"})

    stack.engine.up(program)  # applied: not a failure of the run
    warnings = stack.engine.warnings("shop")
    assert len(warnings) == 1
    assert "route 'shop' in project 'default' is NotConfigured" in warnings[0]
    assert "no-such-service" in warnings[0]


def test_a_route_to_a_missing_service_fails_the_up_when_asked(stack: Stack) -> None:
    def program() -> None:
        host = kalix.Hostname("shop")
        kalix.Route(
            "shop",
            hostname=host.hostname,
            paths={"/": "no-such-service"},
            fail_if_not_configured=True,
        )

    with pytest.raises(EngineError) as err:
        stack.engine.up(program)
    assert "is NotConfigured" in str(err.value) and "fail_if_not_configured=True" in str(err.value)
    errors = [e for e in stack.engine.logs if e.severity == "error" and e.urn.endswith("::shop")]
    assert any("no-such-service" in e.message for e in errors)  # on the route's own row
    assert len(stack.api.routes.list()) == 1  # applied all the same: the next up converges
