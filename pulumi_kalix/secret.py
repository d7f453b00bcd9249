"""`kalix.Secret`: generic, tls, tls-ca, symmetric or asymmetric secrets for secret env
vars, mounts, JWT keys and route mTLS.

```python
db = kalix.Secret("db-creds", data={"password": cfg.require_secret("dbPassword")})
ca = kalix.Secret("client-ca", type="tls-ca", data={"ca.crt": open("ca.pem").read()})
```
`data` is always stored as a Pulumi secret; outputs never echo it (`keys` lists the
key names).
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY
from ._program import claim_input, refuse_import, untrack_registration_outputs


class Secret(Resource, module="kalix", name="Secret"):
    name: Output[str]
    type: Output[str]
    #: the data keys, from your inputs (the platform never shows a secret's keys)
    keys: Output[list[str]]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        data: Input[dict[str, Input[str]]],
        type: str = "generic",
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param data: key -> value (plain text; PEM for tls `tls.crt`/`tls.key`, tls-ca `ca.crt`).
        :param type: `generic` (default), `tls`, `tls-ca`, `symmetric` or `asymmetric`
            (as `akka secret create` makes them). The data keys of `symmetric` and
            `asymmetric` secrets are not published, so any keys are taken for them.
        :param name: secret name (default: the resource name).
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing secret of that name that this resource did
            not create.
        """
        refuse_import("secret", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "type": type,
            "data": Output.secret(data),
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(Secret, resource_name, opts),
            "keys": None,
            "uid": None,
            # Computed by check from the data: a secret input, so that the engine marks
            # the checked value secret too (state and `preview --diff` show no digest).
            "data_digest": Output.secret(None),
        }
        opts = ResourceOptions.merge(
            opts, ResourceOptions(additional_secret_outputs=["data", "data_digest"])
        )
        from .provider.secret import SecretProvider  # on first use: wire models, httpx

        super().__init__(SecretProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
