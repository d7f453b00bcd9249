"""`kalix.ServiceConfig`: HOCON configuration a service loads over its
`application.conf` (`kalixserviceconfigs`), referenced from a service by name.

```python
cfg = kalix.ServiceConfig("cart-config", config="akka.javasdk.dev-mode.enabled = false")
# cfg.name is an Output[str]: pass it wherever a service takes the config's name.
```
The platform publishes no condition type that says a config is in use, so nothing is
awaited: the resource is done once the object is written.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.service_config import ServiceConfigProvider


class ServiceConfig(Resource, module="kalix", name="ServiceConfig"):
    name: Output[str]
    config: Output[str]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        config: Input[str],
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param config: the HOCON text (required, not empty); a change updates it in place.
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing config of that name that this resource did
            not create.
        """
        refuse_import("service config", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "config": config,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(ServiceConfig, resource_name, opts),
            "uid": None,
        }
        super().__init__(ServiceConfigProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
