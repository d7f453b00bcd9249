"""CRUD of `KalixService` objects for the `Service` resource.

Apply, don't await: create and update return as soon as the control plane has
accepted the change (the `Service` class awaits the rollout in the program, where
hundreds of awaits can run at once); delete waits until the name is free.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pulumi.dynamic import CheckFailure, ReadResult

from ..api import (
    MAX_INSTANCES,
    MIN_INSTANCES,
    Autoscaling,
    Container,
    EnvVar,
    EnvVarSource,
    KalixService,
    ObjectMeta,
    SecretKeyRef,
    ServiceResources,
    ServiceSpec,
)
from ..api.service import (
    ENV_NAME_PATTERN,
    INSTANCE_TYPE_PATTERN,
    JWT_ALGORITHMS,
    RUNTIME_MODES,
    ExternalSecretVolumeSource,
    Jwt,
    JwtKey,
    JwtKeySet,
    ObjectRef,
    ObjectStorageRef,
    Replication,
    RuntimeConfig,
    SecretItem,
    SecretVolumeSource,
    ServiceTls,
    StoreConfig,
    Telemetry,
    Tracing,
    Truststore,
    VolumeMount,
    WorkloadIdentity,
    WorkloadIdentityTokenSource,
)
from ..api.sync import RESOURCE_SYNC_MODES, ResourceSync
from ..awaiting import WriteMark
from ..claims import CLAIM_KEY
from . import _spec_args as args
from ._base import (
    ObjectProvider,
    Props,
    ProviderError,
    check_name,
    check_type,
    failure,
    is_unknown,
    string_list_failures,
    string_map_failures,
    type_name,
)

#: Inputs always owned by the program: unset means absent from the spec.
OWNED_KEYS = (
    "name",
    "image",
    "env",
    "secret_env",
    "optional_secret_env",
    "min_instances",
    "max_instances",
    "instance_type",
    "paused",
    "labels",
    "cpu_usage_threshold",
    "volume_mounts",
    "jwt_keys",
    "tracing",
    "restart_requested",
)
#: Inputs for spec fields the Akka CLI and console also set (`akka project apply`,
#: multi-region setup, ...): unset (None) leaves the live value as it is, so a program
#: that does not mention them never undoes what another tool set; an empty value
#: ("", {} or []) removes the field.
KEPT_WHEN_UNSET = (
    "runtime_mode",
    "replication",
    "workload_identity",
    "jwt_key_sets",
    "spec_labels",
    "spec_annotations",
    "telemetry_resource_attributes",
    "truststore",
    "service_config",
    "object_storage",
    "store_config",
    "resource_sync",
)
#: Inputs the user owns (compared by diff, echoed as outputs).
USER_KEYS = (*OWNED_KEYS, *KEPT_WHEN_UNSET)
#: Nested inputs given as the published wire shape in snake_case (see `_spec_args`).
MODEL_INPUTS: dict[str, type[Any]] = {
    "replication": Replication,
    "workload_identity": WorkloadIdentity,
    "truststore": Truststore,
    "store_config": StoreConfig,
}
#: The three kinds of volume mount: exactly one of these per mount.
MOUNT_SOURCES = ("secret", "external_secret", "workload_identity_token")
#: env-like inputs: plain values, and references `secret/key` (required or optional)
ENV_KEYS = ("env", "secret_env", "optional_secret_env")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
VOLUME_MOUNT_KEYS = (
    "mount_path",
    "secret",
    "default_mode",
    "optional",
    "items",
    "external_secret",
    "workload_identity_token",
)
JWT_KEY_SET_SOURCES = ("secret", "external_secret", "jwks_url", "use_oidc_discovery")
JWT_KEY_KEYS = ("key_id", "algorithm", "secret", "issuer")
#: Inputs that steer the program side only; echoed, never compared.
PROGRAM_KEYS = ("wait", "wait_timeout")
#: Internal input: the restart time a replacement asks for (see `taken_over`).
RESTART_KEY = "__restart"
SECRET_REF = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([-._A-Za-z0-9]+)$")


#: Container image references (the grammar of distribution/reference): an optional
#: registry host (it has a '.' or a port, or is `localhost`), lower-case path
#: components, an optional tag and an optional sha256 digest.
_HOST_PART = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
IMAGE_HOST = re.compile(rf"^{_HOST_PART}(?:\.{_HOST_PART})*(?::[0-9]{{1,5}})?$")
IMAGE_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
IMAGE_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
#: Kubernetes label keys and values: `[prefix/]name`, the prefix a DNS subdomain.
LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def image_reference_ok(image: str) -> bool:
    rest, _, digest = image.partition("@")
    if digest and not IMAGE_DIGEST.match(digest):
        return False
    parts = rest.split("/")
    last = parts[-1]
    if ":" in last:
        last, _, tag = last.partition(":")
        if not IMAGE_TAG.match(tag):
            return False
    parts[-1] = last
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        if not IMAGE_HOST.match(first):
            return False
        parts = parts[1:]
    return len(rest) <= 255 and all(IMAGE_COMPONENT.match(p) for p in parts)


def label_failures(labels: Any) -> list[CheckFailure]:
    if not isinstance(labels, dict):
        return []
    out: list[CheckFailure] = []
    for key, value in labels.items():
        where = f"labels.{key}"
        prefix, slash, name = str(key).rpartition("/")
        if (
            not name
            or len(name) > 63
            or not LABEL_NAME.match(name)
            or (slash and (len(prefix) > 253 or not LABEL_PREFIX.match(prefix)))
        ):
            out.append(
                failure(
                    where,
                    f"label key {key!r} is not valid: use an optional DNS prefix and '/', then "
                    "1-63 letters, digits, '-', '_' or '.', starting and ending with a letter "
                    "or digit (e.g. 'app.example.com/tier')",
                )
            )
        if isinstance(value, str) and (len(value) > 63 or not LABEL_NAME.match(value)):
            out.append(
                failure(
                    where,
                    f"label value {value!r} is not valid: use at most 63 letters, digits, '-', "
                    "'_' or '.', starting and ending with a letter or digit (or empty)",
                )
            )
    return out


class ServiceProvider(ObjectProvider[KalixService]):
    noun = "service"
    diff_keys = USER_KEYS
    collection = "services"
    input_keys = (*USER_KEYS, *PROGRAM_KEYS)

    # -- check -------------------------------------------------------------------

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        image = news.get("image")
        if not is_unknown(image) and (not isinstance(image, str) or not image.strip()):
            out.append(failure("image", "image is required (e.g. 'registry.example/cart:1.2')"))
        elif isinstance(image, str) and not image_reference_ok(image):
            out.append(
                failure(
                    "image",
                    f"image {image!r} is not a valid image reference: use "
                    "[registry-host[:port]/]lower-case/path[:tag][@sha256:<64 hex>], "
                    "e.g. 'registry.example:5000/shop/cart:1.2'",
                )
            )
        for key in (*ENV_KEYS, "labels"):
            out += string_map_failures(news, key)
        out += label_failures(news.get("labels"))
        maps: dict[str, dict[str, Any]] = {
            key: news[key] if isinstance(news.get(key), dict) else {} for key in ENV_KEYS
        }
        seen: dict[str, str] = {}
        for prop, values in maps.items():
            for name, value in values.items():
                if not re.fullmatch(ENV_NAME_PATTERN, str(name)):
                    out.append(
                        failure(
                            f"{prop}.{name}",
                            f"environment variable name {name!r} is not valid: use letters, "
                            "digits and '_', not starting with a digit",
                        )
                    )
                if name in seen:
                    out.append(
                        failure(
                            f"{prop}.{name}", f"{name!r} is set in both {seen[name]} and {prop}"
                        )
                    )
                seen.setdefault(name, prop)
                if prop != "env" and isinstance(value, str) and not SECRET_REF.match(value):
                    # Not echoed: a secret's value put here by mistake would be printed.
                    out.append(
                        failure(
                            f"{prop}.{name}",
                            f"{prop}.{name} must be 'secret-name/key' (a reference to a key "
                            "of a kalix.Secret, not the value itself)",
                        )
                    )
        restart = news.get("restart_requested")
        if restart is not None and not is_unknown(restart) and not RFC3339.match(str(restart)):
            out.append(
                failure(
                    "restart_requested",
                    "restart_requested must be an RFC 3339 time such as "
                    f"'2026-11-23T18:00:00Z' (change it to restart), got {restart!r}",
                )
            )
        out += self._instance_failures(news)
        instance_type = news.get("instance_type")
        if not (
            instance_type is None or is_unknown(instance_type) or isinstance(instance_type, str)
        ):
            out.append(
                failure(
                    "instance_type",
                    "instance_type must be a string such as 'small', 'general.medium' or "
                    f"'g1.memory.large', got {type_name(instance_type)}",
                )
            )
        elif isinstance(instance_type, str) and not re.fullmatch(
            INSTANCE_TYPE_PATTERN, instance_type
        ):
            out.append(
                failure(
                    "instance_type",
                    f"instance_type {instance_type!r} is not valid: use e.g. 'small', "
                    "'general.medium' or 'g1.memory.large'",
                )
            )
        out += self._descriptor_failures(news)
        out += check_type(news, "paused", bool, "true or false")
        out += check_type(news, "wait", bool, "true or false")
        timeout = news.get("wait_timeout")
        bad_timeout = isinstance(timeout, bool) or not isinstance(timeout, int | float)
        if timeout is not None and not is_unknown(timeout) and (bad_timeout or timeout <= 0):
            out.append(failure("wait_timeout", "wait_timeout must be a positive number of seconds"))
        return out

    @staticmethod
    def _descriptor_failures(news: Props) -> list[CheckFailure]:
        """The descriptor's less common fields: CPU threshold, volume mounts, JWT, tracing."""
        out: list[CheckFailure] = []
        cpu = news.get("cpu_usage_threshold")
        bad_cpu = isinstance(cpu, bool) or not isinstance(cpu, int | float) or not 1 <= cpu <= 100
        if cpu is not None and not is_unknown(cpu) and bad_cpu:
            out.append(
                failure("cpu_usage_threshold", f"cpu_usage_threshold must be 1..100, got {cpu!r}")
            )
        out += _rule_list_failures(news, "volume_mounts", VOLUME_MOUNT_KEYS, ("mount_path",))
        for i, mount in enumerate(_dicts(news.get("volume_mounts"))):
            out += _mount_failures(mount, f"volume_mounts[{i}]")
            path, mode = mount.get("mount_path"), mount.get("default_mode")
            if isinstance(path, str) and (not path.startswith("/") or ":" in path):
                out.append(
                    failure(
                        f"volume_mounts[{i}].mount_path",
                        f"mount_path must be an absolute path without ':', got {path!r}",
                    )
                )
            if mount.get("secret") is None:
                continue
            if (
                mode is not None
                and not is_unknown(mode)
                and not (isinstance(mode, int | float) and 0 <= mode <= 0o777)
            ):
                out.append(
                    failure(
                        f"volume_mounts[{i}].default_mode",
                        f"default_mode must be a file mode 0..0o777, got {mode!r}",
                    )
                )
            out += check_name(mount.get("secret"), f"volume_mounts[{i}].secret")
        out += _spec_failures(news)
        out += _rule_list_failures(
            news, "jwt_keys", JWT_KEY_KEYS, ("key_id", "algorithm", "secret")
        )
        for i, key in enumerate(_dicts(news.get("jwt_keys"))):
            algorithm = key.get("algorithm")
            if isinstance(algorithm, str) and algorithm not in JWT_ALGORITHMS:
                out.append(
                    failure(
                        f"jwt_keys[{i}].algorithm",
                        f"algorithm {algorithm!r} is not supported "
                        f"(allowed: {', '.join(JWT_ALGORITHMS)})",
                    )
                )
            out += check_name(key.get("secret"), f"jwt_keys[{i}].secret")
        out += check_type(news, "tracing", bool, "true or false")
        return out

    @staticmethod
    def _instance_failures(news: Props) -> list[CheckFailure]:
        out: list[CheckFailure] = []
        bounds = {}
        for key in ("min_instances", "max_instances"):
            value = news.get(key)
            if value is None or is_unknown(value):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                out.append(failure(key, f"{key} must be a whole number, got {value!r}"))
            elif not MIN_INSTANCES <= value <= MAX_INSTANCES:
                out.append(
                    failure(
                        key,
                        f"{key} must be between {MIN_INSTANCES} and {MAX_INSTANCES}, "
                        f"got {int(value)}",
                    )
                )
            else:
                bounds[key] = int(value)
        if len(bounds) == 2 and bounds["min_instances"] > bounds["max_instances"]:
            out.append(
                failure(
                    "min_instances",
                    f"min_instances ({bounds['min_instances']}) must not exceed "
                    f"max_instances ({bounds['max_instances']})",
                )
            )
        return out

    def read(self, id_: str, props: Props) -> ReadResult:
        """Refresh reports drift only in what the program manages: a kept-when-unset
        field it never set, and mounts of the kinds its `volume_mounts` do not use, are
        read as unset (whatever another tool put there is no drift of this resource)."""
        result = super().read(id_, props)
        views = [v for v in (result.outs, result.inputs) if v]
        for key in KEPT_WHEN_UNSET:
            if props.get(key) is None:
                for view in views:
                    view[key] = None
        mounts = props.get("volume_mounts") or []
        if all(m.get("secret") is not None for m in mounts if isinstance(m, dict)):
            for view in views:
                ours = [m for m in view.get("volume_mounts") or [] if m.get("secret") is not None]
                view["volume_mounts"] = ours or None
        return result

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        if "restart_requested" in changed and news.get("restart_requested") is None:
            changed.remove("restart_requested")  # unset: the live time is left as it is
        # Unset: the live value is left as it is (see KEPT_WHEN_UNSET).
        return [k for k in changed if not (k in KEPT_WHEN_UNSET and news.get(k) is None)]

    def taken_over(self, props: Props) -> Props:
        """A replacement of a service keeps the object (its data, its hostname routes)
        and restarts every instance, rolling, as `akka service restart` does: what
        "replace" can mean for a service without deleting what it stores. (A create
        whose state write was lost restarts it too: the two look alike to a provider.)
        A service whose `restart_requested` is set is left to that input."""
        from datetime import UTC, datetime

        if props.get("restart_requested") is not None:
            return props
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {**props, RESTART_KEY: now}

    def normalize(self, news: Props) -> Props:
        for key in (*ENV_KEYS, "labels", "spec_labels", "spec_annotations"):
            if isinstance(news.get(key), dict):
                news[key] = {k: v if is_unknown(v) else str(v) for k, v in news[key].items()}
        for key in ("min_instances", "max_instances", "cpu_usage_threshold"):
            if isinstance(news.get(key), float):
                news[key] = int(news[key])
        # Lists of rules in the same form inputs_from reads them back: no None values,
        # whole numbers as ints, so a diff never sees a change that is not there.
        for key in ("volume_mounts", "jwt_keys"):
            if isinstance(news.get(key), list):
                news[key] = [args.whole_numbers(rule) for rule in news[key]] or None
        for key in (*MODEL_INPUTS, "jwt_key_sets"):
            if isinstance(news.get(key), dict | list):
                news[key] = args.whole_numbers(news[key])
        return news

    # -- wire mapping ----------------------------------------------------------------

    @staticmethod
    def apply_inputs(spec: ServiceSpec | None, props: Props) -> ServiceSpec:
        """The spec with our inputs applied; fields we don't manage are kept."""
        env = [EnvVar(name=k, value=str(v)) for k, v in sorted((props.get("env") or {}).items())]
        refs: list[tuple[str, Any, bool | None]] = [
            (k, v, None) for k, v in (props.get("secret_env") or {}).items()
        ]
        refs += [(k, v, True) for k, v in (props.get("optional_secret_env") or {}).items()]
        for key, ref, optional in sorted(refs):
            secret, _, secret_key = str(ref).partition("/")
            env.append(
                EnvVar(
                    name=key,
                    value_from=EnvVarSource(
                        secret_key_ref=SecretKeyRef(name=secret, key=secret_key, optional=optional)
                    ),
                )
            )
        base = (
            spec.model_copy(deep=True) if spec else ServiceSpec(containers=[Container(image="-")])
        )
        container = base.containers[0]
        if container.env:
            # Keep the live order of existing variables (a reordered list is a spec change,
            # i.e. a rollout, although nothing changed); new ones go last, as built above.
            order = {var.name: i for i, var in enumerate(container.env)}
            env.sort(key=lambda var: order.get(var.name, len(order)))
        container.image = str(props["image"])
        container.env = env or None
        resources = base.resources or ServiceResources()
        resources.instance_type = props.get("instance_type")
        scaling = resources.autoscaling or Autoscaling()
        scaling.min_instances = _int_or_none(props.get("min_instances"))
        scaling.max_instances = _int_or_none(props.get("max_instances"))
        scaling.cpu_usage_threshold = _int_or_none(props.get("cpu_usage_threshold"))
        has_scaling = scaling.min_instances or scaling.max_instances or scaling.cpu_usage_threshold
        resources.autoscaling = scaling if (has_scaling or scaling.model_extra) else None
        # `resources` may hold fields we don't manage (runtime mode): keep them.
        base.resources = resources if _has_content(resources) else None
        base.paused = True if props.get("paused") else None
        # `kalix service restart`: a new time in restartRequested rolls every instance.
        # Unset keeps the live time: clearing it would itself be a spec change (a rollout).
        restart = props.get("restart_requested") or props.get(RESTART_KEY)
        if restart is not None:
            base.restart_requested = restart
        container.volume_mounts = _volume_mounts(container.volume_mounts, props)
        keys = [
            JwtKey(
                key_id=k["key_id"],
                algorithm=k["algorithm"],
                issuer=k.get("issuer"),
                secret=ObjectRef(name=k["secret"]) if k.get("secret") else None,
            )
            for k in props.get("jwt_keys") or []
        ]
        # We manage the JWT keys; key sets (and anything newer) belong to whoever set them.
        jwt = base.jwt or Jwt()
        jwt.keys = keys or None
        base.jwt = jwt if _has_content(jwt) else None
        # Telemetry may carry fields we don't manage (resource attributes): keep them.
        telemetry = base.telemetry or Telemetry()
        tracing = props.get("tracing")
        telemetry.tracing = Tracing(enabled=bool(tracing)) if tracing is not None else None
        base.telemetry = telemetry if _has_content(telemetry) else None
        _apply_spec_inputs(base, props)
        return base

    @staticmethod
    def inputs_from(obj: KalixService) -> Props:
        """The user-owned inputs as the live object has them (drift shows on refresh)."""
        container = obj.spec.containers[0]
        env: dict[str, str] = {}
        secret_env: dict[str, str] = {}
        optional_secret_env: dict[str, str] = {}
        for var in container.env or []:
            if var.value_from is not None:
                ref = var.value_from.secret_key_ref
                refs = optional_secret_env if ref.optional else secret_env
                refs[var.name] = f"{ref.name}/{ref.key}"
            else:
                env[var.name] = var.value or ""
        resources = obj.spec.resources
        scaling = resources.autoscaling if resources else None
        return {
            "name": obj.metadata.name,
            "image": container.image,
            "env": env or None,
            "secret_env": secret_env or None,
            "optional_secret_env": optional_secret_env or None,
            "restart_requested": obj.spec.restart_requested,
            "min_instances": scaling.min_instances if scaling else None,
            "max_instances": scaling.max_instances if scaling else None,
            "instance_type": resources.instance_type if resources else None,
            "paused": bool(obj.spec.paused),
            "labels": obj.metadata.labels or None,
            "cpu_usage_threshold": scaling.cpu_usage_threshold if scaling else None,
            "volume_mounts": [_mount_input(m) for m in container.volume_mounts or []] or None,
            "jwt_keys": [
                _compact(
                    {
                        "key_id": k.key_id,
                        "algorithm": k.algorithm,
                        "secret": k.secret.name if k.secret else None,
                        "issuer": k.issuer,
                    }
                )
                for k in (obj.spec.jwt.keys if obj.spec.jwt else None) or []
            ]
            or None,
            "tracing": (
                obj.spec.telemetry.tracing.enabled
                if obj.spec.telemetry and obj.spec.telemetry.tracing
                else None
            ),
            **_spec_inputs_from(obj.spec),
        }

    @staticmethod
    def computed(obj: KalixService) -> Props:
        status = obj.status
        return {
            "status": (status.summary if status else None) or "Pending",
            "ready_instances": (status.replicas if status else None) or 0,
            "conditions": [
                c.model_dump(exclude_none=True)
                for c in ((status.conditions if status else []) or [])
            ],
            "generation": obj.metadata.generation or 0,
            "uid": obj.metadata.uid or "",
            "created_at": obj.metadata.creation_timestamp or "",
        }

    def write_mark(
        self, before: KalixService | None, after: KalixService, props: Props
    ) -> WriteMark:
        """A service write starts a rollout when it changes what instances run (anything
        in the spec but the autoscaling ceiling and CPU threshold) or how many run
        (`minInstances`, `paused`); its echo fields then say when the new spec runs."""
        mark = super().write_mark(before, after, props)
        expect: dict[str, str] = {}
        expect_not: dict[str, str] = {}
        if after.spec.restart_requested:
            expect["lastAppliedRestartTime"] = after.spec.restart_requested
        old_mapped = before.status.mapped_image if before and before.status else None
        if before is not None and old_mapped and before.spec.image != after.spec.image:
            expect_not["mappedImage"] = old_mapped
        rollout = before is None or _running_spec(before) != _running_spec(after)
        return replace(mark, rollout=rollout, expect=expect, expect_not=expect_not)

    def outputs(self, obj: KalixService, props: Props) -> Props:
        echoed = {
            k: props.get(k) for k in (*USER_KEYS, *PROGRAM_KEYS, "project", "adopt", CLAIM_KEY)
        }
        echoed["project"] = self.project_of(props)
        return {**echoed, **self.computed(obj)}

    def desired(self, props: Props, current: KalixService | None) -> KalixService:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.labels = dict(props["labels"]) if props.get("labels") else None
        meta.annotations = self.claimed(props, meta.annotations) or None
        return KalixService(
            metadata=meta, spec=self.apply_inputs(current.spec if current else None, props)
        )


