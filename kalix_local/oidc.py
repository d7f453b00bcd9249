"""A local OIDC issuer, so the federation plane's token exchange (RFC 8693) can be used
without a real identity provider.

``kalix-local oidc-token`` signs ID tokens (compact JWTs, HS256) with a key kept in the
data directory (mode 0600); ``Auth/CreateOAuthToken`` accepts them when the signature,
the issuer, ``exp`` and the audience check out. Who a subject may act for is not in
the token: as on the platform, where an identity provider says who and the platform's
trust configuration says what, ``oidc-token --project P`` records a trust entry
(subject -> project) in the store, and the exchange grants the trusted projects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

ISSUER = "kalix-local"
ISSUER_KEY_FILE = "oidc-issuer.key"
DEFAULT_EXPIRES_IN = 300
#: A token issued "now" on a clock slightly ahead is not yet refused.
CLOCK_SKEW_SECONDS = 30


class InvalidIdToken(Exception):
    """Why an ID token is refused (a message safe to show: it never holds the token)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issuer_key(data_dir: Path) -> bytes:
    """The issuer's signing key, created on first use (0600, never rewritten)."""
    path = data_dir / ISSUER_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        # O_EXCL: of two processes creating it at once, exactly one writes the key.
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = ""
    for _ in range(50):  # the other process may be between create and write
        text = path.read_text().strip()
        if text:
            break
    if not text:
        raise RuntimeError(f"the OIDC issuer key {path} is empty; remove it to make a new one")
    return bytes.fromhex(text)


def make_id_token(
    key: bytes,
    subject: str,
    audience: str,
    *,
    now: float,
    expires_in: int = DEFAULT_EXPIRES_IN,
) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": audience,
        "iat": int(now),
        "exp": int(now) + expires_in,
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify_id_token(key: bytes, token: str, audience: str, *, now: float) -> dict[str, Any]:
    """The claims of a valid token for ``audience``; InvalidIdToken otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidIdToken("the subject token is not a compact JWT (header.claims.signature)")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise InvalidIdToken("the subject token is not a well-formed JWT") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidIdToken("the subject token must be signed with HS256 by the local issuer")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise InvalidIdToken("the subject token's signature does not verify")
    if not isinstance(claims, dict):
        raise InvalidIdToken("the subject token's claims are not a JSON object")
    if claims.get("iss") != ISSUER:
        raise InvalidIdToken(f'the subject token was not issued by "{ISSUER}"')
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidIdToken("the subject token has no subject (sub)")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise InvalidIdToken("the subject token has expired")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat > now + CLOCK_SKEW_SECONDS:
        raise InvalidIdToken("the subject token is issued in the future")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise InvalidIdToken(f'the subject token is not for the audience "{audience}"')
    return claims
