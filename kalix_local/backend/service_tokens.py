"""Project service tokens (``Projects/CreateToken``, ``ListTokens``, ``DeleteToken``).

The value is shown once, in the create answer, and stored as a sha256 hash only; it is
exchanged for access tokens like a refresh token (``Auth/CreateAccessToken``), for its
one project. Deleting a token revokes the access tokens made from it.
"""

from __future__ import annotations

import secrets
import uuid

from kalix_local.backend.core import Core
from kalix_local.backend.tokens import SERVICE_TOKEN_PREFIX, hash_token
from kalix_local.errors import BadRequest, NotFound
from kalix_local.store import ServiceTokenRow

#: Longest description kept (the platform's limit is not published).
MAX_DESCRIPTION = 1000


class ServiceTokenBackend:
    def __init__(self, core: Core) -> None:
        self.core = core

    def list(self, project: str) -> list[ServiceTokenRow]:
        with self.core.store.tx() as tx:
            return tx.service_tokens(project)

    def create(
        self, project: str, description: str, scopes: tuple[int, ...]
    ) -> tuple[ServiceTokenRow, str]:
        """The new token and its value. It never expires (the published request takes
        no lifetime, so kalix-local sets none)."""
        if len(description) > MAX_DESCRIPTION:
            raise BadRequest(f"description must be at most {MAX_DESCRIPTION} characters")
        value = SERVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ServiceTokenRow(
            name=f"projects/{project}/tokens/{uuid.uuid4()}",
            project=project,
            description=description,
            scopes=scopes,
            created=self.core.clock(),
            expires=None,
        )
        with self.core.store.tx() as tx:
            tx.add_service_token(row, hash_token(value))
        return row, value

    def delete(self, project: str, name: str) -> None:
        with self.core.store.tx() as tx:
            found = tx.service_token(name)
            if found is None or found.project != project:
                raise NotFound(f'token "{name}" not found')
            tx.delete_service_token(name)