def _has_content(model: Any) -> bool:
    """Whether a wire model has any field set, known or not."""
    return bool(model.to_wire())


def _volume_mounts(live: list[VolumeMount] | None, props: Props) -> list[VolumeMount] | None:
    """The mounts of the `volume_mounts` input, each built on the live mount at the same
    path (so fields we don't model survive; a secret mount without `items` keeps its live
    items). When the input has only secret mounts, the live mounts of the other kinds
    (external secrets, workload identity tokens, set by another tool) are kept after
    them; an input that has any of those kinds owns the whole list."""
    by_path = {m.mount_path: m for m in live or []}
    wanted = props.get("volume_mounts") or []
    mounts: list[VolumeMount] = []
    for m in wanted:
        mount = by_path.get(m["mount_path"])
        mount = mount.model_copy(deep=True) if mount else VolumeMount(mount_path=m["mount_path"])
        if m.get("secret") is not None:
            source = mount.secret or SecretVolumeSource(secret_name=m["secret"])
            source.secret_name = m["secret"]
            source.default_mode = _int_or_none(m.get("default_mode"))
            source.optional = m.get("optional")
            if m.get("items") is not None:
                source.items = [
                    args.to_model(SecretItem, i) or SecretItem(key="", path="") for i in m["items"]
                ] or None
            mount.secret = source
            mount.external_secret = mount.workload_identity_token = None
        else:
            mount.secret = None
            mount.external_secret = args.to_model(
                ExternalSecretVolumeSource, m.get("external_secret")
            )
            mount.workload_identity_token = args.to_model(
                WorkloadIdentityTokenSource, m.get("workload_identity_token")
            )
        mounts.append(mount)
    if all(m.get("secret") is not None for m in wanted):
        ours = {m.mount_path for m in mounts}
        mounts += [m for m in live or [] if m.secret is None and m.mount_path not in ours]
    return mounts or None


