"""Services: validation, soft delete and restore, and the rolling-update state machine.

Instances are simulated. ``internal.instances`` lists the template revision each ready
instance runs. After a spec write the controller reacts once ``statusLagSeconds`` have
passed (the status is untouched until then, as on a real control plane); from then the
rollout ticker calls :meth:`ServiceBackend.advance` once per ``rolloutStepSeconds`` and
each call moves one instance (surge: a new instance becomes ready before an old one
goes, so ready instances never drop below the target).

The status fields that echo the spec (``mappedImage``, ``resolvedInstanceType``,
``runtimeMode``, ``lastAppliedRestartTime``) describe what runs: they change when the
rollout of a new revision has finished (``internal.applied``), not when it is written.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from kalix_local.backend.common import condition, dns_label_error, now_iso
from kalix_local.backend.objects import Causes, ObjectBackend, delete_preconditions
from kalix_local.errors import NotFound
from kalix_local.store import Record, Tx
from pulumi_kalix.api import DEFAULT_INSTANCE_TYPE, MAX_INSTANCES, MIN_INSTANCES, KalixService

log = logging.getLogger(__name__)

DEFAULT_MIN_INSTANCES = 1  # the platform's default is 3; 1 keeps local rollouts short
DEFAULT_MAX_INSTANCES = 10
#: The runtime mode a spec without ``resources.runtime.mode`` gets. Not documented: the
#: field arrived as an opt-in ("Optional for now") for the embedded runtime, so absent
#: is taken to mean the legacy sidecar runtime (kalix-local's assumption).
DEFAULT_RUNTIME_MODE = "sidecar"
#: Spec fields that do not change what an instance runs (no rolling replacement).
_NON_TEMPLATE_FIELDS = ("paused", "softDeleted", "replicas", "resourceSync")
#: OAS ``telemetry.resourceAttributes``: keys with these prefixes are rejected.
_RESERVED_ATTRIBUTE_PREFIXES = ("service.", "telemetry.", "otel.", "k8s.", "process.")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _autoscaling(spec: dict[str, Any]) -> dict[str, Any]:
    return _dict(_dict(spec.get("resources")).get("autoscaling"))


def target_instances(spec: dict[str, Any]) -> int:
    if spec.get("paused"):
        return 0
    value = _autoscaling(spec).get("minInstances")
    return value if isinstance(value, int) else DEFAULT_MIN_INSTANCES


def _template_hash(spec: dict[str, Any]) -> str:
    template = copy.deepcopy({k: v for k, v in spec.items() if k not in _NON_TEMPLATE_FIELDS})
    resources = template.get("resources")
    if isinstance(resources, dict):
        resources.pop("autoscaling", None)  # scaling alone is not a new revision
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()


def canonical_instance_type(value: Any) -> str:
    """OAS ``resolvedInstanceType``: ``g<N>.<shape>.<size>`` "regardless of which form was
    supplied", the platform default ``g1.general.small`` when none was. The older forms
    (``small``, ``<shape>.<size>``) are taken to be generation 1 (our assumption)."""
    if not isinstance(value, str) or not value:
        return DEFAULT_INSTANCE_TYPE
    if value == "small":
        return DEFAULT_INSTANCE_TYPE
    return value if value.startswith("g") else f"g1.{value}"


def _echo(spec: dict[str, Any]) -> dict[str, Any]:
    """The status fields that describe a fully rolled-out spec."""
    containers = _list(spec.get("containers"))
    resources = _dict(spec.get("resources"))
    echo = {
        # One image per service here; a region's image mapping would change it.
        "mappedImage": _dict(containers[0] if containers else None).get("image"),
        "resolvedInstanceType": canonical_instance_type(resources.get("instanceType")),
        "runtimeMode": _dict(resources.get("runtime")).get("mode") or DEFAULT_RUNTIME_MODE,
        "lastAppliedRestartTime": spec.get("restartRequested"),
    }
    return {k: v for k, v in echo.items() if v is not None}


def _container_causes(spec: dict[str, Any]) -> Causes:
    causes: Causes = []
    names: set[str] = set()
    for ci, container in enumerate(_list(spec.get("containers"))):
        if not isinstance(container, dict):
            continue
        path = f"spec.containers[{ci}]"
        # OAS ServiceSpecContainer: name is required, "specified as a DNS_LABEL", and
        # "each container in a pod must have a unique name".
        name = container.get("name")
        if "name" not in container:
            causes.append((f"{path}.name", "is required"))
        elif isinstance(name, str):
            error = dns_label_error(name)
            if error:
                causes.append((f"{path}.name", error))
            elif name in names:
                causes.append((f"{path}.name", f'duplicate container name "{name}"'))
            names.add(name)
        seen: set[str] = set()
        for ei, var in enumerate(_list(container.get("env"))):
            if not isinstance(var, dict):
                continue
            where = f"{path}.env[{ei}]"
            env_name = var.get("name")
            if isinstance(env_name, str):
                if env_name in seen:
                    causes.append((f"{where}.name", f'duplicate environment variable "{env_name}"'))
                seen.add(env_name)
            # OAS valueFrom "cannot be used if value is not empty"; the descriptor reference:
            # exactly one of them.
            if ("value" in var) == ("valueFrom" in var):
                causes.append((where, "exactly one of value and valueFrom must be set"))
        for mi, mount in enumerate(_list(container.get("volumeMounts"))):
            items = _list(_dict(_dict(mount).get("secret")).get("items"))
            for ii, item in enumerate(items):
                item_path = _dict(item).get("path")
                if not isinstance(item_path, str):
                    continue
                # OAS SecretItem.path: "May not be an absolute path. May not contain the
                # path element '..'. May not start with the string '..'."
                parts = item_path.split("/")
                if item_path.startswith(("/", "..")) or ".." in parts:
                    causes.append(
                        (
                            f"{path}.volumeMounts[{mi}].secret.items[{ii}].path",
                            "must be a relative path without '..'",
                        )
                    )
    return causes


def _jwt_causes(spec: dict[str, Any]) -> Causes:
    causes: Causes = []
    for i, key_set in enumerate(_list(_dict(spec.get("jwt")).get("keySets"))):
        if not isinstance(key_set, dict):
            continue
        path = f"spec.jwt.keySets[{i}]"
        # OAS ServiceSpecJwtKeySet (jwksUrl, useOidcDiscovery: "Incompatible with ...") and
        # the Akka service descriptor reference: exactly one source per key set.
        sources = [k for k in ("secret", "externalSecret", "jwksUrl") if key_set.get(k) is not None]
        if key_set.get("useOidcDiscovery") is True:
            sources.append("useOidcDiscovery")
            if not key_set.get("issuer"):
                causes.append((f"{path}.issuer", "is required with useOidcDiscovery"))
        if len(sources) != 1:
            causes.append(
                (
                    path,
                    "exactly one of secret, externalSecret, jwksUrl and useOidcDiscovery "
                    f"must be set (got {', '.join(sources) or 'none'})",
                )
            )
    return causes


def _telemetry_causes(spec: dict[str, Any]) -> Causes:
    causes: Causes = []
    labels, annotations = _dict(spec.get("labels")), _dict(spec.get("annotations"))
    attributes = _list(_dict(spec.get("telemetry")).get("resourceAttributes"))
    for i, key in enumerate(attributes):
        if not isinstance(key, str):
            continue
        path = f"spec.telemetry.resourceAttributes[{i}]"
        # OAS ServiceSpecTelemetry.resourceAttributes: in exactly one of spec.labels and
        # spec.annotations, and no reserved OpenTelemetry prefix.
        if key.startswith(_RESERVED_ATTRIBUTE_PREFIXES):
            causes.append((path, f'"{key}" uses a reserved OpenTelemetry prefix'))
        elif (key in labels) == (key in annotations):
            where = "both" if key in labels else "neither"
            causes.append(
                (
                    path,
                    f'"{key}" must be a key of exactly one of spec.labels and '
                    f"spec.annotations (it is in {where})",
                )
            )
    return causes


class ServiceBackend(ObjectBackend):
    kind = "KalixService"
    plural = "kalixservices"
    model = KalixService

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        causes: Causes = []
        scaling = _autoscaling(spec)
        low, high = scaling.get("minInstances"), scaling.get("maxInstances", DEFAULT_MAX_INSTANCES)
        in_bounds = all(
            isinstance(v, int) and MIN_INSTANCES <= v <= MAX_INSTANCES for v in (low, high)
        )
        # The service descriptor reference: min <= max (out-of-bounds values already have
        # their own cause).
        if in_bounds and low > high:
            causes.append(
                (
                    "spec.resources.autoscaling.minInstances",
                    f"must be less than or equal to maxInstances ({high}), got {low}",
                )
            )
        return causes + _container_causes(spec) + _jwt_causes(spec) + _telemetry_causes(spec)

    # -- create / update / delete ------------------------------------------------------

    def on_spec_change(self, tx: Tx, rec: Record, old: Record | None) -> None:
        """Record the new revision; the controller reacts after the status lag (at once,
        inside this write, when the lag is 0)."""
        spec = rec.body["spec"]
        state = rec.internal
        template = _template_hash(spec)
        if old is None:
            state.update({"revision": 1, "template": template, "instances": []})
        elif template != state.get("template"):
            state["revision"] = int(state.get("revision", 1)) + 1
            state["template"] = template
        state.pop("failure", None)
        state["pending"] = True
        lag = self.core.status_lag
        if lag > 0:
            rec.due_at = self.core.clock() + lag
            self.core.wake_rollouts()
        else:
            rec.body["status"] = self.react(rec)

    def after_write(self, tx: Tx, rec: Record, event: str) -> None:
        if event in ("ADDED", "DELETED"):
            # Routes report services they point at that do not exist: look again.
            tx.mark_due("KalixRoute", self.core.clock(), rec.project)
            self.core.wake_routes()

    def delete(
        self, project: str, name: str, options: Any = None, *, hard: bool = False
    ) -> dict[str, Any]:
        """Soft delete (restorable), or with ``hard`` remove the service, soft-deleted
        or not. ``options``' preconditions are checked against what is stored: for a
        hard delete of a soft-deleted service, its tombstone (whose resourceVersion the
        soft delete moved)."""
        preconditions = delete_preconditions(options)
        if hard:
            with self.core.store.tx() as tx:
                rec = tx.get_object(project, self.kind, name)
                if rec is None:
                    raise self.not_found(name)
                self.check_preconditions(rec, preconditions)
                tx.delete_object(project, self.kind, name)
                rec.rv = tx.next_rv()
                if rec.deleted_at is None:
                    tx.add_event(rec.rv, project, self.kind, name, "DELETED", self.render(rec))
                    self.after_write(tx, rec, "DELETED")
                return self.deleted(rec)
        with self.core.store.tx() as tx:
            rec = self._live(tx, project, name)
            self.check_preconditions(rec, preconditions)
            stamp = now_iso()
            rec.deleted_at = stamp
            rec.body["metadata"]["deletionTimestamp"] = stamp
            rec.body["spec"]["softDeleted"] = stamp
            rec.generation += 1
            rec.internal["instances"] = []
            rec.internal.pop("pending", None)
            # The rollout ticker comes back for the tombstone when its retention is over.
            rec.due_at = self.purge_at(stamp)
            rec.rv = tx.next_rv()
            tx.save_object(rec)
            self.core.wake_rollouts()
            tx.add_event(rec.rv, project, self.kind, name, "DELETED", self.render(rec))
            self.after_write(tx, rec, "DELETED")
            return self.deleted(rec)

    def restore(self, project: str, name: str) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            old = tx.get_object(project, self.kind, name)
            if old is None or old.deleted_at is None:
                raise NotFound(
                    f'{self.plural} "{name}" not found among deleted services',
                    name=name,
                    kind=self.plural,
                )
            rec = copy.deepcopy(old)
            rec.deleted_at = None
            rec.due_at = None  # no longer the purge time; on_spec_change schedules anew
            rec.body["metadata"].pop("deletionTimestamp", None)
            rec.body["spec"].pop("softDeleted", None)
            rec.generation += 1
            rec.rv = tx.next_rv()
            self.on_spec_change(tx, rec, old)
            return self._write(tx, rec, "ADDED")

    # -- the purge of soft-deleted services ------------------------------------------

    def purge_at(self, deleted_at: str) -> float:
        """When a tombstone deleted at ``deleted_at`` (RFC 3339) is purged (clock time)."""
        deleted = datetime.fromisoformat(deleted_at.replace("Z", "+00:00")).timestamp()
        return deleted + self.core.settings.soft_delete_retention_seconds

    def schedule_purges(self) -> int:
        """At start: (re)schedule every tombstone's purge for the retention in force now
        (it may differ from the last run's, and older data dirs never scheduled one)."""
        scheduled = 0
        with self.core.store.tx() as tx:
            for project in tx.list_projects():
                for rec in tx.list_objects(project.id, self.kind, include_deleted=True):
                    if rec.deleted_at is not None:
                        rec.due_at = self.purge_at(rec.deleted_at)
                        tx.save_object(rec)
                        scheduled += 1
        if scheduled:
            self.core.wake_rollouts()
        return scheduled

    def purge(self, tx: Tx, rec: Record) -> bool:
        """Remove a tombstone whose retention is over (no event: watchers saw DELETED
        at the soft delete). False if it is not due yet (a new retention moved it)."""
        assert rec.deleted_at is not None
        due = self.purge_at(rec.deleted_at)
        if due > self.core.clock():
            rec.due_at = due
            tx.save_object(rec)
            return False
        tx.delete_object(rec.project, self.kind, rec.name)
        log.info(
            "purged soft-deleted service %s/%s (deleted %s)", rec.project, rec.name, rec.deleted_at
        )
        return True

    # -- the controller ----------------------------------------------------------------

    def failure(self, tx: Tx, rec: Record) -> dict[str, str] | None:
        """Why instances of the current spec cannot start, if they cannot."""
        spec = rec.body["spec"]
        fail_images: dict[str, Any] = self.core.runtime().get("failImages") or {}
        for container in spec.get("containers", []):
            image = str(container.get("image", ""))
            for pattern, outcome in fail_images.items():
                if fnmatch.fnmatchcase(image, pattern):
                    outcome = outcome if isinstance(outcome, dict) else {}
                    message = str(outcome.get("message") or f'Failed to pull image "{image}"')
                    return {
                        "reason": str(outcome.get("reason") or "ImagePullBackOff"),
                        "message": message.replace("{image}", image),
                    }
            for var in container.get("env") or []:
                ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                if not ref or ref.get("optional") is True:
                    continue
                secret = tx.get_object(rec.project, "KalixSecret", ref["name"])
                if secret is None or secret.deleted_at is not None:
                    return {
                        "reason": "SecretNotFound",
                        "message": f'secret "{ref["name"]}" not found',
                    }
                if ref["key"] not in (secret.internal.get("data") or {}):
                    return {
                        "reason": "SecretNotFound",
                        "message": f'secret "{ref["name"]}" has no key "{ref["key"]}"',
                    }
        return None

    def react(self, rec: Record) -> dict[str, Any]:
        """The controller's first look at a new spec: pause takes effect, the rollout of
        the new revision starts. Returns the new status (the caller stores it)."""
        rec.internal.pop("pending", None)
        if rec.body["spec"].get("paused"):
            rec.internal["instances"] = []  # pausing scales to zero at once
        self._settle(rec, failure=None)
        return self.status(rec)

    def advance(self, tx: Tx, rec: Record) -> bool:
        """One controller step for a due service; returns True if its status changed."""
        if rec.deleted_at is not None:  # a tombstone is due only for its purge
            self.purge(tx, rec)
            return False
        if rec.internal.get("pending"):
            return self.save_status(tx, rec, self.react(rec))
        spec = rec.body["spec"]
        state = rec.internal
        revision = int(state.get("revision", 1))
        instances: list[int] = list(state.get("instances", []))
        target = target_instances(spec)
        current = [i for i in instances if i == revision]
        old = [i for i in instances if i != revision]
        failure = self.failure(tx, rec) if len(current) < target else None
        if failure is None:
            if len(current) < target:
                instances = [*old, *current, revision]
                if len(instances) > target and old:
                    instances.remove(old[0])
            elif old:
                instances.remove(old[0])
            elif len(current) > target:
                instances.pop()
        # else: new instances never become ready; old ones keep serving. Look again next
        # step in case the image setting or the secret changes.
        state["instances"] = instances
        self._settle(rec, failure)
        return self.save_status(tx, rec, self.status(rec))

    def _settle(self, rec: Record, failure: dict[str, str] | None) -> None:
        """Schedule the next step, or, when the revision runs everywhere, record it as
        what the status echoes."""
        state = rec.internal
        spec = rec.body["spec"]
        if failure is None:
            state.pop("failure", None)
        else:
            state["failure"] = failure
        revision = int(state.get("revision", 1))
        target = target_instances(spec)
        done = failure is None and state.get("instances", []) == [revision] * target
        if done and target > 0:
            state["applied"] = _echo(spec)
        rec.due_at = None if done else self.core.clock() + self.core.rollout_step
        if not done:
            self.core.wake_rollouts()

    def status(self, rec: Record) -> dict[str, Any]:
        spec = rec.body["spec"]
        state = rec.internal
        previous = (rec.body.get("status") or {}).get("conditions")
        now = now_iso()
        revision = int(state.get("revision", 1))
        instances: list[int] = list(state.get("instances", []))
        target = target_instances(spec)
        updated = sum(1 for i in instances if i == revision)
        ready = len(instances)
        failure = state.get("failure")

        def cond(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
            return condition(type_, status, reason, message, now, previous)

        if spec.get("paused"):
            summary = "Paused"
            conditions = [
                cond("Ready", "False", "Paused", "Service is paused (0 instances)"),
                cond("Progressing", "True", "RolloutComplete", "Service is paused"),
            ]
        elif failure is not None:
            # The controller has looked at this spec and given up on it.
            summary = "PartiallyReady" if ready else "Unavailable"
            conditions = [
                cond("Ready", "False", failure["reason"], failure["message"]),
                cond("Progressing", "False", "RolloutFailed", failure["message"]),
            ]
        elif rec.due_at is None and instances == [revision] * target:
            summary = "Ready"
            conditions = [
                cond("Ready", "True", "AllInstancesReady", f"{ready}/{target} instances ready"),
                cond(
                    "Progressing",
                    "True",
                    "RolloutComplete",
                    f"{updated}/{target} instances updated",
                ),
            ]
        else:
            summary = "UpdateInProgress"
            progress = (
                f"{updated}/{target} instances updated"
                if updated <= target
                else f"scaling down from {ready} to {target} instances"
            )
            conditions = [
                cond("Ready", "False", "UpdateInProgress", f"{ready}/{target} instances ready"),
                cond("Progressing", "True", "NewInstancesRolling", progress),
            ]
        status: dict[str, Any] = {"summary": summary, "replicas": ready, "conditions": conditions}
        status.update(state.get("applied") or {})
        return status
