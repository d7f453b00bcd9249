"""DNS resolvers: system (against a tiny DNS server on loopback), static, route53 (moto)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import pytest
from moto.server import ThreadedMotoServer

from kalix_local.dns import (
    Resolver,
    Route53Resolver,
    StaticResolver,
    SystemResolver,
    make_resolver,
)

# --------------------------------------------------------------------------- system


class TinyDnsServer:
    """Answers UDP queries on 127.0.0.1 from ``records``: {name: (rdtype, value)}.
    Unknown names get NXDOMAIN; with ``drop`` set, queries are not answered at all."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[str, str]] = {}
        self.drop = False
        self.queries: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, addr = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            self.queries.append(question.name.to_text())
            if self.drop:
                continue
            response = dns.message.make_response(query)
            name = question.name.to_text().rstrip(".").lower()
            record = self.records.get(name)
            if record is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif dns.rdatatype.to_text(question.rdtype) == record[0]:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, *record)
                )
            # else: the name exists with another type -> NOERROR, empty answer
            self._sock.sendto(response.to_wire(), addr)

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        return resolver

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


@pytest.fixture
def dns_server() -> Iterator[TinyDnsServer]:
    server = TinyDnsServer()
    yield server
    server.close()


def test_system_resolver_is_named_system(dns_server: TinyDnsServer) -> None:
    assert SystemResolver(dns_server.resolver()).name == "system"


def test_system_resolver_returns_cname_target_lower_case_without_dot(
    dns_server: TinyDnsServer,
) -> None:
    dns_server.records["shop.example.com"] = ("CNAME", "US-East1.Kalix.App.")
    assert SystemResolver(dns_server.resolver()).cname("shop.example.com") == "us-east1.kalix.app"


def test_system_resolver_normalises_the_queried_host(dns_server: TinyDnsServer) -> None:
    dns_server.records["shop.example.com"] = ("CNAME", "us-east1.kalix.app.")
    resolver = SystemResolver(dns_server.resolver())
    assert resolver.cname("Shop.Example.COM.") == "us-east1.kalix.app"
    assert dns_server.queries == ["shop.example.com."]


def test_system_resolver_nxdomain_is_none(dns_server: TinyDnsServer) -> None:
    assert SystemResolver(dns_server.resolver()).cname("nothing.example.com") is None


def test_system_resolver_name_without_cname_is_none(dns_server: TinyDnsServer) -> None:
    dns_server.records["shop.example.com"] = ("A", "192.0.2.10")
    assert SystemResolver(dns_server.resolver()).cname("shop.example.com") is None


def test_system_resolver_timeout_is_none_within_lifetime(dns_server: TinyDnsServer) -> None:
    dns_server.drop = True
    resolver = SystemResolver(dns_server.resolver(), lifetime=0.3)
    started = time.monotonic()
    assert resolver.cname("shop.example.com") is None
    assert time.monotonic() - started < 1.5


def test_system_resolver_empty_host_is_none_without_query(dns_server: TinyDnsServer) -> None:
    assert SystemResolver(dns_server.resolver()).cname("") is None
    assert dns_server.queries == []


# --------------------------------------------------------------------------- static


def test_static_resolver_is_named_static() -> None:
    assert StaticResolver().name == "static"


def test_static_resolver_normalises_hosts_and_targets() -> None:
    resolver = StaticResolver()
    resolver.set_records({"Shop.Example.com.": "US-East1.kalix.app."})
    assert resolver.cname("shop.example.com") == "us-east1.kalix.app"
    assert resolver.cname("SHOP.example.com.") == "us-east1.kalix.app"


def test_static_resolver_unknown_host_is_none() -> None:
    assert StaticResolver({"a.example.com": "us-east1.kalix.app"}).cname("b.example.com") is None


def test_static_resolver_set_records_replaces_all() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    resolver.set_records({"b.example.com": "eu-west1.kalix.app"})
    assert resolver.records() == {"b.example.com": "eu-west1.kalix.app"}


def test_static_resolver_set_adds_or_overwrites_one() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    resolver.set("a.example.com", "eu-west1.kalix.app")
    resolver.set("B.example.com.", "us-east1.kalix.app")
    assert resolver.records() == {
        "a.example.com": "eu-west1.kalix.app",
        "b.example.com": "us-east1.kalix.app",
    }


