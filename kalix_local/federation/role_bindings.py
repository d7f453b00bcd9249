"""The role-binding calls of ``kalix.projects.v1alpha.Projects``."""

from __future__ import annotations

from typing import Any

from google.protobuf import empty_pb2

from kalix_local.backend import Backend
from kalix_local.errors import BadRequest
from kalix_local.federation.paging import page
from kalix_local.store import ProjectRow, RoleBindingRow
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2


def role_binding_message(row: RoleBindingRow, local_user: str) -> projects_pb2.RoleBinding:
    ours = row.principal == local_user
    return projects_pb2.RoleBinding(
        name=row.name,
        principal=row.principal,
        user_email="local-user@localhost" if ours else "",
        user_full_name="kalix-local user" if ours else "",
        principal_friendly_name="kalix-local user" if ours else row.principal,
    )


class RoleBindingCalls:
    """Mixed into ProjectsService, which provides `backend`, `_project` and `_local_user`."""

    backend: Backend

    def _project(self, context: Any, name: str, field: str) -> ProjectRow:  # pragma: no cover
        raise NotImplementedError

    def _local_user(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def ListRoleBindings(
        self, request: projects_pb2.ListRoleBindingsRequest, context: Any
    ) -> projects_pb2.ListRoleBindingsResponse:
        project = self._project(context, request.parent, "parent")
        rows = self.backend.role_bindings.list(project.id)
        chosen, token = page(rows, lambda r: (r.name,), request.page_size, request.page_token)
        user = self._local_user()
        return projects_pb2.ListRoleBindingsResponse(
            role_bindings=[role_binding_message(r, user) for r in chosen], next_page_token=token
        )

    def CreateRoleBinding(
        self, request: projects_pb2.CreateRoleBindingRequest, context: Any
    ) -> projects_pb2.RoleBinding:
        parent, sep, role = request.parent.partition("/roles/")
        if not sep or not role or "/" in role:
            raise BadRequest(
                f'parent must be "projects/<project-id>/roles/<role>", not "{request.parent}"'
            )
        project = self._project(context, parent, "parent")
        row = self.backend.role_bindings.create(project.id, role, request.role_binding.principal)
        return role_binding_message(row, self._local_user())

    def DeleteRoleBinding(
        self, request: projects_pb2.DeleteRoleBindingRequest, context: Any
    ) -> empty_pb2.Empty:
        parent, sep, _ = request.name.partition("/roles/")
        if not sep:
            raise BadRequest(
                "name must be "
                f'"projects/<project-id>/roles/<role>/bindings/<binding-id>", not "{request.name}"'
            )
        project = self._project(context, parent, "name")
        self.backend.role_bindings.delete(project.id, request.name)
        return empty_pb2.Empty()
