"""Project hostnames (federation plane): generated or custom, unique across projects."""

from __future__ import annotations

from typing import Any

from kalix_local.backend.common import now_iso
from kalix_local.backend.core import Core
from kalix_local.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from kalix_local.hostname_models import HostnameCreate
from kalix_local.names import generate_hostname, is_valid_hostname
from pulumi_kalix.api import WireValidationError, strict_validate

_GENERATE_ATTEMPTS = 50


class HostnameBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def list_hostnames(self, project: str) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            return {"hostnames": tx.list_hostnames(project)}

    def get_hostname(self, project: str, name: str) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            found = tx.get_hostname(name)
        # Another project's hostname is "not found": never reveal who owns it.
        if found is None or found[0] != project:
            raise NotFound(f'hostname "{name}" not found', name=name, kind="hostnames")
        return found[1]

    def create_hostname(self, project: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        try:
            request = strict_validate(HostnameCreate, body)
        except WireValidationError as exc:
            raise Invalid(
                "Hostname", str(body.get("name") or ""), [(c.field, c.message) for c in exc.causes]
            ) from None
        hostname = self.reserve(
            project,
            request.name,
            global_=bool(request.global_),
            skip_provision_cert=bool(request.skip_provision_cert),
            annotations=request.annotations,
        )
        return {"hostnames": [hostname]}

    def reserve(
        self,
        project: str,
        name: str | None,
        *,
        global_: bool = False,
        skip_provision_cert: bool = False,
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Reserve ``name`` for the project, or a generated name when it is None; the
        stored hostname. Shared by the HTTP API and the federation plane's gRPC."""
        settings = self.core.settings
        apps_domain = settings.apps_domain
        with self.core.store.tx() as tx:
            if name is None:
                for _ in range(_GENERATE_ATTEMPTS):
                    name = generate_hostname(self.core.rng, settings.region, apps_domain)
                    if tx.get_hostname(name) is None:
                        break
                else:
                    raise Conflict("could not generate a free hostname; try again")
                generated = True
            else:
                error = is_valid_hostname(name)
                if error is None and (name == apps_domain or name.endswith("." + apps_domain)):
                    error = (
                        f"hostname {name!r} is under the platform domain {apps_domain}; "
                        "omit the name to get a generated hostname"
                    )
                if error is not None:
                    raise Invalid("Hostname", name, [("name", error)])
                if tx.get_hostname(name) is not None:
                    raise AlreadyExists(
                        f'hostname "{name}" is already in use', name=name, kind="hostnames"
                    )
                generated = False
            hostname: dict[str, Any] = {
                "name": name,
                "isGenerated": generated,
                "global": global_,
                "skipProvisionCert": skip_provision_cert,
                "region": settings.region,
                "cname": "" if generated else settings.ingress_cname,
            }
            if annotations:
                hostname["annotations"] = dict(annotations)
            tx.insert_hostname(name, project, hostname, now_iso())
        return hostname

    def update_flags(
        self,
        project: str,
        name: str,
        *,
        global_: bool | None = None,
        skip_provision_cert: bool | None = None,
    ) -> dict[str, Any]:
        """Set a hostname's flags in place (None leaves one as it is)."""
        with self.core.store.tx() as tx:
            found = tx.get_hostname(name)
            if found is None or found[0] != project:
                raise NotFound(f'hostname "{name}" not found', name=name, kind="hostnames")
            hostname = found[1]
            if global_ is not None:
                hostname["global"] = global_
            if skip_provision_cert is not None:
                hostname["skipProvisionCert"] = skip_provision_cert
            tx.update_hostname(name, hostname)
        return hostname

    def delete_hostname(self, project: str, name: str) -> dict[str, Any]:
        with self.core.store.tx() as tx:
            found = tx.get_hostname(name)
            if found is None or found[0] != project:
                raise NotFound(f'hostname "{name}" not found', name=name, kind="hostnames")
            users = [
                r.name
                for r in tx.list_objects(project, "KalixRoute")
                if r.body["spec"].get("host") == name
            ]
            if users:
                raise Conflict(
                    f'hostname "{name}" is used by route(s): {", ".join(users)}',
                    name=name,
                    kind="hostnames",
                )
            tx.delete_hostname(name)
        return {}
