"""tests/harness/aws.py: the Route 53 handlers behave like the AWS provider against moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.harness import Engine, EngineError
from tests.harness.aws import MotoServer, route53_handlers

from .conftest import ops


def records_program(name: str = "www", ttl: int = 60, target: str = "a.example.net") -> Any:
    def run() -> None:
        zone = aws.route53.Zone("zone", name="example.org")
        rec = aws.route53.Record(
            "www", zone_id=zone.zone_id, name=name, type="CNAME", ttl=ttl, records=[target]
        )
        pulumi.export("zone_id", zone.zone_id)
        pulumi.export("name_servers", zone.name_servers)
        pulumi.export("fqdn", rec.fqdn)
        pulumi.export("id", rec.id)

    return run


def cnames(moto: MotoServer, zone_id: str) -> list[tuple[str, int, list[str]]]:
    sets = moto.route53().list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [
        (s["Name"], s["TTL"], [r["Value"] for r in s["ResourceRecords"]])
        for s in sets
        if s["Type"] == "CNAME"
    ]


@pytest.fixture
def eng(moto_server: MotoServer, tmp_path: Path) -> Engine:
    return Engine(tmp_path / "state.json", handlers=route53_handlers(moto_server.url))


def test_create_outputs_like_the_provider_and_relative_names_are_qualified(
    eng: Engine, moto_server: MotoServer
) -> None:
    eng.up(records_program())
    out = eng.stack_outputs
    assert out["fqdn"] == "www.example.org"
    assert out["id"] == f"{out['zone_id']}_www_CNAME"
    assert len(out["name_servers"]) == 4
    assert cnames(moto_server, out["zone_id"]) == [("www.example.org.", 60, ["a.example.net"])]
    assert {op for op, _ in ops(eng.up(records_program()))} == {"same"}


def test_ttl_and_target_update_in_place_and_a_new_name_replaces(
    eng: Engine, moto_server: MotoServer
) -> None:
    eng.up(records_program())
    zone_id = eng.stack_outputs["zone_id"]
    assert ops(eng.up(records_program(ttl=300, target="b.example.net"))) == [
        ("same", "zone"),
        ("update", "www"),
    ]
    assert cnames(moto_server, zone_id) == [("www.example.org.", 300, ["b.example.net"])]
    steps = eng.up(records_program(name="web", ttl=300, target="b.example.net"))
    assert [s.op for s in steps if s.name == "www"] == ["replace", "delete-replaced"]
    assert cnames(moto_server, zone_id) == [("web.example.org.", 300, ["b.example.net"])]


def test_refresh_sees_out_of_band_changes_and_deletes(eng: Engine, moto_server: MotoServer) -> None:
    eng.up(records_program())
    zone_id = eng.stack_outputs["zone_id"]
    r53 = moto_server.route53()

    def change(action: str, ttl: int) -> None:
        rrs = {
            "Name": "www.example.org",
            "Type": "CNAME",
            "TTL": ttl,
            "ResourceRecords": [{"Value": "a.example.net"}],
        }
        batch = {"Changes": [{"Action": action, "ResourceRecordSet": rrs}]}
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)

    change("UPSERT", 900)
    assert ops(eng.refresh()) == [("same", "zone"), ("update", "www")]
    assert eng.outputs("www")["ttl"] == 900
    change("DELETE", 900)
    assert ops(eng.refresh()) == [("deleted", "www"), ("same", "zone")]
    # The next up puts the record back as the program declares it.
    assert ops(eng.up(records_program())) == [("create", "www"), ("same", "zone")]
    assert cnames(moto_server, zone_id) == [("www.example.org.", 60, ["a.example.net"])]


def test_a_zone_with_foreign_records_is_not_deleted_without_force_destroy(
    eng: Engine, moto_server: MotoServer
) -> None:
    eng.up(records_program())
    zone_id = eng.stack_outputs["zone_id"]
    batch = {
        "Changes": [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "other.example.org",
                    "Type": "A",
                    "TTL": 60,
                    "ResourceRecords": [{"Value": "192.0.2.1"}],
                },
            }
        ]
    }
    moto_server.route53().change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    with pytest.raises(EngineError, match="HostedZoneNotEmpty"):
        eng.destroy()
