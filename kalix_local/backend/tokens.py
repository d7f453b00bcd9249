"""Refresh tokens and the short-lived access tokens made from them.

As on the platform (``kalix.auth.v1alpha.Auth``), a refresh token only buys access
tokens; every other call takes an access token, which expires. Both are stored as
sha256 hashes only. All refresh tokens belong to one local user of one local
organization, whose ids this data directory keeps.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace

from kalix_local.backend.core import Core
from kalix_local.errors import Unauthorized
from kalix_local.store import AccessTokenRow, Tx

REFRESH_TOKEN_PREFIX = "klx_"
ACCESS_TOKEN_PREFIX = "klxa_"
#: Project service tokens (``Projects/CreateToken``), exchanged like refresh tokens.
SERVICE_TOKEN_PREFIX = "klxs_"
LOCAL_ORGANIZATION = "local"
#: Expired access tokens are kept this long, so they are refused as "expired" (with
#: the hint to renew) rather than as unknown.
_KEEP_EXPIRED_SECONDS = 3600.0

REFRESH_TOKEN_REFUSED = (
    "a refresh token cannot be used on this API: exchange it for an access token first "
    "(kalix.auth.v1alpha.Auth/CreateAccessToken)"
)
ACCESS_TOKEN_EXPIRED = (
    "the access token has expired; create a new one (kalix.auth.v1alpha.Auth/CreateAccessToken)"
)
TOKEN_REQUIRED = "a bearer token is required (Authorization: Bearer <token>)"
TOKEN_INVALID = "the bearer token is not valid"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` value; Unauthorized otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(TOKEN_REQUIRED)
    return token.strip()


def local_user(tx: Tx) -> str:
    """The resource name of the one local user, ``users/<uuid>``."""
    return "users/" + tx.meta_or_create("user_id", lambda: str(uuid.uuid4()))


def local_organization(tx: Tx) -> str:
    """The resource name of the one local organization, ``organizations/<uuid>``."""
    return "organizations/" + tx.meta_or_create("organization_id", lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: AccessTokenRow


class TokenBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def exchange_refresh_token(self, refresh_token: str) -> IssuedToken:
        """An access token for the projects of a refresh token, or for the one project
        of a service token (whose principal is then the project, as published for
        ``CurrentToken.name``)."""
        token_hash = hash_token(refresh_token)
        with self.core.store.tx() as tx:
            projects = tx.token_projects(token_hash)
            if projects is None:
                service = tx.service_token_by_hash(token_hash)
                if service is not None and (
                    service.expires is None or service.expires > self.core.clock()
                ):
                    principal = f"projects/{service.project}"
                    return self._issue(tx, service.name, principal, frozenset({service.project}))
                if tx.access_token(token_hash) is not None:
                    raise Unauthorized(
                        "an access token cannot create access tokens: send the refresh token"
                    )
                raise Unauthorized("the refresh token is not valid")
            user = local_user(tx)
            subject = f"{user}/tokens/{tx.token_id(token_hash)}"
            return self._issue(tx, subject, user, frozenset(projects))

    def issue(self, subject: str, principal: str, projects: frozenset[str]) -> IssuedToken:
        with self.core.store.tx() as tx:
            return self._issue(tx, subject, principal, projects)

    def _issue(self, tx: Tx, subject: str, principal: str, projects: frozenset[str]) -> IssuedToken:
        now = self.core.clock()
        tx.prune_access_tokens(now - _KEEP_EXPIRED_SECONDS)
        token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = AccessTokenRow(
            subject=subject,
            principal=principal,
            projects=projects,
            created=now,
            expires=now + self.core.settings.access_token_seconds,
        )
        tx.add_access_token(hash_token(token), row)
        return IssuedToken(token, row)

    def verify_access_token(self, tx: Tx, token: str) -> AccessTokenRow:
        """The access token's record; Unauthorized for an expired, unknown or refresh
        token (each with its own message)."""
        token_hash = hash_token(token)
        row = tx.access_token(token_hash)
        if row is None:
            if tx.token_projects(token_hash) is not None:
                raise Unauthorized(REFRESH_TOKEN_REFUSED)
            raise Unauthorized(TOKEN_INVALID)
        if row.expires <= self.core.clock():
            raise Unauthorized(ACCESS_TOKEN_EXPIRED)
        # Projects granted to the refresh token after this access token was made (one
        # created with CreateProject) are the caller's at once, as on the platform,
        # where access follows the user's role bindings, not the token.
        _, sep, token_id = row.subject.partition("/tokens/")
        if sep and row.subject.startswith("users/"):
            refresh_hash = tx.token_hash_of(token_id)
            granted = tx.token_projects(refresh_hash) if refresh_hash else None
            if granted is not None and not granted <= row.projects:
                return replace(row, projects=row.projects | granted)
        return row

    def caller(self, authorization: str | None) -> AccessTokenRow:
        """Who an ``Authorization`` value is, as an access token."""
        token = bearer_token(authorization)
        with self.core.store.tx() as tx:
            return self.verify_access_token(tx, token)