def _mount_failures(mount: Props, where: str) -> list[CheckFailure]:
    """One volume mount: exactly one source, and each source's own fields."""
    out = args.exactly_one(mount, MOUNT_SOURCES, where)
    if mount.get("secret") is None:
        for key in ("default_mode", "optional", "items"):
            if mount.get(key) is not None:
                out.append(failure(f"{where}.{key}", f"{where}.{key} is only for secret mounts"))
    out += args.list_failures(SecretItem, mount.get("items"), f"{where}.items")
    for i, item in enumerate(_dicts(mount.get("items"))):
        path = item.get("path")
        if isinstance(path, str) and (path.startswith("/") or ".." in path.split("/")):
            out.append(
                failure(
                    f"{where}.items[{i}].path",
                    f"{where}.items[{i}].path must be a relative path without '..', got {path!r}",
                )
            )
    out += args.model_failures(
        ExternalSecretVolumeSource, mount.get("external_secret"), f"{where}.external_secret"
    )
    out += args.model_failures(
        WorkloadIdentityTokenSource,
        mount.get("workload_identity_token"),
        f"{where}.workload_identity_token",
    )
    return out


def _spec_failures(news: Props) -> list[CheckFailure]:
    """The spec fields other tools also set: runtime mode, replication, workload
    identity, JWT key sets, spec labels/annotations, telemetry attributes, truststore,
    service config, object storage, store config and resource sync."""
    out: list[CheckFailure] = []
    for key, allowed in (("runtime_mode", RUNTIME_MODES), ("resource_sync", RESOURCE_SYNC_MODES)):
        value = news.get(key)
        if value not in (None, "") and not is_unknown(value) and value not in allowed:
            out.append(failure(key, f"{key} must be one of {', '.join(allowed)}, got {value!r}"))
    for key, model in MODEL_INPUTS.items():
        out += args.model_failures(model, news.get(key), key)
    out += args.exactly_one(news.get("truststore"), ("secret", "external_secret"), "truststore")
    out += args.list_failures(JwtKeySet, news.get("jwt_key_sets"), "jwt_key_sets")
    for i, key_set in enumerate(_dicts(news.get("jwt_key_sets"))):
        where = f"jwt_key_sets[{i}]"
        out += args.exactly_one(key_set, JWT_KEY_SET_SOURCES, where)
        if key_set.get("use_oidc_discovery") and not key_set.get("issuer"):
            out.append(failure(f"{where}.issuer", f"{where}.issuer is required for OIDC discovery"))
    for key in ("spec_labels", "spec_annotations"):
        out += string_map_failures(news, key)
    out += string_list_failures(news, "telemetry_resource_attributes", "['team', 'tier']")
    attributes = news.get("telemetry_resource_attributes")
    keys = {*(news.get("spec_labels") or {}), *(news.get("spec_annotations") or {})}
    if isinstance(attributes, list) and not is_unknown(news.get("spec_labels")):
        for i, attr in enumerate(attributes):
            if isinstance(attr, str) and keys and attr not in keys:
                out.append(
                    failure(
                        f"telemetry_resource_attributes[{i}]",
                        f"telemetry_resource_attributes[{i}] {attr!r} is not a key of "
                        f"spec_labels or spec_annotations ({', '.join(sorted(keys))})",
                    )
                )
    for key in ("service_config", "object_storage"):
        value = news.get(key)
        if value not in (None, ""):
            out += check_name(value, key)
    return out


