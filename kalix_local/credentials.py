"""The admin credential: a random token in ``<data dir>/admin-token`` (mode 0600).

Written at the first start and reused after, so the CLI, scripts and tests that can read
the data directory can call ``/_local/``, and a web page the developer opens cannot.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

ADMIN_TOKEN_FILE = "admin-token"
#: ``klxadm_`` + 43 url-safe characters (256 bits): recognisable in a leaked log line.
_PREFIX = "klxadm_"


def admin_token_path(data_dir: Path) -> Path:
    return data_dir / ADMIN_TOKEN_FILE


def read_admin_token(data_dir: Path) -> str | None:
    """The data dir's admin token, None when there is none (or it is empty)."""
    try:
        token = admin_token_path(data_dir).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def ensure_admin_token(data_dir: Path) -> str:
    """The admin token, created (0600, owner only) when missing or empty."""
    existing = read_admin_token(data_dir)
    if existing:
        return existing
    token = _PREFIX + secrets.token_urlsafe(32)
    path = admin_token_path(data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)  # an existing empty file may have had a wider mode
    return token


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header is ``Bearer <token>`` (constant time)."""
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())
