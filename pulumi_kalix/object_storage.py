"""`kalix.ObjectStorage`: the named buckets (S3, GCS, Azure Blob) a project's services
may use (`kalixobjectstorages`). A service uses the one named `default` unless it names
another (`spec.objectStorage.name`).

```python
kalix.ObjectStorage("default", buckets=[{
    "name": "media", "bucket": "acme-media", "provider": "s3", "region": "eu-west-1",
    "credentials": {"type": "static",
                    "access_key_id": {"name": "s3-creds", "key": "id"},
                    "secret_access_key": {"name": "s3-creds", "key": "secret"}}}])
```
Credentials are references to keys of `kalix.Secret`s, never values. After a write the
resource waits (`wait`, default True; `wait_timeout`, default 60 s) for the published
`ObjectStorageConfigValid` condition and fails with its message when it is False.
"""

from __future__ import annotations

from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._program import claim_input, refuse_import, untrack_registration_outputs
from .claims import CLAIM_KEY
from .provider.object_storage import ObjectStorageProvider


class ObjectStorage(Resource, module="kalix", name="ObjectStorage"):
    name: Output[str]
    buckets: Output[list[dict[str, Any]]]
    #: the status condition on the configuration: True, False, or None before the platform reported
    config_valid: Output[bool | None]
    #: the published status conditions
    conditions: Output[list[dict[str, Any]]]
    #: the platform's hash of the applied configuration (`status.configHash`)
    config_hash: Output[str]
    project: Output[str]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        buckets: Input[list[Input[dict[str, Any]]]],
        name: Input[str] | None = None,
        wait: bool = True,
        wait_timeout: float | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param buckets: at least one `{"name" (1-42 lower-case letters, digits, '-';
            unique), "bucket", "provider" (s3 | gcs | azure-blob), "region" (required for
            s3), "endpoint_url", "credentials": {"type" (native | static | profile |
            service-account-key | shared-key | sas), "access_key_id", "secret_access_key",
            "service_account_key", "account_key", "sas_token" ({"name", "key"} of a
            secret), "profile_name", "account_name"}}`; snake_case or camelCase keys.
        :param name: the object's name (default: the resource name); a change replaces it.
        :param wait: wait for `ObjectStorageConfigValid` after each write.
        :param wait_timeout: seconds to wait (default 60).
        :param project: project name or UUID (default: `kalix:project`).
        :param adopt: take over an existing object of that name that this resource did
            not create.
        """
        refuse_import("object storage", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "buckets": buckets,
            "wait": wait,
            "wait_timeout": wait_timeout,
            "project": project,
            "adopt": adopt,
            CLAIM_KEY: claim_input(ObjectStorage, resource_name, opts),
            "config_valid": None,
            "conditions": None,
            "config_hash": None,
            "uid": None,
        }
        super().__init__(ObjectStorageProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