def _apply_spec_inputs(base: ServiceSpec, props: Props) -> None:
    """Set the kept-when-unset fields that are given (see KEPT_WHEN_UNSET)."""

    def given(key: str) -> bool:
        return props.get(key) is not None

    if given("runtime_mode"):
        resources = base.resources or ServiceResources()
        resources.runtime = (
            RuntimeConfig(mode=props["runtime_mode"]) if props["runtime_mode"] else None
        )
        base.resources = resources if _has_content(resources) else None
    if given("replication"):
        base.replication = args.to_model(Replication, props["replication"])
    if given("workload_identity"):
        base.workload_identity = args.to_model(WorkloadIdentity, props["workload_identity"])
    if given("store_config"):
        base.store_config = args.to_model(StoreConfig, props["store_config"])
    if given("truststore"):
        tls = base.tls or ServiceTls()
        tls.truststore = args.to_model(Truststore, props["truststore"])
        base.tls = tls if _has_content(tls) else None
    if given("jwt_key_sets"):
        jwt = base.jwt or Jwt()
        sets = [args.to_model(JwtKeySet, s) or JwtKeySet() for s in props["jwt_key_sets"]]
        jwt.key_sets = sets or None
        base.jwt = jwt if _has_content(jwt) else None
    if given("spec_labels"):
        base.labels = {k: str(v) for k, v in props["spec_labels"].items()} or None
    if given("spec_annotations"):
        base.annotations = {k: str(v) for k, v in props["spec_annotations"].items()} or None
    if given("telemetry_resource_attributes"):
        telemetry = base.telemetry or Telemetry()
        telemetry.resource_attributes = list(props["telemetry_resource_attributes"]) or None
        base.telemetry = telemetry if _has_content(telemetry) else None
    if given("service_config"):
        name = props["service_config"]
        base.service_config = ObjectRef(name=name) if name else None
    if given("object_storage"):
        name = props["object_storage"]
        base.object_storage = ObjectStorageRef(name=name) if name else None
    if given("resource_sync"):
        mode = props["resource_sync"]
        base.resource_sync = ResourceSync(mode=mode) if mode else None


