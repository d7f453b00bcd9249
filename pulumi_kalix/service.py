"""`kalix.Service`: a Kalix service deployed from a container image.

```python
svc = kalix.Service("cart", image="registry.example/cart:1.2", env={"MODE": "prod"},
                    secret_env={"DB_PASSWORD": "db-creds/password"},
                    min_instances=2, max_instances=5)
```
The provider applies the change and returns at once; this class then awaits the
rollout in the program (unless `wait=False`), showing `2/3 instances ready` on the
resource's row. `name`, `status`, `ready_instances` and `conditions` resolve only
when the service is Ready (decided from published fields only: see
:mod:`pulumi_kalix.awaiting`), so a `Route` built from `svc.name` waits for it.
A rollout that fails or times out fails the update with the service's status and
last condition.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import pulumi
from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import Resource

from ._keys import CLAIM_KEY, LAST_WRITE_KEY
from ._program import (
    UnsetInputs,
    await_state,
    claim_input,
    derived_outputs,
    mark_run_started,
    program_settings,
    progress_logger,
    refuse_import,
    report_health,
    untrack_registration_outputs,
    without_unset,
    written_in_this_run,
)

if TYPE_CHECKING:
    from .api import KalixService
    from .client import AsyncControlPlane

DEFAULT_WAIT_TIMEOUT = 600.0
#: Outputs the provider computes (`ServiceProvider.computed`): declared as None inputs.
COMPUTED_KEYS = ("status", "ready_instances", "conditions", "generation", "uid", "created_at")


# -- nested inputs: the published spec shapes, keys in snake_case ----------------------------


class ReplicatedReadArgs(TypedDict, total=False):
    #: `pinned-region`, `request-region` (the platform default), `none`, `static`, `dynamic`
    primary_selection_mode: str


class ReplicationArgs(TypedDict, total=False):
    """`spec.replication` (multi-region): `{"mode": "replicated-read", "replicated_read":
    {"primary_selection_mode": "pinned-region"}}`."""

    #: `none`, `replicated-write` or `replicated-read`
    mode: str
    replicated_read: ReplicatedReadArgs


class AwsWorkloadIdentityArgs(TypedDict):
    role_arn: str


class GcpWorkloadIdentityArgs(TypedDict, total=False):
    gcp_service_account: str


class AzureWorkloadIdentityArgs(TypedDict, total=False):
    client_id: str
    tenant_id: str


class WorkloadIdentityArgs(TypedDict, total=False):
    """`spec.workloadIdentity`: the cloud identity the service's instances act as."""

    aws: AwsWorkloadIdentityArgs
    gcp: GcpWorkloadIdentityArgs
    azure: AzureWorkloadIdentityArgs


class SecretItemArgs(TypedDict, total=False):
    """One key of a mounted secret projected to a file (`path` is relative)."""

    key: str
    path: str
    mode: int


class ExternalSecretMountArgs(TypedDict):
    provider: str


class WorkloadIdentityTokenArgs(TypedDict, total=False):
    audience: str
    path: str
    #: at least 600 (the platform default is 3600)
    expiration_seconds: int


class VolumeMountArgs(TypedDict, total=False):
    """One volume mount: `mount_path` and exactly one source — `secret` (a secret's name,
    with `default_mode`, `optional` and `items`), `external_secret` or
    `workload_identity_token`."""

    mount_path: str
    secret: str
    default_mode: int
    optional: bool
    items: list[SecretItemArgs]
    external_secret: ExternalSecretMountArgs
    workload_identity_token: WorkloadIdentityTokenArgs


class JwtKeyArgs(TypedDict, total=False):
    """A JWT key (`spec.jwt.keys`, deprecated by the platform in favour of key sets)."""

    key_id: str
    algorithm: str
    secret: str
    issuer: str


class SecretKeyRefArgs(TypedDict, total=False):
    name: str
    key: str
    optional: bool


class JwtKeySetArgs(TypedDict, total=False):
    """A JWKS key set (`spec.jwt.keySets`): exactly one of `secret`, `external_secret`,
    `jwks_url` and `use_oidc_discovery` (which needs `issuer`)."""

    secret: SecretKeyRefArgs
    external_secret: SecretKeyRefArgs
    issuer: str
    jwks_url: str
    use_oidc_discovery: bool
    #: a duration such as `30m` (the platform default is `1h`)
    refresh_interval: str
    allowed_algorithms: list[str]


class ObjectRefArgs(TypedDict):
    name: str


