"""Route 53 resources of ``pulumi_aws`` for the engine harness, applied to a moto server.

``Engine(..., handlers=route53_handlers(url))`` lets a program that declares
``aws.route53.Zone`` and ``aws.route53.Record`` run against a moto server through boto3,
so the records really exist where kalix-local's ``route53`` resolver reads them. Inputs
arrive as the AWS provider's schema names them (``zoneId``, ``ttl``, ``records``,
``allowOverwrite``...); outputs follow the real provider (zone: ``zoneId``,
``nameServers``, ``arn``; record: ``fqdn``, ids ``<zoneId>_<name>_<type>``).

Only what the examples and tests need is modelled: simple (non-alias, non-routing-policy)
records, public zones.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from .provider import DIFF_NONE, DIFF_SOME, DiffResult, Props, ResourceHandler

ZONE_TYPE = "aws:route53/zone:Zone"
RECORD_TYPE = "aws:route53/record:Record"
REGION = "us-east-1"


def route53_client(endpoint_url: str) -> Any:
    """A boto3 Route 53 client for a moto server: dummy keys, so botocore never looks for
    real credentials (profiles, instance metadata)."""
    return boto3.session.Session().client(
        "route53",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 2, "mode": "standard"}),
    )


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _error_code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def _zone_id(raw: str) -> str:
    return raw.rsplit("/", 1)[-1]  # "/hostedzone/Z123" -> "Z123", as the provider stores it


class ZoneHandler(ResourceHandler):
    """``aws:route53/zone:Zone``: ``name`` forces replacement, ``comment`` updates in place."""

    def __init__(self, endpoint_url: str) -> None:
        self.client = route53_client(endpoint_url)

    def check(self, olds: Props, news: Props) -> tuple[Props, list[tuple[str, str]]]:
        ins = dict(news)
        if not ins.get("name"):
            return ins, [("name", "Missing required argument: name")]
        ins["name"] = _norm(ins["name"])
        ins.setdefault("comment", "Managed by Pulumi")
        ins.setdefault("forceDestroy", False)
        return ins, []

    def diff(self, id: str, old_outputs: Props, news: Props) -> DiffResult:
        if _norm(old_outputs.get("name", "")) != news["name"]:
            return DiffResult(DIFF_SOME, ["name"], False)
        keys = ("comment", "forceDestroy", "tags")
        changed = any(old_outputs.get(k) != news.get(k) for k in keys)
        return DiffResult(DIFF_SOME if changed else DIFF_NONE)

    def create(self, inputs: Props) -> tuple[str, Props]:
        r = self.client.create_hosted_zone(
            Name=inputs["name"],
            CallerReference=str(uuid.uuid4()),
            HostedZoneConfig={"Comment": inputs.get("comment") or ""},
        )
        zone_id = _zone_id(r["HostedZone"]["Id"])
        return zone_id, self._outputs(zone_id, inputs)

    def update(self, id: str, old_outputs: Props, news: Props) -> Props:
        self.client.update_hosted_zone_comment(Id=id, Comment=news.get("comment") or "")
        return self._outputs(id, news)

    def delete(self, id: str, outputs: Props) -> None:
        try:
            if outputs.get("forceDestroy"):
                self._delete_records(id)
            self.client.delete_hosted_zone(Id=id)
        except ClientError as e:
            if _error_code(e) != "NoSuchHostedZone":  # already gone is done
                raise

    def read(self, id: str, outputs: Props, inputs: Props) -> tuple[str, Props, Props | None]:
        try:
            zone = self.client.get_hosted_zone(Id=id)["HostedZone"]
        except ClientError as e:
            if _error_code(e) == "NoSuchHostedZone":
                return "", {}, None
            raise
        ins = {**inputs, "comment": zone.get("Config", {}).get("Comment", "")}
        return id, self._outputs(id, ins), ins

    def _outputs(self, zone_id: str, inputs: Props) -> Props:
        servers = self.client.get_hosted_zone(Id=zone_id).get("DelegationSet", {})
        name_servers = sorted(servers.get("NameServers", []))
        return {
            **inputs,
            "zoneId": zone_id,
            "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "nameServers": name_servers,
            "primaryNameServer": name_servers[0] if name_servers else "",
            "delegationSetId": "",
            "tagsAll": inputs.get("tags") or {},
        }

    def _delete_records(self, zone_id: str) -> None:
        pages = self.client.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone_id
        )
        changes = [
            {"Action": "DELETE", "ResourceRecordSet": rrs}
            for page in pages
            for rrs in page["ResourceRecordSets"]
            if rrs["Type"] not in ("SOA", "NS")  # the zone's own records go with it
        ]
        if changes:
            self.client.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
            )


class RecordHandler(ResourceHandler):
    """``aws:route53/record:Record`` (simple records): ``zoneId``/``name``/``type`` force
    replacement, ``ttl``/``records`` are UPSERTed in place."""

    REPLACE_KEYS = ("zoneId", "name", "type", "setIdentifier")

    def __init__(self, endpoint_url: str) -> None:
        self.client = route53_client(endpoint_url)

    def check(self, olds: Props, news: Props) -> tuple[Props, list[tuple[str, str]]]:
        ins = dict(news)
        failures = [
            (k, f"Missing required argument: {k}")
            for k in ("zoneId", "name", "type")
            if k not in ins  # an unknown (preview) value is present and passes
        ]
        if "records" not in ins and "alias" not in ins:
            failures.append(("records", 'one of "alias" or "records" must be specified'))
        if "ttl" in ins and isinstance(ins["ttl"], float):
            ins["ttl"] = int(ins["ttl"])  # numbers cross the wire as doubles
        return ins, failures

    def diff(self, id: str, old_outputs: Props, news: Props) -> DiffResult:
        replaces = [
            k
            for k in self.REPLACE_KEYS
            if _norm(str(old_outputs.get(k, ""))) != _norm(str(news.get(k, "")))
        ]
        old_records = sorted(old_outputs.get("records") or [])  # a set in the provider schema
        changed = bool(replaces) or (
            old_records != sorted(news.get("records") or [])
            or int(old_outputs.get("ttl") or 0) != int(news.get("ttl") or 0)
        )
        return DiffResult(DIFF_SOME if changed else DIFF_NONE, replaces, False)

    def create(self, inputs: Props) -> tuple[str, Props]:
        # CREATE fails on an existing record set, as the provider does unless allowOverwrite.
        action = "UPSERT" if inputs.get("allowOverwrite") else "CREATE"
        fqdn = self._change(action, inputs)
        return self._id(inputs), self._outputs(inputs, fqdn)

    def update(self, id: str, old_outputs: Props, news: Props) -> Props:
        fqdn = self._change("UPSERT", news)
        return self._outputs(news, fqdn)

    def delete(self, id: str, outputs: Props) -> None:
        try:
            self._change("DELETE", outputs)
        except ClientError as e:
            # Deleting a record set that is gone (or whose zone is gone) is done.
            if _error_code(e) not in ("InvalidChangeBatch", "NoSuchHostedZone"):
                raise

    def read(self, id: str, outputs: Props, inputs: Props) -> tuple[str, Props, Props | None]:
        try:
            fqdn = self._fqdn(outputs["zoneId"], outputs["name"])
            found = self._find(outputs["zoneId"], fqdn, outputs["type"])
        except ClientError as e:
            if _error_code(e) == "NoSuchHostedZone":
                return "", {}, None
            raise
        if found is None:
            return "", {}, None
        live = {
            "ttl": int(found.get("TTL", 0)),
            "records": [r["Value"] for r in found.get("ResourceRecords", [])],
        }
        ins = {**inputs, **live}
        return id, self._outputs({**outputs, **live}, fqdn), ins

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _id(inputs: Props) -> str:
        parts = [inputs["zoneId"], _norm(inputs["name"]), inputs["type"]]
        if inputs.get("setIdentifier"):
            parts.append(inputs["setIdentifier"])
        return "_".join(parts)

    @staticmethod
    def _outputs(inputs: Props, fqdn: str) -> Props:
        outs = {**inputs, "fqdn": fqdn, "name": _norm(inputs["name"])}
        outs.setdefault("allowOverwrite", False)
        return outs

    def _fqdn(self, zone_id: str, name: str) -> str:
        """A relative name (``shop``) is qualified with the zone's name, like the provider."""
        zone = _norm(self.client.get_hosted_zone(Id=zone_id)["HostedZone"]["Name"])
        name = _norm(name)
        return name if name == zone or name.endswith("." + zone) else f"{name}.{zone}"

    def _change(self, action: str, props: Props) -> str:
        fqdn = self._fqdn(props["zoneId"], props["name"])
        record_set: dict[str, Any] = {
            "Name": fqdn,
            "Type": props["type"],
            "TTL": int(props.get("ttl") or 0),
            "ResourceRecords": [{"Value": v} for v in props.get("records") or []],
        }
        if props.get("setIdentifier"):
            record_set["SetIdentifier"] = props["setIdentifier"]
        self.client.change_resource_record_sets(
            HostedZoneId=props["zoneId"],
            ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record_set}]},
        )
        return fqdn

    def _find(self, zone_id: str, fqdn: str, type_: str) -> dict[str, Any] | None:
        r = self.client.list_resource_record_sets(
            HostedZoneId=zone_id, StartRecordName=fqdn, StartRecordType=type_, MaxItems="10"
        )
        for rrs in r["ResourceRecordSets"]:
            if _norm(rrs["Name"]) == fqdn and rrs["Type"] == type_:
                return dict(rrs)
        return None


def route53_handlers(endpoint_url: str) -> dict[str, ResourceHandler]:
    """``handlers=`` for an Engine whose program declares Route 53 zones and records."""
    return {ZONE_TYPE: ZoneHandler(endpoint_url), RECORD_TYPE: RecordHandler(endpoint_url)}


# -- moto server fixtures --------------------------------------------------------------------


class MotoServer:
    """A running moto server: ``url`` for boto3/kalix-local, ``reset()`` to empty it."""

    def __init__(self, server: ThreadedMotoServer) -> None:
        self.server = server
        host, port = server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def reset(self) -> None:
        httpx.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def route53(self) -> Any:
        return route53_client(self.url)


@pytest.fixture(scope="session")
def moto_session() -> Iterator[MotoServer]:
    """One moto server on a free loopback port for the whole session (starts in ~0.1 s)."""
    # werkzeug logs every request at INFO; keep test output about the tests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield MotoServer(server)
    finally:
        server.stop()


@pytest.fixture
def moto_server(moto_session: MotoServer) -> MotoServer:
    """The session's moto server, emptied: no zones or records left by another test."""
    moto_session.reset()
    return moto_session