def _spec_inputs_from(spec: ServiceSpec) -> Props:
    """The kept-when-unset inputs as the live spec has them."""
    runtime = spec.resources.runtime if spec.resources else None
    return {
        "runtime_mode": runtime.mode if runtime else None,
        "replication": args.from_model(spec.replication),
        "workload_identity": args.from_model(spec.workload_identity),
        "jwt_key_sets": [args.from_model(s) or {} for s in spec.jwt.key_sets]
        if spec.jwt and spec.jwt.key_sets
        else None,
        "spec_labels": dict(spec.labels) if spec.labels else None,
        "spec_annotations": dict(spec.annotations) if spec.annotations else None,
        "telemetry_resource_attributes": list(spec.telemetry.resource_attributes)
        if spec.telemetry and spec.telemetry.resource_attributes
        else None,
        "truststore": args.from_model(spec.tls.truststore) if spec.tls else None,
        "service_config": spec.service_config.name if spec.service_config else None,
        "object_storage": spec.object_storage.name if spec.object_storage else None,
        "store_config": args.from_model(spec.store_config),
        "resource_sync": spec.resource_sync.mode if spec.resource_sync else None,
    }


def _mount_input(mount: VolumeMount) -> Props:
    """One live volume mount as the `volume_mounts` input has it."""
    out: Props = {"mount_path": mount.mount_path}
    if mount.secret is not None:
        out["secret"] = mount.secret.secret_name
        out["default_mode"] = mount.secret.default_mode
        out["optional"] = mount.secret.optional
        if mount.secret.items:
            out["items"] = [args.from_model(i) or {} for i in mount.secret.items]
    out["external_secret"] = args.from_model(mount.external_secret)
    out["workload_identity_token"] = args.from_model(mount.workload_identity_token)
    return dict(_compact(out))


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _running_spec(obj: KalixService) -> dict[str, Any]:
    """The spec minus what changes no instance: the autoscaling ceiling and threshold
    (the floor changes how many run, so it stays)."""
    spec = obj.spec.to_wire()
    scaling = (spec.get("resources") or {}).get("autoscaling")
    if isinstance(scaling, dict):
        scaling.pop("maxInstances", None)
        scaling.pop("cpuUsageThreshold", None)
    return spec


