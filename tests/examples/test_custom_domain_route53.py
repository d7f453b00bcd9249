"""examples/custom-domain-route53: a Route 53 CNAME (moto) validates a custom hostname."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_kalix.awaiting import route_summary
from tests.harness import UNKNOWN, Engine, EngineError
from tests.harness.aws import MotoServer, route53_handlers
from tests.lifecycle.conftest import kinds
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import example_engine, op_set, ops, program

EXAMPLE = "custom-domain-route53"
DOMAIN = "shop.example.com"


def engine(server: KalixLocalServer, moto: MotoServer, tmp_path: Path, **config: str) -> Engine:
    return example_engine(
        EXAMPLE, server, tmp_path / "state.json", config, route53_handlers(moto.url)
    )


def cname_records(moto: MotoServer) -> dict[str, list[str]]:
    """Every CNAME record set in moto: fqdn -> values."""
    r53 = moto.route53()
    found: dict[str, list[str]] = {}
    for zone in r53.list_hosted_zones()["HostedZones"]:
        for rrs in r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]:
            if rrs["Type"] == "CNAME":
                found[rrs["Name"].rstrip(".")] = [r["Value"] for r in rrs["ResourceRecords"]]
    return found


def test_preview_plans_every_create_and_changes_nothing(
    kalix_route53: KalixLocalServer, moto_server: MotoServer, tmp_path: Path
) -> None:
    eng = engine(kalix_route53, moto_server, tmp_path)
    steps = eng.preview(program(EXAMPLE))
    assert {s.op for s in kinds(steps)} == {"create"} and len(kinds(steps)) == 5
    # The record's zone id and target are unknown until the zone and hostname exist.
    assert eng.stack_outputs["cname"] == UNKNOWN
    assert moto_server.route53().list_hosted_zones()["HostedZones"] == []
    with control_plane(kalix_route53) as api:
        assert api.hostnames.list() == [] and api.services.list() == []


def test_route_becomes_ready_through_the_route53_record_and_destroy_cleans_up(
    kalix_route53: KalixLocalServer, moto_server: MotoServer, tmp_path: Path
) -> None:
    eng = engine(kalix_route53, moto_server, tmp_path, dnsTimeout="30")
    steps = eng.up(program(EXAMPLE))
    assert ops(steps) == [
        ("create", "shop"),
        ("create", "shop-cname"),
        ("create", "storefront"),
        ("create", "storefront"),
        ("create", "zone"),
    ]
    out = eng.stack_outputs
    assert out["route_status"] == "Ready"
    assert out["cname"] == "us-east1.kalix.app"
    assert out["url"] == f"https://{DOMAIN}"
    assert out["record_fqdn"] == DOMAIN
    # The record kalix-local validated is the one the stack made, pointing at the cname.
    assert cname_records(moto_server) == {DOMAIN: [out["cname"]]}
    zones = moto_server.route53().list_hosted_zones()["HostedZones"]
    assert [(z["Name"], z["Id"].rsplit("/", 1)[-1]) for z in zones] == [
        ("example.com.", out["zone_id"])
    ]
    with control_plane(kalix_route53) as api:
        route = api.routes.get("storefront")
        assert route.status is not None and route_summary(route.status.conditions) == "Ready"
        assert route.spec.host == DOMAIN

        assert op_set(eng.up(program(EXAMPLE))) == {"same"}

        destroyed = eng.destroy()
        assert ops(destroyed) == [(op.replace("create", "delete"), n) for op, n in ops(steps)]
        # Dependents first: the route before the record, the record before its zone.
        order = [s.type.rsplit(":", 1)[-1] for s in destroyed]
        assert order.index("Route") < order.index("Record") < order.index("Zone")
        assert api.routes.list() == []
        assert api.hostnames.list() == []
        assert api.services.list() == []
    assert cname_records(moto_server) == {}
    assert moto_server.route53().list_hosted_zones()["HostedZones"] == []
    assert eng.load() == {}


def test_without_the_record_the_route_times_out_as_dns_not_verified(
    kalix_route53: KalixLocalServer, moto_server: MotoServer, tmp_path: Path
) -> None:
    eng = engine(kalix_route53, moto_server, tmp_path, createRecord="false", dnsTimeout="1")
    with pytest.raises(EngineError) as err:
        eng.up(program(EXAMPLE))
    message = str(err.value)
    assert "route 'storefront' in project 'default' did not become ready within 1s" in message
    assert "DnsNotVerified" in message
    assert "did not resolve to a CNAME record" in message
    assert cname_records(moto_server) == {}
    # The failed await leaves the route in state (as the engine does), so destroy cleans up.
    eng.destroy()
    assert eng.load() == {}
