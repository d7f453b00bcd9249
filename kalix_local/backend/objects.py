"""Generic Kubernetes-style object verbs; each kind's backend adds its rules and status.

DELETE takes an optional ``DeleteOptions`` body (:func:`delete_preconditions`): when its
``preconditions.uid`` / ``preconditions.resourceVersion`` do not match the live object
the answer is 409 ``Conflict`` (Kubernetes' "Precondition failed: ..." message) and
nothing is deleted; the check runs in the delete's own transaction.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from kalix_local.backend.common import deleted_status, dns_label_error, labels_match, now_iso
from kalix_local.backend.core import Core
from kalix_local.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from kalix_local.store import Record, Tx, encode
from pulumi_kalix.api import (
    API_VERSION,
    DELETE_OPTIONS_API_VERSION,
    DeleteOptions,
    Preconditions,
    WireModel,
    WireValidationError,
    merge_patch,
    strict_validate,
)

Causes = list[tuple[str, str]]
#: What a DeleteOptions ``apiVersion`` may say (the meta group, short or long).
_DELETE_OPTIONS_VERSIONS = (DELETE_OPTIONS_API_VERSION, "meta.k8s.io/v1")


def delete_preconditions(body: Any) -> Preconditions | None:
    """The preconditions of a DELETE's optional ``DeleteOptions`` body (None: no body, or
    none given). A malformed body is a 400 naming each bad field: an unknown field is
    refused rather than ignored, since a misspelled ``preconditions`` would otherwise
    turn a guarded delete into an unguarded one."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object DeleteOptions")
    causes: Causes = []
    try:
        options = strict_validate(DeleteOptions, body)
    except WireValidationError as exc:
        causes = [(c.field, c.message) for c in exc.causes]
        options = None
    if options is not None:
        if options.kind not in (None, "DeleteOptions"):
            causes.append(("kind", "must be DeleteOptions"))
        if options.api_version not in (None, *_DELETE_OPTIONS_VERSIONS):
            causes.append(("apiVersion", f"must be one of {', '.join(_DELETE_OPTIONS_VERSIONS)}"))
        if options.dry_run:
            # Deleting anyway would be the worst answer to a dry run.
            causes.append(("dryRun", "is not supported by kalix-local"))
    if causes:
        detail = "; ".join(f"{f}: {m}" for f, m in causes)
        raise BadRequest(f"invalid DeleteOptions: {detail}", causes=causes)
    assert options is not None
    return options.preconditions


