"""`kalix.ExternalSecret`: secrets a service mounts from a cloud secret store
(`externalsecrets`): AWS Secrets Manager / SSM parameters, GCP Secret Manager or Azure
Key Vault.

```python
store = kalix.ExternalSecret(
    "db-secrets",
    gcp={"project_id": "acme-prod", "objects": [{"name": "db-password", "path": "db/password"}]},
)
# A service mounts it with a volume mount `externalSecret {provider: store.name}`.
```
Keys follow the published spec, in snake_case or camelCase (`project_id` or
`projectId`). The object holds no secret value and no credential (the platform reads the
store with the service's workload identity). Its published status has only
`resourceSyncStatus`, so nothing is awaited.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.external_secret import ExternalSecretProvider


class ExternalSecret(Resource, module="kalix", name="ExternalSecret"):
    name: Output[str]
    aws: Output[dict[str, Any] | None]
    gcp: Output[dict[str, Any] | None]
    azure: Output[dict[str, Any] | None]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        aws: Input[dict[str, Any]] | None = None,
        gcp: Input[dict[str, Any]] | None = None,
        azure: Input[dict[str, Any]] | None = None,
        name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """Set exactly one of `aws`, `gcp` and `azure`.

        :param aws: `{"objects": [{"name", "type" (secretsmanager | ssmparameter; not
            needed when name is an ARN), "alias", "version", "version_label",
            "file_permission", "jmes_path": [{"path", "alias", "file_permission"}]}]}`.
        :param gcp: `{"project_id", "location", "objects": [{"name", "path", "location",
            "project_id", "version", "file_permission"}]}`.
        :param azure: `{"client_id", "tenant_id", "key_vault_name", "cloud_name",
            "objects": [{"name", "type" (cert | key | secret), "alias", "format",
            "encoding", "version", "version_history", "file_permission"}]}`.
        :param name: the object's name (default: the resource name); a change replaces it.
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing object of that name that this resource did
            not create.
        """
        refuse_import("external secret", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "aws": aws,
            "gcp": gcp,
            "azure": azure,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(ExternalSecret, resource_name, opts),
            "uid": None,
        }
        super().__init__(ExternalSecretProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
