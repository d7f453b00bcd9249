"""`kalix.ContainerRegistryConfig`: the credentials a project pulls its images with, and
per-region registry mappings (`containerregistryconfigs`).

```python
pull = kalix.Secret("ghcr-pull", data={...})   # the registry credentials live in secrets
kalix.ContainerRegistryConfig("registries", credentials=[pull.name], mappings=[
    {"match": "registry.example/*",
     "regions": [{"name": "gcp-us-east1", "registry": "us.registry.example"}]}])
```
Credentials are secret names, never passwords. The published status has only
`resourceSyncStatus`, so nothing is awaited.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.container_registry_config import ContainerRegistryConfigProvider


class ContainerRegistryConfig(Resource, module="kalix", name="ContainerRegistryConfig"):
    name: Output[str]
    credentials: Output[list[str] | None]
    mappings: Output[list[dict[str, Any]] | None]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        credentials: Input[list[Input[str]]] | None = None,
        mappings: Input[list[Input[dict[str, Any]]]] | None = None,
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param credentials: names of secrets holding registry credentials.
        :param mappings: `[{"match" (a registry, `*` globs), "regions": [{"name",
            "registry"}]}]`: where each region pulls images of that registry from.
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing object of that name that this resource did
            not create.
        """
        refuse_import("container registry config", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "credentials": credentials,
            "mappings": mappings,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(ContainerRegistryConfig, resource_name, opts),
            "uid": None,
        }
        super().__init__(ContainerRegistryConfigProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
