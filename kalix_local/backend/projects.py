"""Projects and their tokens (tokens are stored as sha256 hashes only)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from kalix_local.backend.common import dns_label_error, now_iso
from kalix_local.backend.core import Core
from kalix_local.errors import Forbidden, Invalid, Unauthorized
from kalix_local.store import Store

TOKEN_PREFIX = "klx_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_project_token(store: Store, project: str, *also: str) -> str:
    """Create the projects if missing and a new token for all of them; returns the token.

    Like a Kalix user token, one token may act on several projects, so one stack can
    span projects.
    """
    projects = [project, *also]
    for i, name in enumerate(projects):
        error = dns_label_error(name)
        if error:
            raise Invalid("Project", name, [("name" if i == 0 else f"projects[{i}]", error)])
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    with store.tx() as tx:
        for name in projects:
            tx.create_project(name, now_iso())
        tx.add_token(hash_token(token), project, now_iso())
        for name in also:
            tx.grant_token(hash_token(token), name)
    return token


def token_is_valid(store: Store, token: str) -> bool:
    with store.tx() as tx:
        return tx.token_projects(hash_token(token)) is not None


class ProjectBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def authorize(self, authorization: str | None, project: str) -> None:
        """401 without a known bearer token, 403 for a token of another project."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        with self.core.store.tx() as tx:
            allowed = tx.token_projects(hash_token(token.strip()))
        if allowed is None:
            raise Unauthorized("the bearer token is not valid")
        if project not in allowed:
            raise Forbidden(f'token is not valid for project "{project}"')

    def create_project(self, name: str) -> dict[str, Any]:
        return {"name": name, "token": create_project_token(self.core.store, name)}

    def get_project(self, project: str) -> dict[str, Any]:
        settings = self.core.settings
        with self.core.store.tx() as tx:
            hostnames = tx.list_hostnames(project)
        return {
            "name": project,
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