class TruststoreArgs(TypedDict, total=False):
    """`spec.tls.truststore`: exactly one of `secret` and `external_secret`."""

    secret: ObjectRefArgs
    external_secret: ObjectRefArgs
    #: the key holding the truststore (platform default `truststore`)
    key: str
    password_key: str
    #: `JKS` (platform default) or `PKCS12`
    type: Literal["JKS", "PKCS12"]


class StoreConfigArgs(TypedDict, total=False):
    """`spec.storeConfig`: the store the service's state lives in."""

    store: ObjectRefArgs
    database: str
    secret: ObjectRefArgs


class Service(UnsetInputs, Resource, module="kalix", name="Service"):
    name: Output[str]
    image: Output[str]
    env: Output[dict[str, str] | None]
    secret_env: Output[dict[str, str] | None]
    optional_secret_env: Output[dict[str, str] | None]
    restart_requested: Output[str | None]
    min_instances: Output[int | None]
    max_instances: Output[int | None]
    instance_type: Output[str | None]
    paused: Output[bool]
    labels: Output[dict[str, str] | None]
    cpu_usage_threshold: Output[int | None]
    volume_mounts: Output[list[dict[str, Any]] | None]
    jwt_keys: Output[list[dict[str, Any]] | None]
    tracing: Output[bool | None]
    runtime_mode: Output[str | None]
    replication: Output[dict[str, Any] | None]
    workload_identity: Output[dict[str, Any] | None]
    jwt_key_sets: Output[list[dict[str, Any]] | None]
    spec_labels: Output[dict[str, str] | None]
    spec_annotations: Output[dict[str, str] | None]
    telemetry_resource_attributes: Output[list[str] | None]
    truststore: Output[dict[str, Any] | None]
    service_config: Output[str | None]
    object_storage: Output[str | None]
    store_config: Output[dict[str, Any] | None]
    resource_sync: Output[str | None]
    project: Output[str]
    #: Ready | UpdateInProgress | Unavailable | PartiallyReady | Paused
    status: Output[str]
    #: instances ready now, as the platform reports
    ready_instances: Output[int]
    #: the published status conditions
    conditions: Output[list[dict[str, Any]]]
    #: the object's `metadata.generation`
    generation: Output[int]
    #: the platform's UID of the object (`metadata.uid`)
    uid: Output[str]
    #: when the object was created (RFC 3339)
    created_at: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        image: Input[str],
        name: Input[str] | None = None,
        env: Input[dict[str, Input[str]]] | None = None,
        secret_env: Input[dict[str, Input[str]]] | None = None,
        optional_secret_env: Input[dict[str, Input[str]]] | None = None,
        min_instances: Input[int] | None = None,
        max_instances: Input[int] | None = None,
        instance_type: Input[str] | None = None,
        paused: Input[bool] | None = None,
        labels: Input[dict[str, Input[str]]] | None = None,
        cpu_usage_threshold: Input[int] | None = None,
        volume_mounts: Input[Sequence[Input[VolumeMountArgs | Mapping[str, Any]]]] | None = None,
        jwt_keys: Input[Sequence[Input[JwtKeyArgs | Mapping[str, Any]]]] | None = None,
        tracing: Input[bool] | None = None,
        restart_requested: Input[str] | None = None,
        runtime_mode: Input[str] | None = None,
        replication: Input[ReplicationArgs] | None = None,
        workload_identity: Input[WorkloadIdentityArgs] | None = None,
        jwt_key_sets: Input[Sequence[Input[JwtKeySetArgs]]] | None = None,
        spec_labels: Input[dict[str, Input[str]]] | None = None,
        spec_annotations: Input[dict[str, Input[str]]] | None = None,
        telemetry_resource_attributes: Input[Sequence[Input[str]]] | None = None,
        truststore: Input[TruststoreArgs] | None = None,
        service_config: Input[str] | None = None,
        object_storage: Input[str] | None = None,
        store_config: Input[StoreConfigArgs] | None = None,
        resource_sync: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        wait: bool = True,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param image: container image, e.g. `registry.example/cart:1.2`.
        :param name: service name (default: the resource name); changing it replaces.
        :param env: plain environment variables.
        :param secret_env: variables read from secrets, `{"VAR": "secret-name/key"}`.
        :param optional_secret_env: the same, but the service starts without them when
            the secret or key is missing.
        :param min_instances: the lower autoscaling bound, 1..10, at most `max_instances`.
        :param max_instances: the upper autoscaling bound, 1..10.
        :param instance_type: e.g. `small`, `general.medium`, `g1.memory.large`.
        :param paused: scale to zero, keeping data.
        :param labels: labels of the service *object* (`metadata.labels`, what
            `labelSelector` lists by); not the spec's labels, see `spec_labels`.
        :param cpu_usage_threshold: autoscaling CPU threshold, 1..100 (percent).
        :param volume_mounts: volumes mounted as files (:class:`VolumeMountArgs`), each
            `{"mount_path": "/etc/certs", "secret": "name", "default_mode": 0o644,
            "items": [{"key": "ca.crt", "path": "ca.pem"}]}`, or with `external_secret`
            `{"provider": ...}` or `workload_identity_token` `{"audience", "path"}`.
            With only secret mounts given, live mounts of the other kinds are kept.
        :param jwt_keys: JWT keys in order (deprecated by the platform), each
            `{"key_id": "k1", "algorithm": "HS256", "secret": "jwt-secret", "issuer": "..."}`.
        :param tracing: enable telemetry tracing.
        :param restart_requested: an RFC 3339 time; setting a new one restarts every
            instance in a rolling fashion, like `kalix service restart`.

        The inputs below are spec fields the `akka` CLI and console also set: left unset
        (None) the live value is kept as it is; an empty value (`""`, `{}`, `[]`)
        removes the field.

        :param runtime_mode: `embedded` (the Akka runtime) or `sidecar` (legacy Kalix).
        :param replication: multi-region replication (:class:`ReplicationArgs`).
        :param workload_identity: cloud identity (:class:`WorkloadIdentityArgs`).
        :param jwt_key_sets: JWKS key sets in order (:class:`JwtKeySetArgs`).
        :param spec_labels: the spec's labels (`spec.labels`, the descriptor's
            `labels`: attached to the running service, e.g. as telemetry attributes);
            disabled by default on the platform. Not the object labels of `labels`.
        :param spec_annotations: the spec's annotations (`spec.annotations`).
        :param telemetry_resource_attributes: keys of `spec_labels`/`spec_annotations`
            exported as OpenTelemetry resource attributes.
        :param truststore: a custom truststore for outbound TLS (:class:`TruststoreArgs`).
        :param service_config: the name of a service config (HOCON) to apply.
        :param object_storage: the name of an object storage to use.
        :param store_config: where the service's state is stored (:class:`StoreConfigArgs`).
        :param resource_sync: `global` or `regional` (multi-region projects).
        :param project: Kalix project (default `kalix:project`).
        :param adopt: take over an existing service of the same name.
        :param wait: await the rollout (default True).
        :param wait_timeout: seconds to await the rollout (default 600).
        """
        # The provider (wire models, httpx) is imported on first use, not with this module.
        from .provider.service import ServiceProvider

        refuse_import("service", resource_name, opts)
        props: dict[str, Any] = {
            "name": name if name is not None else resource_name,
            "image": image,
            "env": env,
            "secret_env": secret_env,
            "optional_secret_env": optional_secret_env,
            "min_instances": min_instances,
            "max_instances": max_instances,
            "instance_type": instance_type,
            "paused": paused if paused is not None else False,
            "labels": labels,
            "cpu_usage_threshold": cpu_usage_threshold,
            "volume_mounts": volume_mounts,
            "jwt_keys": jwt_keys,
            "tracing": tracing,
            "restart_requested": restart_requested,
            "runtime_mode": runtime_mode,
            "replication": replication,
            "workload_identity": workload_identity,
            "jwt_key_sets": jwt_key_sets,
            "spec_labels": spec_labels,
            "spec_annotations": spec_annotations,
            "telemetry_resource_attributes": telemetry_resource_attributes,
            "truststore": truststore,
            "service_config": service_config,
            "object_storage": object_storage,
            "store_config": store_config,
            "resource_sync": resource_sync,
            "project": project,
            "adopt": adopt,
            "wait": wait,
            "wait_timeout": wait_timeout,
            CLAIM_KEY: claim_input(Service, resource_name, opts),
            **dict.fromkeys((*COMPUTED_KEYS, LAST_WRITE_KEY)),
        }
        mark_run_started()
        props = without_unset(self, props, keep=("project", *COMPUTED_KEYS, LAST_WRITE_KEY))
        super().__init__(ServiceProvider(), resource_name, props, opts)
        untrack_registration_outputs(self)
        if wait and not pulumi.runtime.is_dry_run():
            self._await_rollout(wait_timeout)

    def _await_rollout(self, timeout: float) -> None:
        from .awaiting import ServiceReadiness, WriteMark, service_progress
        from .provider.service import ServiceProvider

        log = progress_logger(self)

        async def rollout(args: list[Any]) -> dict[str, Any]:
            name, project, mark = str(args[0]), str(args[1]), WriteMark.from_output(args[2])
            if not written_in_this_run(mark.at):
                return await unchanged(name, project, args[3:])

            ready = ServiceReadiness(mark, program_settings().windows)

            def describe(obj: KalixService | None) -> str:
                if ready.failing:
                    return _describe(obj)
                return f"{_describe(obj)}; waiting for {ready.waiting_for}"

            async def run(client: AsyncControlPlane) -> KalixService | None:
                return await client.services.wait_for(
                    name,
                    ready,
                    timeout=timeout,
                    on_change=lambda obj: log(service_progress(obj)),
                    written_version=mark.version or None,
                )

            obj = await await_state(
                kind="service",
                name=name,
                project=project,
                timeout=timeout,
                run=run,
                describe=describe,
                resource=self,
            )
            assert obj is not None  # service_ready raises when it is gone
            log(service_progress(obj))
            return ServiceProvider.computed(obj) | {"name": name}

        async def unchanged(name: str, project: str, stored: list[Any]) -> dict[str, Any]:
            obj = await report_health(
                kind="service",
                name=name,
                project=project,
                collection=lambda client: client.services,
                healthy=lambda o: bool(o.status and o.status.summary in ("Ready", "Paused")),
                describe=_describe,
                resource=self,
            )
            if obj is None:
                keys = ("status", "ready_instances", "conditions")
                return {**dict(zip(keys, stored, strict=True)), "name": name}
            return ServiceProvider.computed(obj) | {"name": name}

        last_write: Output[Any] = getattr(self, LAST_WRITE_KEY)
        sources = (self.name, self.project, last_write, self.status)
        ready = derived_outputs(
            (*sources, self.ready_instances, self.conditions),
            rollout,
            {
                "name": lambda r: str(r["name"]),
                "status": lambda r: str(r["status"]),
                "ready_instances": lambda r: int(r["ready_instances"]),
                "conditions": lambda r: list(r["conditions"]),
            },
        )
        self.name, self.status = ready["name"], ready["status"]
        self.ready_instances, self.conditions = ready["ready_instances"], ready["conditions"]

    # -- Kalix service descriptors -------------------------------------------------------

    @classmethod
    def from_descriptor(
        cls,
        path_or_text: str | os.PathLike[str],
        resource_name: str | None = None,
        **overrides: Any,
    ) -> Service:
        """A Service from a Kalix service descriptor (the YAML of `kalix service apply -f`),
        or from a Service document of an Akka project descriptor (`akka project export`;
        the one named `resource_name`, or the only one).

        ```python
        cart = kalix.Service.from_descriptor("service.yaml", min_instances=2)
        ```
        :param path_or_text: a file path, or the descriptor's YAML text.
        :param resource_name: default: the descriptor's `name`.
        :param overrides: Service keyword arguments (`project=`, `min_instances=`,
            `opts=`, ...); they win over the descriptor.
        `env` becomes the `env`/`secret_env` mappings, so a new service gets its variables
        in name order (an adopted one keeps its live order).
        :raises DescriptorError: for an invalid descriptor (a key outside the published
            descriptor is named with its line and the keys allowed there), or one using
            the only field this resource cannot carry, an inline `hmacSecretLiteral` (it
            would be stored in plain text: put it in a `kalix.Secret`); every other
            published field maps to an input.
        """
        from .descriptors import service_inputs
        from .descriptors.project import load_service_any

        desc = load_service_any(path_or_text, resource_name or overrides.get("name"))
        kwargs: dict[str, Any] = {k: v for k, v in service_inputs(desc).items() if v is not None}
        kwargs.update(overrides)
        return cls(resource_name or desc.name, **kwargs)

    def descriptor(self) -> Output[str]:
        """This service as a Kalix service descriptor (YAML), from its inputs."""
        from .descriptors import service_descriptor
        from .provider.service import KEPT_WHEN_UNSET

        keys = (
            *("name", "image", "env", "secret_env", "optional_secret_env"),
            *("min_instances", "max_instances", "instance_type", "cpu_usage_threshold"),
            *("volume_mounts", "jwt_keys", "tracing"),
            *KEPT_WHEN_UNSET,
        )
        values = Output.all(*(getattr(self, k) for k in keys))
        return values.apply(lambda v: service_descriptor(dict(zip(keys, v, strict=True))))


def _describe(obj: KalixService | None) -> str:
    from .awaiting import last_condition_message, service_progress

    if obj is None:
        return "the service does not exist"
    return f"{service_progress(obj)}; last condition: {last_condition_message(obj)}"