def _compact(rule: Any) -> Any:
    """A rule dict without None values, whole floats as ints (protobuf sends 1 as 1.0)."""
    if not isinstance(rule, dict):
        return rule
    return {
        k: int(v) if isinstance(v, float) and v.is_integer() else v
        for k, v in rule.items()
        if v is not None
    }


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _rule_list_failures(
    news: Props, key: str, allowed: tuple[str, ...], required: tuple[str, ...]
) -> list[CheckFailure]:
    """A list of rule dicts: each a dict, with known keys and the required ones."""
    value = news.get(key)
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, list):
        return [failure(key, f"{key} must be a list, got {type(value).__name__}")]
    out: list[CheckFailure] = []
    for i, rule in enumerate(value):
        where = f"{key}[{i}]"
        if is_unknown(rule):
            continue
        if not isinstance(rule, dict):
            out.append(failure(where, f"{where} must be a map with {', '.join(allowed)}"))
            continue
        unknown = sorted(set(rule) - set(allowed))
        if unknown:
            out.append(
                failure(where, f"{where} has unknown keys {unknown}; allowed: {', '.join(allowed)}")
            )
        out += [
            failure(f"{where}.{k}", f"{where}.{k} is required")
            for k in required
            if rule.get(k) in (None, "")
        ]
    return out


__all__ = ["ProviderError", "ServiceProvider"]
