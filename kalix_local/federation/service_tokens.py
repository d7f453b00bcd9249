"""The service-token calls of ``kalix.projects.v1alpha.Projects``."""

from __future__ import annotations

from typing import Any

from google.protobuf import empty_pb2

from kalix_local.backend import Backend
from kalix_local.errors import BadRequest
from kalix_local.federation.calls import timestamp
from kalix_local.federation.paging import page
from kalix_local.store import ProjectRow, ServiceTokenRow
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2


def service_token_message(row: ServiceTokenRow) -> projects_pb2.ServiceToken:
    message = projects_pb2.ServiceToken(
        name=row.name,
        description=row.description,
        created_time=timestamp(row.created),
        scopes=list(row.scopes),  # type: ignore[arg-type]  # enum values as ints
    )
    if row.expires is not None:
        message.expire_time.CopyFrom(timestamp(row.expires))
    return message


class ServiceTokenCalls:
    """Mixed into ProjectsService, which provides `backend` and `_project`."""

    backend: Backend

    def _project(self, context: Any, name: str, field: str) -> ProjectRow:  # pragma: no cover
        raise NotImplementedError

    def CreateToken(
        self, request: projects_pb2.CreateTokenRequest, context: Any
    ) -> projects_pb2.ServiceTokenValue:
        project = self._project(context, request.parent, "parent")
        known = set(auth_pb2.TokenScope.values())
        unknown = [s for s in request.scopes if s not in known]
        if unknown:
            raise BadRequest(f"scopes: unknown token scope value(s) {unknown}")
        # The CLI's default is "all" (akka projects tokens create --scope).
        scopes = tuple(request.scopes) or (auth_pb2.ALL,)
        row, value = self.backend.service_tokens.create(project.id, request.description, scopes)
        return projects_pb2.ServiceTokenValue(token=service_token_message(row), value=value)

    def ListTokens(
        self, request: projects_pb2.ListTokensRequest, context: Any
    ) -> projects_pb2.ListTokensResponse:
        project = self._project(context, request.parent, "parent")
        rows = self.backend.service_tokens.list(project.id)
        chosen, token = page(rows, lambda r: (r.name,), request.page_size, request.page_token)
        return projects_pb2.ListTokensResponse(
            tokens=[service_token_message(r) for r in chosen], next_page_token=token
        )

    def DeleteToken(
        self, request: projects_pb2.DeleteTokenRequest, context: Any
    ) -> empty_pb2.Empty:
        parent, sep, token_id = request.name.partition("/tokens/")
        if not sep or not token_id:
            raise BadRequest(
                f'name must be "projects/<project-id>/tokens/<token-id>", not "{request.name}"'
            )
        project = self._project(context, parent, "name")
        self.backend.service_tokens.delete(project.id, request.name)
        return empty_pb2.Empty()
