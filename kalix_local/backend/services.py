"""Services: validation, soft delete and restore, and the rolling-update state machine.

Instances are simulated. ``internal.instances`` lists the template revision each ready
instance runs; the rollout ticker calls :meth:`ServiceBackend.advance` once per
``rolloutStepSeconds`` and each call moves one instance (surge: a new instance becomes
ready before an old one goes, so ready instances never drop below the target).
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
from typing import Any

from kalix_local.backend.common import condition, now_iso
from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.errors import NotFound
from kalix_local.store import Record, Tx
from pulumi_kalix.api import MAX_INSTANCES, MIN_INSTANCES, KalixService

DEFAULT_MIN_INSTANCES = 1  # the platform's default is 3; 1 keeps local rollouts short
DEFAULT_MAX_INSTANCES = 10
#: Spec fields that do not change what an instance runs (no rolling replacement).
_NON_TEMPLATE_FIELDS = ("paused", "softDeleted")


def _autoscaling(spec: dict[str, Any]) -> dict[str, Any]:
    resources = spec.get("resources")
    scaling = resources.get("autoscaling") if isinstance(resources, dict) else None
    return scaling if isinstance(scaling, dict) else {}


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
        if in_bounds and low > high:  # out-of-bounds values already have their own cause
            causes.append(
                (
                    "spec.resources.autoscaling.minInstances",
                    f"must be less than or equal to maxInstances ({high}), got {low}",
                )
            )
        containers = spec.get("containers")
        for ci, container in enumerate(containers if isinstance(containers, list) else []):
            env = container.get("env") if isinstance(container, dict) else None
            seen: set[str] = set()
            for ei, var in enumerate(env if isinstance(env, list) else []):
                if not isinstance(var, dict):
                    continue
                path = f"spec.containers[{ci}].env[{ei}]"
                name = var.get("name")
                if isinstance(name, str):
                    if name in seen:
                        causes.append((f"{path}.name", f'duplicate environment variable "{name}"'))
                    seen.add(name)
                if ("value" in var) == ("valueFrom" in var):
                    causes.append((path, "exactly one of value and valueFrom must be set"))
        return causes

    # -- create / update / delete ------------------------------------------------------

    def on_spec_change(self, tx: Tx, rec: Record, old: Record | None) -> None:
        spec = rec.body["spec"]
        state = rec.internal
        template = _template_hash(spec)
        if old is None:
            state.update({"revision": 1, "template": template, "instances": []})
        elif template != state.get("template"):
            state["revision"] = int(state.get("revision", 1)) + 1
            state["template"] = template
        state.pop("failure", None)
        if spec.get("paused"):
            # Pausing scales to zero at once; nothing left to roll.
            state["instances"] = []
            rec.due_at = None
        else:
            rec.due_at = self.core.clock() + self.core.rollout_step
            self.core.wake_rollouts()
        rec.body["status"] = self.status(rec)

    def after_write(self, tx: Tx, rec: Record, event: str) -> None:
        if event in ("ADDED", "DELETED"):
            # Routes report services they point at that do not exist: look again.
            tx.mark_due("KalixRoute", self.core.clock(), rec.project)
            self.core.wake_routes()

    def delete(self, project: str, name: str, hard: bool = False) -> dict[str, Any]:
        if hard:
            with self.core.store.tx() as tx:
                rec = tx.get_object(project, self.kind, name)
                if rec is None:
                    raise self.not_found(name)
                tx.delete_object(project, self.kind, name)
                rec.rv = tx.next_rv()
                obj = self.render(rec)
                if rec.deleted_at is None:
                    tx.add_event(rec.rv, project, self.kind, name, "DELETED", obj)
                    self.after_write(tx, rec, "DELETED")
                return obj
        with self.core.store.tx() as tx:
            rec = self._live(tx, project, name)
            stamp = now_iso()
            rec.deleted_at = stamp
            rec.body["metadata"]["deletionTimestamp"] = stamp
            rec.body["spec"]["softDeleted"] = stamp
            rec.generation += 1
            rec.internal["instances"] = []
            rec.due_at = None
            rec.rv = tx.next_rv()
            tx.save_object(rec)
            obj = self.render(rec)
            tx.add_event(rec.rv, project, self.kind, name, "DELETED", obj)
            self.after_write(tx, rec, "DELETED")
            return obj

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
            rec.body["metadata"].pop("deletionTimestamp", None)
            rec.body["spec"].pop("softDeleted", None)
            rec.generation += 1
            rec.rv = tx.next_rv()
            self.on_spec_change(tx, rec, old)
            return self._write(tx, rec, "ADDED")

    # -- the rollout -------------------------------------------------------------------

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

    def advance(self, tx: Tx, rec: Record) -> bool:
        """One rollout step for a due service; returns True if its status changed."""
        spec = rec.body["spec"]
        state = rec.internal
        revision = int(state.get("revision", 1))
        instances: list[int] = list(state.get("instances", []))
        target = target_instances(spec)
        current = [i for i in instances if i == revision]
        old = [i for i in instances if i != revision]
        failure = self.failure(tx, rec) if len(current) < target else None
        if failure is not None:
            # New instances never become ready; old ones keep serving. Look again next
            # step in case the image setting or the secret changes.
            state["failure"] = failure
        else:
            state.pop("failure", None)
            if len(current) < target:
                instances = [*old, *current, revision]
                if len(instances) > target and old:
                    instances.remove(old[0])
            elif old:
                instances.remove(old[0])
            elif len(current) > target:
                instances.pop()
        state["instances"] = instances
        done = failure is None and instances == [revision] * target
        rec.due_at = None if done else self.core.clock() + self.core.rollout_step
        return self.save_status(tx, rec, self.status(rec))

    def status(self, rec: Record) -> dict[str, Any]:
        spec = rec.body["spec"]
        state = rec.internal
        generation = rec.generation
        previous = (rec.body.get("status") or {}).get("conditions")
        observed = int((rec.body.get("status") or {}).get("observedGeneration") or 0)
        now = now_iso()
        revision = int(state.get("revision", 1))
        instances: list[int] = list(state.get("instances", []))
        target = target_instances(spec)
        updated = sum(1 for i in instances if i == revision)
        ready = len(instances)
        failure = state.get("failure")

        def cond(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
            return condition(type_, status, reason, message, now, previous, generation)

        if spec.get("paused"):
            summary, observed = "Paused", generation
            conditions = [
                cond("Ready", "False", "Paused", "Service is paused (0 instances)"),
                cond("Progressing", "True", "RolloutComplete", "Service is paused"),
            ]
        elif failure is not None:
            # The controller has looked at this generation and given up on it.
            summary, observed = ("PartiallyReady" if ready else "Unavailable"), generation
            conditions = [
                cond("Ready", "False", failure["reason"], failure["message"]),
                cond("Progressing", "False", "RolloutFailed", failure["message"]),
            ]
        elif rec.due_at is None and instances == [revision] * target:
            summary, observed = "Ready", generation
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
        status: dict[str, Any] = {"summary": summary, "replicas": ready}
        if observed:
            status["observedGeneration"] = observed
        status["conditions"] = conditions
        return status
