"""The JSON shapes of kalix-local's HTTP view of project hostnames
(`/kalix.io/v1alpha/projects/{project}/hostnames`), kept for curl and older tools.

The published way in is gRPC (`kalix_local/federation/`), whose messages carry no
region, CNAME target or annotations; this HTTP view adds those for people reading it
by hand. The provider never uses it.
"""

from __future__ import annotations

from pydantic import Field

from pulumi_kalix.api import WireModel

HOSTNAMES_PREFIX = "/kalix.io/v1alpha/projects"


class Region(WireModel):
    name: str
    #: The address custom hostnames need a CNAME record to point at.
    ingress_cname_address: str
    #: The domain generated hostnames live under.
    apps_domain_name: str
    primary: bool = False


class Hostname(WireModel):
    """A project hostname, with the region and the CNAME target a custom one needs."""

    name: str
    is_generated: bool = False
    global_: bool = Field(default=False, alias="global")
    skip_provision_cert: bool = False
    region: str | None = None
    #: CNAME target for a custom hostname; "" for a generated one.
    cname: str = ""
    annotations: dict[str, str] | None = None


class HostnameCreate(WireModel):
    """`POST .../hostnames` body: `{}` asks for a generated name."""

    name: str | None = None
    global_: bool | None = Field(default=None, alias="global")
    skip_provision_cert: bool | None = None
    annotations: dict[str, str] | None = None


class HostnameList(WireModel):
    hostnames: list[Hostname] = Field(default_factory=list)


class Project(WireModel):
    name: str
    regions: list[Region] = Field(default_factory=list)
    hostnames: list[Hostname] = Field(default_factory=list)
