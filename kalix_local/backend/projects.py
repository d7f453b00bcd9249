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


def create_project_token(store: Store, project: str) -> str:
    """Create ``project`` if missing and a new token for it; returns the token."""
    error = dns_label_error(project)
    if error:
        raise Invalid("Project", project, [("name", error)])
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    with store.tx() as tx:
        tx.create_project(project, now_iso())
        tx.add_token(hash_token(token), project, now_iso())
    return token


def token_is_valid(store: Store, token: str) -> bool:
    with store.tx() as tx:
        return tx.token_project(hash_token(token)) is not None


class ProjectBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def authorize(self, authorization: str | None, project: str) -> None:
        """401 without a known bearer token, 403 for a token of another project."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        with self.core.store.tx() as tx:
            owner = tx.token_project(hash_token(token.strip()))
        if owner is None:
            raise Unauthorized("the bearer token is not valid")
        if owner != project:
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
