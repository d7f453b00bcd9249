"""Project role bindings (``Projects/ListRoleBindings``, ``CreateRoleBinding``,
``DeleteRoleBinding``): who holds which project role.

kalix-local has one user, whose tokens act on their projects whatever the bindings
say: bindings are recorded, listed and deleted as published, not enforced.
"""

from __future__ import annotations

import re
import uuid

from kalix_local.backend.common import now_iso
from kalix_local.backend.core import Core
from kalix_local.errors import AlreadyExists, BadRequest, NotFound
from kalix_local.store import RoleBindingRow

#: The project roles the Akka documentation lists ("Managing project users").
ROLES = ("admin", "developer", "viewer", "backoffice")
#: A resource name: `users/<id>`, `organizations/<id>/groups/<id>`, ... (the published
#: field says "a user resource name or a group resource name"; the group form is not
#: spelled out, so any collection/id path is taken).
PRINCIPAL_RE = re.compile(r"^[a-z][a-z-]*/[^/\s]+(/[a-z][a-z-]*/[^/\s]+)*$")


def role_error(role: str) -> str | None:
    if role not in ROLES:
        return f'role "{role}" is not a project role: use one of {", ".join(ROLES)}'
    return None


class RoleBindingBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def list(self, project: str) -> list[RoleBindingRow]:
        with self.core.store.tx() as tx:
            return tx.role_bindings(project)

    def create(self, project: str, role: str, principal: str) -> RoleBindingRow:
        error = role_error(role)
        if error:
            raise BadRequest(error)
        if not PRINCIPAL_RE.match(principal):
            raise BadRequest(
                f'role_binding.principal "{principal}" is not a resource name: use a user '
                '("users/<user-id>") or a group resource name'
            )
        with self.core.store.tx() as tx:
            if tx.role_binding_of(project, role, principal) is not None:
                # Not published; one binding per (role, principal) is our assumption.
                raise AlreadyExists(f'"{principal}" already holds the role "{role}"')
            row = RoleBindingRow(
                name=f"projects/{project}/roles/{role}/bindings/{uuid.uuid4()}",
                project=project,
                role=role,
                principal=principal,
                created=now_iso(),
            )
            tx.add_role_binding(row)
        return row

    def delete(self, project: str, name: str) -> None:
        with self.core.store.tx() as tx:
            found = tx.role_binding(name)
            if found is None or found.project != project:
                raise NotFound(f'role binding "{name}" not found')
            tx.delete_role_binding(name)
