"""`kalix.ServiceToken`: a project service token, e.g. for CI to deploy with.

```python
token = kalix.ServiceToken("ci", description="deploys from CI", project=proj.id)
pulumi.export("ci_token", token.value)  # a secret: `pulumi stack output --show-secrets`
```
The platform shows a token's value once, when it is made: `value` is a secret output
(encrypted in the state) and a refresh keeps it. There is no update: a change of
`description`, `scopes` or `rotation` makes a new token and then revokes the old one,
so set `rotation` to anything new (a date, a counter) to rotate it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY
from ._program import claim_input, refuse_import, untrack_registration_outputs


class ServiceToken(Resource, module="kalix", name="ServiceToken"):
    #: the token itself (a secret), exchanged for access tokens like a refresh token
    #: (`kalix:token` / `AKKA_TOKEN` of another stack or a CI job)
    value: Output[str]
    #: `projects/<project-id>/tokens/<token-id>` (also the `id`)
    token_name: Output[str]
    description: Output[str]
    scopes: Output[list[str]]
    #: RFC 3339
    created_time: Output[str]
    #: RFC 3339; empty when the token never expires
    expire_time: Output[str]
    rotation: Output[str]
    project: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        description: Input[str] | None = None,
        scopes: Input[Sequence[Input[str]]] | None = None,
        rotation: Input[str] | None = None,
        project: Input[str] | None = None,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param description: what the token is for, as `akka projects tokens list` shows.
        :param scopes: token scopes (`all`, `projects`, `user`, `execution`,
            `organizations`, `container_registry`; default `["all"]`, as the CLI).
        :param rotation: any value; a new one makes a new token and revokes this one.
        :param project: project name or UUID (default: `kalix:project`).
        """
        refuse_import("service token", resource_name, opts)
        props: dict[str, Any] = {
            "description": description,
            "scopes": scopes,
            "rotation": rotation,
            "project": project,
            CLAIM_KEY: claim_input(ServiceToken, resource_name, opts),
            "value": None,
            "token_name": None,
            "created_time": None,
            "expire_time": None,
        }
        opts = ResourceOptions.merge(ResourceOptions(additional_secret_outputs=["value"]), opts)
        from .provider.service_token import ServiceTokenProvider  # on first use: the client

        super().__init__(ServiceTokenProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