def test_static_resolver_delete_reports_whether_record_existed() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    assert resolver.delete("A.example.com.") is True
    assert resolver.delete("a.example.com") is False
    assert resolver.cname("a.example.com") is None


def test_static_resolver_clear_removes_everything() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    resolver.clear()
    assert resolver.records() == {}


def test_static_resolver_records_returns_a_copy() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    resolver.records()["b.example.com"] = "x"
    assert resolver.records() == {"a.example.com": "us-east1.kalix.app"}


def test_static_resolver_rejects_empty_target_and_keeps_old_records() -> None:
    resolver = StaticResolver({"a.example.com": "us-east1.kalix.app"})
    with pytest.raises(ValueError) as excinfo:
        resolver.set_records({"b.example.com": "us-east1.kalix.app", "c.example.com": " . "})
    assert str(excinfo.value) == "DNS record 'c.example.com' -> ' . ': host and target must be set"
    assert resolver.records() == {"a.example.com": "us-east1.kalix.app"}


def test_static_resolver_load_json_file(tmp_path: Path) -> None:
    path = tmp_path / "dns.json"
    path.write_text(json.dumps({"Shop.example.com": "us-east1.kalix.app."}))
    resolver = StaticResolver({"old.example.com": "us-east1.kalix.app"})
    assert resolver.load_file(path) == 1
    assert resolver.records() == {"shop.example.com": "us-east1.kalix.app"}


def test_static_resolver_load_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "dns.yaml"
    path.write_text("shop.example.com: us-east1.kalix.app\napi.example.com: eu-west1.kalix.app.\n")
    resolver = StaticResolver()
    assert resolver.load_file(str(path)) == 2
    assert resolver.records() == {
        "shop.example.com": "us-east1.kalix.app",
        "api.example.com": "eu-west1.kalix.app",
    }


def test_static_resolver_load_file_counts_records_after_normalising(tmp_path: Path) -> None:
    path = tmp_path / "dns.json"
    path.write_text(
        json.dumps({"shop.example.com": "a.kalix.app", "SHOP.example.com.": "b.kalix.app"})
    )
    assert StaticResolver().load_file(path) == 1


def test_static_resolver_load_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "dns.yaml"
    path.write_text("- shop.example.com\n")
    with pytest.raises(ValueError) as excinfo:
        StaticResolver().load_file(path)
    assert str(excinfo.value) == f"{path}: expected a mapping of host to CNAME target"


def test_static_resolver_load_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "dns.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"dns\.json: not valid JSON: "):
        StaticResolver().load_file(path)


def test_static_resolver_is_safe_under_concurrent_writes_and_reads() -> None:
    resolver = StaticResolver()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(300):
                resolver.set(f"h{n}-{i}.example.com", "us-east1.kalix.app")
                resolver.cname(f"h{n}-{i}.example.com")
                resolver.records()
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(resolver.records()) == 8 * 300


# --------------------------------------------------------------------------- route53


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def route53(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    # Fresh moto state per test.
    reset = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=5):
        pass
    return boto3.session.Session().client(
        "route53",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_zone(client: Any, name: str) -> str:
    response = client.create_hosted_zone(Name=name, CallerReference=f"ref-{name}-{time.time()}")
    return str(response["HostedZone"]["Id"])


def upsert(client: Any, zone_id: str, name: str, value: str, type_: str = "CNAME") -> None:
    client.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": type_,
                        "TTL": 300,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ]
        },
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_route53_resolver_is_named_route53(moto_url: str) -> None:
    assert Route53Resolver(moto_url).name == "route53"


def test_route53_resolver_returns_cname_value(route53: Any, moto_url: str) -> None:
    zone = create_zone(route53, "example.com")
    upsert(route53, zone, "shop.example.com", "US-East1.kalix.app.")
    assert Route53Resolver(moto_url).cname("Shop.Example.com") == "us-east1.kalix.app"


def test_route53_resolver_missing_record_is_none(route53: Any, moto_url: str) -> None:
    zone = create_zone(route53, "example.com")
    upsert(route53, zone, "shop.example.com", "us-east1.kalix.app")
    assert Route53Resolver(moto_url).cname("api.example.com") is None