class ObjectBackend:
    """create/get/list/replace/patch/delete for one kind, in one transaction each."""

    kind = ""
    plural = ""
    model: type[WireModel] = WireModel
    #: Per kind: every published kind is v1alpha1 but kalixobservabilities (v1beta1).
    api_version = API_VERSION

    def __init__(self, core: Core) -> None:
        self.core = core
        # Every save stores the object as a get shows it (lists and gets read that).
        core.store.renderers[self.kind] = self.render

    # -- hooks for the kinds ----------------------------------------------------------

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        """Rules beyond the wire model's shape (raw, possibly malformed spec)."""
        return []

    def split_spec(
        self, spec: dict[str, Any], old: Record | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The spec to store and show, and what goes to ``internal`` (write-only data)."""
        return spec, {}

    def on_spec_change(self, tx: Tx, rec: Record, old: Record | None) -> None:
        """Set status, internal state and ``due_at`` after a create or spec change."""

    def after_write(self, tx: Tx, rec: Record, event: str) -> None:
        """Side effects on other objects (e.g. routes rechecked when a service appears)."""

    def render_spec(self, rec: Record) -> dict[str, Any]:
        spec: dict[str, Any] = rec.body.get("spec", {})
        return spec

    def render_status(self, rec: Record) -> dict[str, Any] | None:
        status: dict[str, Any] | None = rec.body.get("status")
        return status

    # -- rendering --------------------------------------------------------------------

    def render(self, rec: Record) -> dict[str, Any]:
        user_meta = rec.body.get("metadata", {})
        meta: dict[str, Any] = {
            "name": rec.name,
            "namespace": rec.project,
            "uid": rec.uid,
            "resourceVersion": str(rec.rv),
            "generation": rec.generation,
            "creationTimestamp": rec.created,
        }
        for key in ("labels", "annotations", "deletionTimestamp"):
            if user_meta.get(key) is not None:
                meta[key] = user_meta[key]
        obj: dict[str, Any] = {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "metadata": meta,
            "spec": self.render_spec(rec),
        }
        status = self.render_status(rec)
        if status is not None:
            obj["status"] = status
        return obj

    def not_found(self, name: str) -> NotFound:
        return NotFound(f'{self.plural} "{name}" not found', name=name, kind=self.plural)

    # -- validation -------------------------------------------------------------------

    def validate(
        self, tx: Tx, project: str, body: Any, url_name: str | None
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Check a request body; return (name, metadata, spec) or raise Invalid naming
        every bad field."""
        if not isinstance(body, dict):
            raise BadRequest(f"the request body must be a JSON object {self.kind}")
        body = {k: v for k, v in body.items() if k != "status"}  # server-owned, ignored
        causes: Causes = []
        try:
            strict_validate(self.model, body)
        except WireValidationError as exc:
            causes.extend((c.field, c.message) for c in exc.causes)
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        name = meta.get("name")
        if "metadata" in body:
            error = dns_label_error(name) if name is not None else None
            if error:
                causes.append(("metadata.name", error))
            elif url_name is not None and name is not None and name != url_name:
                causes.append(("metadata.name", f'must match the name in the URL ("{url_name}")'))
        if body.get("apiVersion") not in (None, self.api_version):
            causes.append(("apiVersion", f"must be {self.api_version}"))
        namespace = meta.get("namespace")
        if namespace is not None and namespace != project:
            causes.append(
                ("metadata.namespace", f'must match the project in the URL ("{project}")')
            )
        spec = body.get("spec")
        if isinstance(spec, dict):
            causes.extend(self.spec_causes(tx, project, spec))
        if causes:
            unique = list(dict.fromkeys(causes))
            shown = name if isinstance(name, str) else (url_name or "")
            raise Invalid(self.kind, shown, unique)
        assert isinstance(name, str) and isinstance(spec, dict)
        return name, meta, spec

    # -- verbs ------------------------------------------------------------------------

    def list(
        self, project: str, labels: dict[str, str], include_deleted: bool = False
    ) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            records = tx.list_objects(project, self.kind, include_deleted, internal=False)
            rv = tx.current_rv()
        items = [
            self.render(r)
            for r in records
            if labels_match(r.body.get("metadata", {}).get("labels"), labels)
        ]
        return {
            "apiVersion": self.api_version,
            "kind": f"{self.kind}List",
            "metadata": {"resourceVersion": str(rv)},
            "items": items,
        }

    def list_body(
        self,
        project: str,
        labels: dict[str, str],
        include_deleted: bool = False,
        name: str | None = None,
    ) -> bytes:
        """The list's JSON body as :meth:`list` shows it (``name``: only that object),
        joined from the stored published texts: no object is decoded or rendered."""
        with self.core.store.tx() as tx:
            rows = tx.published_objects(
                project, self.kind, include_deleted=include_deleted, name=name, labels=bool(labels)
            )
            rv = tx.current_rv()
        items = [text for text, have in rows if not labels or labels_match(have, labels)]
        head = encode(
            {
                "apiVersion": self.api_version,
                "kind": f"{self.kind}List",
                "metadata": {"resourceVersion": str(rv)},
            }
        )
        return f'{head[:-1]},"items":[{",".join(items)}]}}'.encode()

    def get_body(self, project: str, name: str) -> bytes:
        """What :meth:`get` answers, as its stored JSON text."""
        with self.core.store.tx() as tx:
            text = tx.published_object(project, self.kind, name)
        if text is None:
            raise self.not_found(name)
        return text.encode()

    def get(self, project: str, name: str) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            rec = tx.get_object(project, self.kind, name)
        if rec is None or rec.deleted_at is not None:
            raise self.not_found(name)
        return self.render(rec)

    def create(self, project: str, body: Any) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            name, meta, spec = self.validate(tx, project, body, None)
            old = tx.get_object(project, self.kind, name)
            if old is not None and old.deleted_at is None:
                raise AlreadyExists(
                    f'{self.plural} "{name}" already exists', name=name, kind=self.plural
                )
            # A soft-deleted object's name is free: the new object replaces its tombstone.
            stored_spec, internal = self.split_spec(spec, None)
            rec = Record(
                project=project,
                kind=self.kind,
                name=name,
                uid=str(uuid.uuid4()),
                rv=tx.next_rv(),
                generation=1,
                created=now_iso(),
                deleted_at=None,
                body={"metadata": _user_meta(meta), "spec": stored_spec},
                internal=internal,
            )
            self.on_spec_change(tx, rec, None)
            return self._write(tx, rec, "ADDED")

    def replace(self, project: str, name: str, body: Any) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            old = self._live(tx, project, name)
            _, meta, spec = self.validate(tx, project, body, name)
            version = meta.get("resourceVersion")
            if version is None:
                raise Invalid(
                    self.kind,
                    name,
                    [("metadata.resourceVersion", "must be specified for an update")],
                )
            self._check_version(old, version)
            return self._update(tx, old, meta, spec)

    def patch(self, project: str, name: str, patch: Any) -> dict[str, Any]:
        if not isinstance(patch, dict):
            raise BadRequest("a merge patch must be a JSON object")
        with self.core.store.tx() as tx:
            old = self._live(tx, project, name)
            version = (
                (patch.get("metadata") or {}).get("resourceVersion")
                if isinstance(patch.get("metadata"), dict)
                else None
            )
            if version is not None:
                self._check_version(old, version)
            current = self.patch_base(old)
            merged = merge_patch(current, patch)
            _, meta, spec = self.validate(tx, project, merged, name)
            return self._update(tx, old, meta, spec)

    def patch_base(self, rec: Record) -> dict[str, Any]:
        """The object a merge patch applies to (without status)."""
        obj = self.render(rec)
        obj.pop("status", None)
        return obj

    def delete(self, project: str, name: str, options: Any = None) -> dict[str, Any]:
        """Remove the object; answers a ``Status`` (watchers get the object itself).
        ``options`` is the raw ``DeleteOptions`` body, if any."""
        preconditions = delete_preconditions(options)
        with self.core.store.tx() as tx:
            rec = self._live(tx, project, name)
            self.check_preconditions(rec, preconditions)
            tx.delete_object(project, self.kind, name)
            rec.rv = tx.next_rv()
            tx.add_event(rec.rv, project, self.kind, name, "DELETED", self.render(rec))
            self.after_write(tx, rec, "DELETED")
            return self.deleted(rec)

    def deleted(self, rec: Record) -> dict[str, Any]:
        return deleted_status(rec.name, self.plural, rec.uid)

    # -- internals --------------------------------------------------------------------

    def _live(self, tx: Tx, project: str, name: str) -> Record:
        rec = tx.get_object(project, self.kind, name)
        if rec is None or rec.deleted_at is not None:
            raise self.not_found(name)
        return rec

    def check_preconditions(self, rec: Record, preconditions: Preconditions | None) -> None:
        """409 unless the object is the one the preconditions name (uid first, as the
        Kubernetes API server checks them; a field left out is not checked)."""
        if preconditions is None:
            return
        failed: str | None = None
        if preconditions.uid is not None and preconditions.uid != rec.uid:
            failed = f"UID in precondition: {preconditions.uid}, UID in object meta: {rec.uid}"
        elif preconditions.resource_version is not None and preconditions.resource_version != str(
            rec.rv
        ):
            failed = (
                f"ResourceVersion in precondition: {preconditions.resource_version}, "
                f"ResourceVersion in object meta: {rec.rv}"
            )
        if failed is not None:
            raise Conflict(
                f'Operation cannot be fulfilled on {self.plural} "{rec.name}": '
                f"Precondition failed: {failed}",
                name=rec.name,
                kind=self.plural,
            )

    def _check_version(self, rec: Record, version: Any) -> None:
        if str(version) != str(rec.rv):
            raise Conflict(
                f'Operation cannot be fulfilled on {self.plural} "{rec.name}": the object has '
                "been modified; please apply your changes to the latest version and try again",
                name=rec.name,
                kind=self.plural,
            )

    def spec_state(self, rec: Record) -> Any:
        """What counts as the spec for generation bumps."""
        return rec.body.get("spec")

    def _update(
        self, tx: Tx, old: Record, meta: dict[str, Any], spec: dict[str, Any]
    ) -> dict[str, Any]:
        stored_spec, internal = self.split_spec(spec, old)
        rec = copy.deepcopy(old)
        rec.body["metadata"] = _user_meta(meta)
        rec.body["spec"] = stored_spec
        rec.internal.update(internal)
        spec_changed = self.spec_state(rec) != self.spec_state(old)
        if not spec_changed and rec.body["metadata"] == old.body.get("metadata", {}):
            return self.render(old)  # a no-op update keeps the resourceVersion
        rec.rv = tx.next_rv()
        if spec_changed:
            rec.generation += 1
            self.on_spec_change(tx, rec, old)
        return self._write(tx, rec, "MODIFIED")

    def _write(self, tx: Tx, rec: Record, event: str) -> dict[str, Any]:
        shown = tx.save_object(rec)
        obj, text = shown if shown is not None else (self.render(rec), None)
        tx.add_event(rec.rv, rec.project, self.kind, rec.name, event, obj, text)
        self.after_write(tx, rec, event)
        return obj

    def save_status(self, tx: Tx, rec: Record, status: dict[str, Any]) -> bool:
        """Store a new status computed in the background; emits MODIFIED if it changed."""
        if rec.body.get("status") == status:
            tx.save_object(rec)  # due_at / internal may still have moved
            return False
        rec.body["status"] = status
        rec.rv = tx.next_rv()
        self._write(tx, rec, "MODIFIED")
        return True


def _user_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("labels", "annotations"):
        if meta.get(key):
            out[key] = dict(meta[key])
    return out
