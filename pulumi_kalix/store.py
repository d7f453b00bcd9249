"""`kalix.Store`: the data store services persist state in (`kalixstores`): in memory,
or a Postgres database. A service names it in `spec.storeConfig.store`.

```python
kalix.Store("pg", postgres={
    "host": "db.internal", "database": "shop",
    "credentials": {"secret": {"name": "db-creds"}, "username_key": "user"},
    "ssl": {"mode": "verify-full", "secret": {"name": "db-tls"}, "key": "tls.key"}},
    ssl_password=cfg.require_secret("dbKeyPassword"))
```
`ssl_password` (`postgres.ssl.password`, the password of the client key) is always a
Pulumi secret and never in outputs (a salted digest, itself secret, lets diff see a new
one). The published status has no documented values for stores: nothing is awaited;
`summary` and `conditions` are outputs as the platform reports them.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.store import StoreProvider


class Store(Resource, module="kalix", name="Store"):
    name: Output[str]
    in_memory: Output[bool | None]
    postgres: Output[dict[str, Any] | None]
    #: the status summary, as the platform reports it
    summary: Output[str]
    #: the published status conditions
    conditions: Output[list[dict[str, Any]]]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        in_memory: bool = False,
        postgres: Input[dict[str, Any]] | None = None,
        ssl_password: Input[str] | None = None,
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """Set exactly one of `in_memory=True` and `postgres`.

        :param in_memory: an in-memory store instead of PostgreSQL.
        :param postgres: `{"host", "port" (default 5432), "database", "dialect"
            (postgres), "google_cloud_sql": {"instance_name"}, "credentials": {"secret":
            {"name"}, "username_key", "password_key", "database_key"}, "ssl": {"mode"
            (disable | allow | prefer | require | verify-ca | verify-full), "secret":
            {"name"}, "cert", "root_cert", "key"}}`; snake_case or camelCase keys.
        :param ssl_password: the password of the SSL client key (kept secret).
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing store of that name that this resource did
            not create.
        """
        refuse_import("store", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "in_memory": in_memory,
            "postgres": postgres,
            "ssl_password": Output.secret(ssl_password) if ssl_password is not None else None,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(Store, resource_name, opts),
            "summary": None,
            "conditions": None,
            "uid": None,
            # Computed by check: a secret input, so the checked value is secret too.
            "ssl_password_digest": Output.secret(None),
        }
        opts = ResourceOptions.merge(
            opts,
            ResourceOptions(additional_secret_outputs=["ssl_password", "ssl_password_digest"]),
        )
        super().__init__(StoreProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