def test_route53_resolver_non_cname_record_is_none(route53: Any, moto_url: str) -> None:
    zone = create_zone(route53, "example.com")
    upsert(route53, zone, "shop.example.com", "192.0.2.10", type_="A")
    assert Route53Resolver(moto_url).cname("shop.example.com") is None


def test_route53_resolver_host_outside_every_zone_is_none(route53: Any, moto_url: str) -> None:
    zone = create_zone(route53, "example.com")
    upsert(route53, zone, "shop.example.com", "us-east1.kalix.app")
    # "badexample.com" ends with "example.com" but is not inside the zone.
    assert Route53Resolver(moto_url).cname("shop.badexample.com") is None


def test_route53_resolver_uses_most_specific_zone(route53: Any, moto_url: str) -> None:
    parent = create_zone(route53, "example.com")
    child = create_zone(route53, "shop.example.com")
    upsert(route53, parent, "api.shop.example.com", "eu-west1.kalix.app")
    upsert(route53, child, "api.shop.example.com", "us-east1.kalix.app")
    assert Route53Resolver(moto_url).cname("api.shop.example.com") == "us-east1.kalix.app"


def test_route53_resolver_sees_record_changes_at_once(route53: Any, moto_url: str) -> None:
    zone = create_zone(route53, "example.com")
    upsert(route53, zone, "shop.example.com", "eu-west1.kalix.app")
    resolver = Route53Resolver(moto_url, zone_cache_seconds=60)
    assert resolver.cname("shop.example.com") == "eu-west1.kalix.app"
    upsert(route53, zone, "shop.example.com", "us-east1.kalix.app")
    assert resolver.cname("shop.example.com") == "us-east1.kalix.app"


def test_route53_resolver_sees_new_zone_only_after_cache_expires(
    route53: Any, moto_url: str
) -> None:
    create_zone(route53, "example.com")
    clock = FakeClock()
    resolver = Route53Resolver(moto_url, zone_cache_seconds=5, clock=clock)
    assert resolver.cname("api.shop.example.com") is None
    child = create_zone(route53, "shop.example.com")
    upsert(route53, child, "api.shop.example.com", "us-east1.kalix.app")
    clock.now += 4.9
    assert resolver.cname("api.shop.example.com") is None  # zone list still cached
    clock.now += 0.2
    assert resolver.cname("api.shop.example.com") == "us-east1.kalix.app"


def test_route53_resolver_unreachable_endpoint_is_none_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    resolver = Route53Resolver(f"http://127.0.0.1:{port}", timeout=1.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="kalix_local.dns"):
        assert resolver.cname("shop.example.com") is None
    assert time.monotonic() - started < 3
    assert any(
        r.getMessage().startswith(
            f"Route 53 CNAME lookup for shop.example.com at http://127.0.0.1:{port} failed: "
        )
        for r in caplog.records
    )


# --------------------------------------------------------------------------- factory


def test_make_resolver_system() -> None:
    assert isinstance(make_resolver("system"), SystemResolver)


def test_make_resolver_static_loads_file(tmp_path: Path) -> None:
    path = tmp_path / "dns.yaml"
    path.write_text("shop.example.com: us-east1.kalix.app\n")
    resolver = make_resolver("static", static_file=str(path))
    assert isinstance(resolver, StaticResolver)
    assert resolver.cname("shop.example.com") == "us-east1.kalix.app"


def test_make_resolver_route53_uses_endpoint_and_region() -> None:
    resolver = make_resolver(
        "route53", route53_endpoint="http://127.0.0.1:1", route53_region="eu-west-1"
    )
    assert isinstance(resolver, Route53Resolver)
    assert (resolver.endpoint_url, resolver.region) == ("http://127.0.0.1:1", "eu-west-1")


def test_make_resolver_kind_is_case_insensitive() -> None:
    assert isinstance(make_resolver(" Static "), StaticResolver)


def test_make_resolver_unknown_kind_names_allowed_values() -> None:
    with pytest.raises(ValueError) as excinfo:
        make_resolver("bind9")
    assert str(excinfo.value) == (
        "unknown DNS resolver 'bind9'; expected one of: system, static, route53"
    )


def test_every_resolver_satisfies_the_protocol() -> None:
    for resolver in (SystemResolver(), StaticResolver(), Route53Resolver("http://127.0.0.1:1")):
        assert isinstance(resolver, Resolver)
