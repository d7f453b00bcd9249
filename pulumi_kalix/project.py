"""`kalix.Project`: an Akka project, created on the federation plane.

```python
proj = kalix.Project(
    "shop",
    name="shop",
    description="the web shop",
    region="gcp-us-east1",
    opts=pulumi.ResourceOptions(protect=True),
)
kalix.Service("cart", image="...", project=proj.id)  # the id is the project's UUID
```
Deleting a project deletes everything in it, so it needs `allow_delete=True`: without
it `pulumi destroy` (or removing the resource) fails and says so, and a change that
would replace the project (`region`, `organization`) is refused in the preview. An
existing project of the same name is taken over only with `adopt=True`, and an adopted
project is never deleted. `name` and `description` change in place.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY
from ._program import claim_input, refuse_import, untrack_registration_outputs


class Project(Resource, module="kalix", name="Project"):
    #: the project's friendly name
    name: Output[str]
    description: Output[str]
    #: the project's UUID (also the resource's `id`): pass it as `project=` to the
    #: resources that live in the project
    project_id: Output[str]
    #: the owning organization's resource name, `organizations/<id>`
    organization: Output[str]
    #: the owning organization's friendly name
    organization_name: Output[str]
    #: the region the project was created in
    region: Output[str]
    #: every region of the project: `name`, `endpoint` (its control plane),
    #: `ingress_cname_address` (the CNAME target of custom hostnames),
    #: `apps_domain_name` and `primary`
    regions: Output[list[dict[str, Any]]]
    #: True when this resource took over a project it did not create (never deleted)
    adopted: Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: Input[str] | None = None,
        description: Input[str] | None = None,
        region: Input[str] | None = None,
        organization: Input[str] | None = None,
        adopt: bool = False,
        allow_delete: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param name: the project's friendly name, a DNS label (default: the resource
            name); a change renames it in place.
        :param description: a description; a change updates it in place.
        :param region: the region id to create it in, e.g. `gcp-us-east1` (default:
            `kalix:region`, else the region of `kalix:project`); a change would replace
            the project.
        :param organization: the owning organization, `organizations/<id>` or its
            friendly name (default: the organization of `kalix:project`, or the only
            one the credential sees); a change would replace the project.
        :param adopt: take over an existing project of this name (it is then never
            deleted by this stack).
        :param allow_delete: let `pulumi destroy` (or removing the resource, or a
            replacement) delete the project and everything in it.
        """
        refuse_import("project", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "description": description,
            "region": region,
            "organization": organization,
            "adopt": adopt,
            "allow_delete": allow_delete,
            CLAIM_KEY: claim_input(Project, resource_name, opts),
            "project_id": None,
            "organization_name": None,
            "regions": None,
            "adopted": None,
        }
        from .provider.project import ProjectProvider  # on first use: the client, grpc

        super().__init__(ProjectProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
