"""Routes: validation against the project's hostnames and secrets, and DNS status.

After a spec change the status is untouched for ``statusLagSeconds`` (at once when the
lag is 0); then the controller sets ``Validating`` and the route checker (rollout.py)
computes the real status with ``route_status`` and the configured resolver, then every
``dnsRecheckSeconds``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kalix_local.backend.objects import Causes, ObjectBackend
from kalix_local.route_status import HostInfo, compute_route_status, validating_status
from kalix_local.store import Record, Tx
from pulumi_kalix.api import KalixRoute

#: What each TLS reference must point at.
_TLS_SECRET_TYPES = {"clientValidationCa": "tls-ca", "serverCertificate": "tls"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class RouteBackend(ObjectBackend):
    kind = "KalixRoute"
    plural = "kalixroutes"
    model = KalixRoute

    def spec_causes(self, tx: Tx, project: str, spec: dict[str, Any]) -> Causes:
        causes: Causes = []
        host = spec.get("host")
        if isinstance(host, str):
            found = tx.get_hostname(host)
            if found is None or found[0] != project:
                causes.append(("spec.host", f'"{host}" is not a hostname of project "{project}"'))
        rules = spec.get("routes")
        prefixes: set[str] = set()
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            prefix = _dict(rule).get("prefix", "/")
            if not isinstance(prefix, str):
                continue
            if not prefix.startswith("/"):
                causes.append((f"spec.routes[{i}].prefix", "must start with '/'"))
            elif prefix in prefixes:
                causes.append((f"spec.routes[{i}].prefix", f'duplicate prefix "{prefix}"'))
            prefixes.add(prefix)
        tls = _dict(spec.get("tls"))
        for field, wanted in _TLS_SECRET_TYPES.items():
            ref = _dict(tls.get(field)).get("name")
            if not isinstance(ref, str):
                continue
            secret = tx.get_object(project, "KalixSecret", ref)
            path = f"spec.tls.{field}.name"
            if secret is None or secret.deleted_at is not None:
                causes.append((path, f'secret "{ref}" not found'))
            elif secret.body["spec"].get("type") != wanted:
                actual = secret.body["spec"].get("type")
                causes.append((path, f'secret "{ref}" is of type {actual}, must be {wanted}'))
        validation = _dict(spec.get("validation"))
        if validation.get("clientCertificate") is not None and not tls.get("clientValidationCa"):
            causes.append(
                (
                    "spec.validation.clientCertificate",
                    "requires spec.tls.clientValidationCa (a tls-ca secret)",
                )
            )
        matchers = _dict(validation.get("clientCertificate")).get("subjectMatches")
        for i, matcher in enumerate(matchers if isinstance(matchers, list) else []):
            # OAS SubjectMatch: "must have one and only one of the possible matches".
            if (
                isinstance(matcher, dict)
                and len([v for v in matcher.values() if v is not None]) != 1
            ):
                causes.append(
                    (
                        f"spec.validation.clientCertificate.subjectMatches[{i}]",
                        "exactly one of exact, hasPrefix, hasSuffix and regex must be set",
                    )
                )
        # CORS methods: any HTTP token (the model checks it; OAS publishes no enum).
        return causes

    def on_spec_change(self, tx: Tx, rec: Record, old: Record | None) -> None:
        lag = self.core.status_lag
        now = self.core.clock()
        if lag > 0:
            # The controller reacts after the lag (``reactAt`` keeps it when a service
            # write schedules every route of the project for a look).
            rec.internal.update({"pending": True, "reactAt": now + lag})
            rec.due_at = now + lag
        else:
            rec.body["status"] = self.react(rec)
            rec.due_at = now
        self.core.wake_routes()

    def react(self, rec: Record) -> dict[str, Any]:
        """The controller's first look at a new spec: it validates it (DNS comes next)."""
        rec.internal.pop("pending", None)
        rec.internal.pop("reactAt", None)
        previous = (rec.body.get("status") or {}).get("conditions")
        return validating_status(
            rec.body["spec"].get("host", ""), datetime.now(UTC), previous, rec.generation
        )

    def check_inputs(self, tx: Tx, rec: Record) -> tuple[HostInfo | None, list[str]]:
        """What a DNS check needs, read inside a transaction (the lookup runs outside)."""
        spec = rec.body["spec"]
        host = spec.get("host", "")
        found = tx.get_hostname(host)
        info = None
        if found is not None and found[0] == rec.project:
            body = found[1]
            info = HostInfo(
                name=host,
                generated=bool(body.get("isGenerated")),
                cname_target=self.core.settings.ingress_cname,
            )
        missing: list[str] = []
        for rule in spec.get("routes", []):
            service = rule["route"]["service"]
            svc = tx.get_object(rec.project, "KalixService", service)
            if svc is None or svc.deleted_at is not None:
                missing.append(service)
        return info, missing

    def compute(self, rec: Record, host: HostInfo | None, missing: list[str]) -> dict[str, Any]:
        """The route's status; may block on DNS, so never call it inside a transaction."""
        previous = (rec.body.get("status") or {}).get("conditions")
        return compute_route_status(
            host,
            missing,
            self.core.resolver,
            datetime.now(UTC),
            previous,
            rec.generation,
            route_host=rec.body["spec"].get("host", ""),
        )

    def check(self, records: list[Record]) -> int:
        """Check ``records`` (DNS outside the store lock) and store each new status unless
        the route changed meanwhile. Returns how many statuses changed."""
        inputs = []
        changed = 0
        with self.core.store.tx() as tx:
            now = self.core.clock()
            for rec in records:
                looked_at = rec
                if rec.internal.get("pending"):
                    current = tx.get_object(rec.project, self.kind, rec.name)
                    if current is None or current.rv != rec.rv or current.uid != rec.uid:
                        continue  # changed meanwhile: it has been scheduled again
                    react_at = float(current.internal.get("reactAt") or 0)
                    if react_at > now:  # scheduled early by another write: not yet
                        current.due_at = react_at
                        tx.save_object(current)
                        continue
                    current.due_at = now
                    changed += self.save_status(tx, current, self.react(current))
                    looked_at = current  # DNS is checked for the version just written
                inputs.append((looked_at, *self.check_inputs(tx, looked_at)))
        results = [(rec, self.compute(rec, host, missing)) for rec, host, missing in inputs]
        with self.core.store.tx() as tx:
            for rec, status in results:
                current = tx.get_object(rec.project, self.kind, rec.name)
                if current is None or current.rv != rec.rv or current.uid != rec.uid:
                    continue  # changed meanwhile: it has been scheduled again
                current.due_at = self.core.clock() + self.core.dns_recheck
                changed += self.save_status(tx, current, status)
        return changed

    def recheck_all(self) -> int:
        with self.core.store.tx() as tx:
            tx.mark_due(self.kind, self.core.clock())
            records = tx.due_objects(self.kind, self.core.clock(), limit=100_000)
        return self.check(records)
