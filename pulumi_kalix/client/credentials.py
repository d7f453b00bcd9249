"""Finding the credential to exchange for access tokens, the way Akka's own tools do.

In order (the first found wins):

1. an OIDC token to exchange (RFC 8693): `AKKA_OAUTH_TOKEN`, or `AKKA_OAUTH_TOKEN_FILE`
   (re-read on every exchange, as CI systems rotate the file), with
   `AKKA_OAUTH_TOKEN_AUDIENCE` — present, it wins, as in the official SDK;
2. a refresh or service token from stack config `kalix:token` (a secret);
3. `AKKA_TOKEN`, or `KALIX_TOKEN` (the older name);
4. the `akka` CLI's stored token (`akka config get refresh-token`) when that CLI is on
   PATH and logged in.

A credential never shows its token in `repr`, logs or errors, and is never pickled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigurationError

AKKA_CLI_TIMEOUT_SECONDS = 10.0

HOW_TO_SET = (
    "set a refresh or service token with `pulumi config set --secret kalix:token <token>` "
    "(`akka auth token create`, or `kalix-local token create --project NAME` locally) "
    "or AKKA_TOKEN, or an OIDC token with AKKA_OAUTH_TOKEN[_FILE] and "
    "AKKA_OAUTH_TOKEN_AUDIENCE"
)


@dataclass(frozen=True)
class Credential:
    """A refresh/service token, or an OIDC token to exchange.

    `source` says where it came from (for messages: `kalix:token`, `AKKA_TOKEN`, ...).
    """

    kind: str  # "refresh" | "oidc"
    source: str
    _secret: str = field(default="", repr=False)
    _file: str | None = field(default=None, repr=False)
    audience: str = ""

    def refresh_token(self) -> str:
        return self._secret

    def subject_token(self) -> str:
        """The OIDC token, read anew from its file on every exchange."""
        if self._file is None:
            return self._secret
        try:
            token = Path(self._file).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"AKKA_OAUTH_TOKEN_FILE {self._file!r} cannot be read: {exc.strerror}"
            ) from None
        if not token:
            raise ConfigurationError(f"AKKA_OAUTH_TOKEN_FILE {self._file!r} is empty")
        return token

    def identity(self) -> tuple[str, str, str | None, str]:
        """A key for caches of the tokens derived from this credential (in memory only)."""
        return (self.kind, self._secret, self._file, self.audience)

    def __str__(self) -> str:
        return f"{self.kind} credential from {self.source}"


def akka_cli_token() -> str | None:
    """`akka config get refresh-token`, when the akka CLI is installed and logged in."""
    cli = shutil.which("akka")
    if cli is None:
        return None
    try:
        done = subprocess.run(
            [cli, "config", "get", "refresh-token"],
            capture_output=True,
            text=True,
            timeout=AKKA_CLI_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    token = done.stdout.strip()
    return token if done.returncode == 0 and token else None


def find_credential(config_token: str | None, env: Mapping[str, str] | None = None) -> Credential:
    """The credential to use (see the module docstring), or a ConfigurationError that
    says what to set."""
    environ = os.environ if env is None else env
    oidc_value = environ.get("AKKA_OAUTH_TOKEN", "").strip()
    oidc_file = environ.get("AKKA_OAUTH_TOKEN_FILE", "").strip()
    if oidc_value or oidc_file:
        audience = environ.get("AKKA_OAUTH_TOKEN_AUDIENCE", "").strip()
        if not audience:
            raise ConfigurationError(
                "AKKA_OAUTH_TOKEN_AUDIENCE is required with "
                f"{'AKKA_OAUTH_TOKEN' if oidc_value else 'AKKA_OAUTH_TOKEN_FILE'} "
                "(e.g. regions/gcp-us-east1)"
            )
        if oidc_value:
            return Credential("oidc", "AKKA_OAUTH_TOKEN", oidc_value, audience=audience)
        return Credential("oidc", "AKKA_OAUTH_TOKEN_FILE", _file=oidc_file, audience=audience)
    if config_token:
        return Credential("refresh", "kalix:token", config_token)
    for var in ("AKKA_TOKEN", "KALIX_TOKEN"):
        value = environ.get(var, "").strip()
        if value:
            return Credential("refresh", var, value)
    stored = akka_cli_token()
    if stored:
        return Credential("refresh", "the akka CLI (akka config get refresh-token)", stored)
    raise ConfigurationError(f"no Akka credential found: {HOW_TO_SET}")


__all__ = ["HOW_TO_SET", "Credential", "akka_cli_token", "find_credential"]
