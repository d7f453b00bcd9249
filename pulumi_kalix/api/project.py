"""Federation-plane shapes: projects, regions and project hostnames."""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel

HOSTNAMES_PREFIX = "/kalix.io/v1alpha/projects"


class Region(WireModel):
    name: str
    #: The address custom hostnames need a CNAME record to point at.
    ingress_cname_address: str
    #: The domain generated hostnames live under.
    apps_domain_name: str
    primary: bool = False


class Hostname(WireModel):
    """A project hostname (proto `Hostname` plus the region and CNAME target)."""

    name: str
    is_generated: bool = False
    global_: bool = Field(default=False, alias="global")
    skip_provision_cert: bool = False
    region: str | None = None
    #: CNAME target for a custom hostname; "" for a generated one.
    cname: str = ""
    #: kalix-local extension: lets a tool find the hostname it created (ownership mark).
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

    @property
    def primary_region(self) -> Region | None:
        for region in self.regions:
            if region.primary:
                return region
        return self.regions[0] if self.regions else None
