"""examples/grpc-routes: version 1, then version 2 swapping product-info for inventory.

Runs against the session's kalix-local (static DNS resolver) with the example's default
generated hostname, which needs no DNS record, so the route is Ready straight away and
the test is about the route's content and the update-in-place, not about DNS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_kalix.client import ControlPlane
from tests.harness import Engine, is_secret
from tests.lifecycle.conftest import kinds
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import EXAMPLES, example_engine, op_set, ops, program

EXAMPLE = "grpc-routes"
CART, INFO, INVENTORY = (
    "/example.ecommerce.ShoppingCart",
    "/example.ecommerce.ProductInfo",
    "/example.ecommerce.Inventory",
)


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[ControlPlane]:
    with control_plane(kalix) as client:
        yield client


def engine(kalix: KalixLocalServer, state: Path, version: int) -> Engine:
    return example_engine(EXAMPLE, kalix, state, {"version": str(version)})


def route_paths(api: ControlPlane) -> list[tuple[str, str]]:
    return [(r.prefix, r.route.service) for r in api.routes.get("shop").spec.routes]


def test_v1_then_v2_updates_the_route_in_place(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    v1 = engine(kalix, state, 1)
    assert ops(v1.up(program(EXAMPLE))) == [
        ("create", "grpc-cart"),
        ("create", "product-info"),
        ("create", "shop"),
        ("create", "shop"),
        ("create", "tls-ca"),
    ]
    out = v1.stack_outputs
    assert out["route_status"] == "Ready"
    assert out["url"] == f"https://{out['host']}"
    assert out["host"].endswith(".us-east1.kalix.app")

    route = api.routes.get("shop")
    assert route_paths(api) == [(CART, "grpc-cart"), (INFO, "product-info")]
    assert route.spec.host == out["host"]
    cors = route.spec.cors_policy
    assert cors is not None
    assert cors.allow_origins == ["https://www.example.com"]
    assert sorted(cors.allow_methods or []) == ["GET", "POST"]
    assert route.spec.tls is not None and route.spec.tls.client_validation_ca is not None
    assert route.spec.tls.client_validation_ca.name == "tls-ca"
    validation = route.spec.validation
    assert validation is not None and validation.client_certificate is not None
    matchers = validation.client_certificate.subject_matches
    assert [(m.has_suffix, m.exact, m.has_prefix) for m in matchers] == [
        (".example.com", None, None)
    ]
    secret = api.secrets.get("tls-ca")
    assert secret.spec.type == "tls-ca"
    # The shipped PEM is the CA certificate and nothing else: never a private key.
    pem = (EXAMPLES / EXAMPLE / "client-ca.pem").read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE KEY" not in pem
    # The CA data went to the control plane but is a secret in state.
    assert is_secret(v1.load()[_urn(v1, "tls-ca")]["inputs"]["data"])
    uid = route.metadata.uid

    v2 = engine(kalix, state, 2)
    steps = v2.up(program(EXAMPLE))
    assert ops(steps) == [
        ("create", "inventory"),
        ("delete", "product-info"),
        ("same", "grpc-cart"),
        ("same", "shop"),
        ("same", "tls-ca"),
        ("update", "shop"),
    ]
    # The route stops sending traffic to product-info before product-info goes away.
    order = [(s.op, s.name) for s in kinds(steps)]
    assert order.index(("update", "shop")) < order.index(("delete", "product-info"))
    assert order.index(("create", "inventory")) < order.index(("update", "shop"))
    route = api.routes.get("shop")
    assert route.metadata.uid == uid  # updated in place, not replaced
    assert route_paths(api) == [(CART, "grpc-cart"), (INVENTORY, "inventory")]
    assert route.spec.validation == validation and route.spec.cors_policy == cors
    assert sorted(s.metadata.name for s in api.services.list()) == ["grpc-cart", "inventory"]
    assert v2.stack_outputs["route_status"] == "Ready"
    assert v2.stack_outputs["paths"] == [CART, INVENTORY]

    assert op_set(v2.up(program(EXAMPLE))) == {"same"}

    destroyed = v2.destroy()
    assert ops(destroyed) == [
        ("delete", n) for n in ["grpc-cart", "inventory", "shop", "shop", "tls-ca"]
    ]
    assert api.routes.list() == []
    assert api.services.list() == []
    assert api.secrets.list() == []
    assert api.hostnames.list() == []
    assert v2.load() == {}


def test_an_unknown_version_fails_before_any_change(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="config version must be 1 or 2, not 3"):
        engine(kalix, tmp_path / "state.json", 3).up(program(EXAMPLE))
    assert api.services.list() == [] and api.secrets.list() == []


def _urn(eng: Engine, name: str) -> str:
    (urn,) = [u for u in eng.load() if u.endswith(f"::{name}")]
    return urn
