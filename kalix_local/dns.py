"""DNS resolvers that kalix-local uses to validate route hostnames.

A custom hostname is only served once it is a CNAME to the region's ingress address, so
route validation needs one question answered: "what is the CNAME target of this host?".
Three answers are available, chosen at start:

- ``system``: real DNS through dnspython (the host's resolv.conf);
- ``static``: records held in memory, set through the admin API or loaded from a file;
- ``route53``: the record sets of a Route 53 API endpoint (e.g. a moto server), so the
  DNS records a Pulumi stack creates are what validates its routes.

Resolvers never raise for lookup failures: "no answer" is ``None`` and the route stays
``DnsNotVerified``, which is what the platform does with a broken DNS setup.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import yaml

log = logging.getLogger(__name__)

RESOLVER_KINDS = ("system", "static", "route53")

DEFAULT_LIFETIME_SECONDS = 2.0
DEFAULT_ZONE_CACHE_SECONDS = 5.0


def normalize_name(name: str) -> str:
    """Lower-case, surrounding whitespace and trailing dot stripped: how hosts compare."""
    return name.strip().rstrip(".").lower()


@runtime_checkable
class Resolver(Protocol):
    name: str  # "system" | "static" | "route53"

    def cname(self, host: str) -> str | None:
        """The CNAME target of ``host`` (normalised), or None if it has no CNAME record."""
        ...


class SystemResolver:
    """Real DNS through dnspython. Pass ``resolver`` to point it at a test server."""

    name = "system"

    def __init__(
        self,
        resolver: dns.resolver.Resolver | None = None,
        *,
        lifetime: float = DEFAULT_LIFETIME_SECONDS,
    ) -> None:
        if resolver is None:
            try:
                resolver = dns.resolver.Resolver()
            except dns.exception.DNSException as exc:
                # No resolv.conf (e.g. a bare container): every lookup answers None
                # rather than the server failing to start.
                log.warning("no system DNS configuration (%s); CNAME lookups will fail", exc)
                resolver = dns.resolver.Resolver(configure=False)
        self._resolver = resolver
        self._lifetime = lifetime

    def cname(self, host: str) -> str | None:
        host = normalize_name(host)
        if not host:
            return None
        try:
            qname = dns.name.from_text(host)
            # search=False: a bare name must not be retried under the search domains.
            answer = self._resolver.resolve(
                qname,
                dns.rdatatype.CNAME,
                lifetime=self._lifetime,
                search=False,
                raise_on_no_answer=False,
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.exception.Timeout):
            return None
        except (dns.exception.DNSException, OSError) as exc:
            log.warning("CNAME lookup for %s failed: %s", host, exc)
            return None
        if answer.rrset is None:
            return None
        for rdata in answer.rrset:
            return normalize_name(rdata.target.to_text())
        return None


class StaticResolver:
    """CNAME records kept in memory; thread-safe (the admin API writes while the
    route checker reads)."""

    name = "static"

    def __init__(self, records: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, str] = {}
        if records:
            self.set_records(records)

    @staticmethod
    def _normalize(host: str, target: str) -> tuple[str, str]:
        if not isinstance(host, str) or not isinstance(target, str):
            raise ValueError(f"DNS record {host!r} -> {target!r}: host and target must be strings")
        host_n, target_n = normalize_name(host), normalize_name(target)
        if not host_n or not target_n:
            raise ValueError(f"DNS record {host!r} -> {target!r}: host and target must be set")
        return host_n, target_n

    def cname(self, host: str) -> str | None:
        with self._lock:
            return self._records.get(normalize_name(host))

    def set_records(self, records: Mapping[str, str]) -> None:
        """Replace every record (validated first, so a bad mapping changes nothing)."""
        self._replace(records)

    def _replace(self, records: Mapping[str, str]) -> int:
        normalized = dict(self._normalize(h, t) for h, t in records.items())
        with self._lock:
            self._records = normalized
        return len(normalized)

    def set(self, host: str, target: str) -> None:
        host_n, target_n = self._normalize(host, target)
        with self._lock:
            self._records[host_n] = target_n

    def delete(self, host: str) -> bool:
        """Remove the record for ``host``; True if there was one."""
        with self._lock:
            return self._records.pop(normalize_name(host), None) is not None

    def records(self) -> dict[str, str]:
        with self._lock:
            return dict(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records = {}

    def load_file(self, path: str | os.PathLike[str]) -> int:
        """Replace every record with the ``{host: target}`` mapping in a JSON or YAML
        file (``.json`` is read as JSON, anything else as YAML). Returns the count."""
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        data: Any
        if p.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"{p}: not valid JSON: {exc}") from exc
        else:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ValueError(f"{p}: not valid YAML: {exc}") from exc
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ValueError(f"{p}: expected a mapping of host to CNAME target")
        try:
            return self._replace(data)
        except ValueError as exc:
            raise ValueError(f"{p}: {exc}") from exc


class Route53Resolver:
    """CNAME records read from a Route 53 API endpoint with boto3.

    The most specific hosted zone whose name is a suffix of the host is searched for a
    CNAME record set named exactly like the host. The zone list is cached for
    ``zone_cache_seconds``; record sets are read on every call so a changed record is
    seen at once. Any error talking to the endpoint is logged and answers None.
    """

    name = "route53"

    def __init__(
        self,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        *,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        zone_cache_seconds: float = DEFAULT_ZONE_CACHE_SECONDS,
        timeout: float = DEFAULT_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import boto3  # deferred: only the route53 resolver needs boto3
        from botocore.config import Config

        # Explicit keys always, so botocore never probes profiles or the instance
        # metadata service; moto accepts any key.
        access_key_id = access_key_id or os.environ.get("AWS_ACCESS_KEY_ID") or "testing"
        secret_access_key = (
            secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY") or "testing"
        )
        session_token = os.environ.get("AWS_SESSION_TOKEN") or None
        self.endpoint_url = endpoint_url
        self.region = region
        self._zone_cache_seconds = zone_cache_seconds
        self._clock = clock
        self._client: Any = boto3.session.Session().client(
            "route53",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            # One attempt with short timeouts: the route checker retries on its own
            # schedule and must not stall on a dead endpoint.
            config=Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
        self._lock = threading.Lock()
        self._zones: list[tuple[str, str]] = []  # (normalised zone name, zone id)
        self._zones_fetched_at: float | None = None

    def cname(self, host: str) -> str | None:
        host = normalize_name(host)
        if not host:
            return None
        try:
            zones = self._matching_zones(host)
            for _, zone_id in zones:
                target = self._cname_in_zone(zone_id, host)
                if target is not None:
                    return target
            return None
        except Exception as exc:  # never raise into the route checker
            log.warning(
                "Route 53 CNAME lookup for %s at %s failed: %s",
                host,
                self.endpoint_url or "AWS",
                exc,
            )
            return None

    def invalidate(self) -> None:
        """Forget the cached zone list."""
        with self._lock:
            self._zones_fetched_at = None

    def _matching_zones(self, host: str) -> list[tuple[str, str]]:
        """The most specific zones (longest name) containing ``host``; several only
        when Route 53 holds more than one zone of that name (e.g. public + private)."""
        matches = [
            (zone, zone_id)
            for zone, zone_id in self._hosted_zones()
            if host == zone or host.endswith("." + zone)
        ]
        if not matches:
            return []
        longest = max(len(zone) for zone, _ in matches)
        return [m for m in matches if len(m[0]) == longest]

    def _hosted_zones(self) -> list[tuple[str, str]]:
        with self._lock:
            now = self._clock()
            fresh = (
                self._zones_fetched_at is not None
                and now - self._zones_fetched_at < self._zone_cache_seconds
            )
            if not fresh:
                zones: list[tuple[str, str]] = []
                paginator = self._client.get_paginator("list_hosted_zones")
                for page in paginator.paginate():
                    for zone in page.get("HostedZones", []):
                        zones.append((normalize_name(str(zone["Name"])), str(zone["Id"])))
                self._zones = zones
                self._zones_fetched_at = now
            return list(self._zones)

    def _cname_in_zone(self, zone_id: str, host: str) -> str | None:
        # Record sets are sorted by name then type, so starting at (host, CNAME) puts
        # the wanted set first; a few more cover weighted/latency sets of that name.
        response = self._client.list_resource_record_sets(
            HostedZoneId=zone_id,
            StartRecordName=host + ".",
            StartRecordType="CNAME",
            MaxItems="10",
        )
        for record_set in response.get("ResourceRecordSets", []):
            if record_set.get("Type") != "CNAME":
                continue
            if normalize_name(str(record_set.get("Name", ""))) != host:
                continue
            for record in record_set.get("ResourceRecords", []):
                value = normalize_name(str(record.get("Value", "")))
                if value:
                    return value
        return None


def make_resolver(
    kind: str,
    *,
    static_file: str | None = None,
    route53_endpoint: str | None = None,
    route53_region: str = "us-east-1",
) -> Resolver:
    """Build the resolver named by ``kind`` (``system``, ``static`` or ``route53``)."""
    normalized = kind.strip().lower() if isinstance(kind, str) else kind
    if normalized == "system":
        return SystemResolver()
    if normalized == "static":
        static = StaticResolver()
        if static_file:
            static.load_file(static_file)
        return static
    if normalized == "route53":
        return Route53Resolver(endpoint_url=route53_endpoint, region=route53_region)
    raise ValueError(f"unknown DNS resolver {kind!r}; expected one of: {', '.join(RESOLVER_KINDS)}")
