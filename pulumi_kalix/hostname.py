"""`kalix.Hostname`: a custom or generated project hostname.

```python
host = kalix.Hostname("shop", hostname="shop.example.com")  # custom: CNAME it to host.cname
gen = kalix.Hostname("gen")  # generated: <adjective>-<noun>-1234.<region>.<apps domain>
```
Outputs: `hostname`, `generated`, `region`, and `cname` — the target your DNS record
must point at: the region's ingress address ("" for a generated name, which needs no
record). `global_` and `skip_provision_cert` change in place; a new `hostname`
replaces it.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY
from ._program import claim_input, refuse_import, untrack_registration_outputs


class Hostname(Resource, module="kalix", name="Hostname"):
    hostname: Output[str]
    #: True when the platform generated the name
    generated: Output[bool]
    #: the region the hostname was reserved in
    region: Output[str]
    #: the region's ingress address your CNAME record points at (`""` for generated names)
    cname: Output[str]
    project: Output[str]
    #: True when this resource took over a hostname it did not create (left in place
    #: on delete unless `delete_adopted`)
    adopted: Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        hostname: Input[str] | None = None,
        global_: Input[bool] | None = None,
        skip_provision_cert: Input[bool] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        delete_adopted: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param hostname: the custom hostname; omit to have one generated.
        :param global_: a multi-region (global) hostname.
        :param skip_provision_cert: do not provision a TLS certificate for it (you bring
            your own, e.g. with a route's `server_certificate_secret`).
        :param project: Kalix project (default `kalix:project`).
        :param adopt: take over an existing hostname of this project. An adopted
            hostname is left in place when the resource is deleted (it was reserved
            before this stack took it) unless `delete_adopted` is set.
        :param delete_adopted: delete the hostname with the resource even if it was
            adopted.
        """
        refuse_import("hostname", resource_name, opts)
        props: dict[str, Any] = {
            "hostname": hostname,
            "global_": global_,
            "skip_provision_cert": skip_provision_cert,
            "project": project,
            "adopt": adopt,
            "delete_adopted": delete_adopted,
            CLAIM_KEY: claim_input(Hostname, resource_name, opts),
            "generated": None,
            "region": None,
            "cname": None,
            "adopted": None,
        }
        if hostname is not None:
            # A fixed name can be held once: a replacement (`--replace`, taint) must let
            # the old entry hand it over before the new one takes it (see the provider).
            opts = ResourceOptions.merge(ResourceOptions(delete_before_replace=True), opts)
        from .provider.hostname import HostnameProvider  # on first use: wire models, httpx

        super().__init__(HostnameProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
