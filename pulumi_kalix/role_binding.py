"""`kalix.RoleBinding`: a project role held by a user or group.

```python
kalix.RoleBinding("ci-dev", role="developer", principal="users/8c0e...", project=proj.id)
```
`role` is one of `admin`, `developer`, `viewer`, `backoffice`; `principal` a user or
group resource name (`users/<user-id>`: the published API binds resource names, not
e-mail addresses). There is no update: a change makes a new binding before the old
one is deleted. An existing binding of the same role and principal is taken over only
with `adopt=True`, and an adopted one is left in place on delete.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY
from ._program import claim_input, refuse_import, untrack_registration_outputs


class RoleBinding(Resource, module="kalix", name="RoleBinding"):
    role: Output[str]
    principal: Output[str]
    #: `projects/<project-id>/roles/<role>/bindings/<binding-id>` (also the `id`)
    binding_name: Output[str]
    #: the user's or group's friendly name, as the platform shows it
    principal_friendly_name: Output[str]
    #: the user's e-mail address (empty for a group)
    user_email: Output[str]
    project: Output[str]
    #: True when this resource took over a binding it did not create (left on delete)
    adopted: Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        role: Input[str],
        principal: Input[str],
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param role: `admin`, `developer`, `viewer` or `backoffice`; a change replaces it.
        :param principal: a user or group resource name, e.g. `users/<user-id>`; a
            change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing binding of this role and principal.
        """
        refuse_import("role binding", resource_name, opts)
        props: dict[str, Any] = {
            "role": role,
            "principal": principal,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(RoleBinding, resource_name, opts),
            "binding_name": None,
            "principal_friendly_name": None,
            "user_email": None,
            "adopted": None,
        }
        from .provider.role_binding import RoleBindingProvider  # on first use: the client

        super().__init__(RoleBindingProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
