"""Federation-plane shapes the rest of the package shares: a project hostname.

Projects, regions and tokens are protobuf messages (`pulumi_kalix._proto`); hostnames
are also mirrored here, as the published `Hostname` message, so descriptors and
`pulumi-kalix import` can handle them without protobuf.
"""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel


class Hostname(WireModel):
    """A project hostname: the published `Hostname` message (no region, CNAME target or
    annotations: the CNAME target is the region's `ingress_cname_address`)."""

    name: str
    is_generated: bool = False
    global_: bool = Field(default=False, alias="global")
    skip_provision_cert: bool = False
