"""Projects (a UUID each, and a friendly name) and who may act on them.

Refresh tokens are stored as sha256 hashes only; ``backend/tokens.py`` makes the
access tokens the control plane takes.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from kalix_local.backend.common import dns_label_error, now_iso
from kalix_local.backend.core import Core
from kalix_local.backend.tokens import (
    REFRESH_TOKEN_PREFIX,
    REFRESH_TOKEN_REFUSED,
    TOKEN_INVALID,
    TokenBackend,
    bearer_token,
    hash_token,
)
from kalix_local.errors import AlreadyExists, BadRequest, Forbidden, Invalid, NotFound, Unauthorized
from kalix_local.store import ProjectRow, RoleBindingRow, Store

#: Older callers import these from here.
TOKEN_PREFIX = REFRESH_TOKEN_PREFIX
__all__ = [
    "TOKEN_PREFIX",
    "ProjectBackend",
    "ProjectLifecycle",
    "create_project_token",
    "hash_token",
]


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def create_project_token(store: Store, project: str, *also: str) -> str:
    """Create the projects (by friendly name) if missing and a new refresh token for all
    of them; returns the token.

    Like a Kalix user token, one token may act on several projects, so one stack can
    span projects.
    """
    projects = [project, *also]
    for i, name in enumerate(projects):
        error = dns_label_error(name)
        if error:
            raise Invalid("Project", name, [("name" if i == 0 else f"projects[{i}]", error)])
    token = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(24)
    token_hash = hash_token(token)
    with store.tx() as tx:
        ids = [tx.create_project(name, now_iso()) for name in projects]
        tx.add_token(token_hash, str(uuid.uuid4()), ids[0], now_iso())
        for id_ in ids[1:]:
            tx.grant_token(token_hash, id_)
    return token


def token_is_valid(store: Store, token: str) -> bool:
    with store.tx() as tx:
        return tx.token_projects(hash_token(token)) is not None


class ProjectBackend:
    def __init__(self, core: Core, tokens: TokenBackend) -> None:
        self.core = core
        self.tokens = tokens

    def authorize(self, authorization: str | None, project: str) -> str:
        """The id of the project a control-plane path names, if the bearer may act on it.

        401 without a valid token, 403 for a token of another project. ``strict`` takes
        what the platform takes: access tokens and project UUIDs. ``legacy`` also takes
        a refresh token and a friendly name (the provider before the federation plane).
        """
        token = bearer_token(authorization)
        strict = self.core.settings.control_plane_auth == "strict"
        with self.core.store.tx() as tx:
            access = tx.access_token(hash_token(token))
            if access is not None:
                allowed = set(self.tokens.verify_access_token(tx, token).projects)
            else:
                refresh = tx.token_projects(hash_token(token))
                if refresh is None:
                    raise Unauthorized(TOKEN_INVALID)
                if strict:
                    raise Unauthorized(REFRESH_TOKEN_REFUSED)
                allowed = refresh
            if strict and not is_uuid(project):
                raise NotFound(
                    f'namespace "{project}" not found: the control plane names a project by '
                    "its id (a UUID); look the friendly name up with "
                    "kalix.projects.v1alpha.Projects/ListProjects",
                    name=project,
                    kind="namespaces",
                )
            found = tx.project(project) or (None if strict else tx.project_named(project))
        if found is None or found.id not in allowed:
            raise Forbidden(f'token is not valid for project "{project}"')
        return found.id

    def create_project(self, name: str) -> dict[str, Any]:
        token = create_project_token(self.core.store, name)
        with self.core.store.tx() as tx:
            found = tx.project_named(name)
        assert found is not None
        return {"name": name, "id": found.id, "token": token}

    def list_projects(self) -> list[ProjectRow]:
        with self.core.store.tx() as tx:
            return tx.list_projects()

    def get_project(self, project: str) -> dict[str, Any]:
        """The project (by id) as the legacy HTTP hostnames API shows it."""
        settings = self.core.settings
        with self.core.store.tx() as tx:
            hostnames = tx.list_hostnames(project)
            found = tx.project(project)
        return {
            "name": found.name if found else project,
            "regions": [
                {
                    "name": settings.region,
                    "ingressCnameAddress": settings.ingress_cname,
                    "appsDomainName": settings.ingress_cname,
                    "primary": True,
                }
            ],
            "hostnames": hostnames,
        }


#: Longest project description kalix-local keeps (the platform's limit is not published).
MAX_DESCRIPTION = 1000


class ProjectLifecycle:
    """Create, rename and delete projects (``Projects/CreateProject``, ``UpdateProject``,
    ``DeleteProject``) for the caller of a federation call."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def create(
        self,
        caller_subject: str,
        caller_principal: str,
        *,
        friendly_name: str,
        description: str,
        region_id: str,
        organization: str,
        local_organization: str,
    ) -> ProjectRow:
        """A new project with a fresh UUID; the refresh token behind the caller's access
        token may act on it at once (the published rule: its creator is its admin)."""
        error = dns_label_error(friendly_name)
        if error:
            raise BadRequest(f"friendly_name {error}")
        if len(description) > MAX_DESCRIPTION:
            raise BadRequest(
                f"description must be at most {MAX_DESCRIPTION} characters (got {len(description)})"
            )
        region = self.core.settings.region
        if not region_id:
            raise BadRequest(f'region_id is required (this platform has one region: "{region}")')
        if region_id != region:
            raise BadRequest(f'region_id "{region_id}" is not a region here: use "{region}"')
        # An empty organization is taken as the caller's own (assumed: the published
        # request has no user-owned form any more).
        if organization not in ("", local_organization):
            raise Forbidden(f'organization "{organization}" does not exist or is not yours')
        refresh_id = caller_subject.partition("/tokens/")[2]
        if not caller_subject.startswith("users/") or not refresh_id:
            raise Forbidden("only a user may create projects (this token is a project's)")
        with self.core.store.tx() as tx:
            if tx.project_named(friendly_name) is not None:
                raise AlreadyExists(f'a project named "{friendly_name}" already exists')
            id_ = tx.create_project(friendly_name, now_iso(), description)
            refresh_hash = tx.token_hash_of(refresh_id)
            if refresh_hash is not None:
                tx.grant_token(refresh_hash, id_)
            tx.add_role_binding(
                RoleBindingRow(
                    name=f"projects/{id_}/roles/admin/bindings/{uuid.uuid4()}",
                    project=id_,
                    role="admin",
                    principal=caller_principal,
                    created=now_iso(),
                )
            )
            found = tx.project(id_)
        assert found is not None
        return found

    def update(self, project: ProjectRow, *, name: str | None, description: str | None) -> None:
        new_name = project.name if name is None else name
        new_description = project.description if description is None else description
        error = dns_label_error(new_name)
        if error:
            raise BadRequest(f"project.friendly_name {error}")
        if len(new_description) > MAX_DESCRIPTION:
            raise BadRequest(f"project.description must be at most {MAX_DESCRIPTION} characters")
        with self.core.store.tx() as tx:
            other = tx.project_named(new_name)
            if other is not None and other.id != project.id:
                raise AlreadyExists(f'a project named "{new_name}" already exists')
            tx.update_project(project.id, name=new_name, description=new_description)

    def delete(self, project: ProjectRow) -> None:
        """Everything in the project goes with it (assumed: as `akka projects delete`)."""
        with self.core.store.tx() as tx:
            tx.delete_project(project.id)
