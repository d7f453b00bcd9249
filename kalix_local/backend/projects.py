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
from kalix_local.errors import Forbidden, Invalid, NotFound, Unauthorized
from kalix_local.store import ProjectRow, Store

#: Older callers import these from here.
TOKEN_PREFIX = REFRESH_TOKEN_PREFIX
__all__ = ["TOKEN_PREFIX", "ProjectBackend", "create_project_token", "hash_token"]


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
