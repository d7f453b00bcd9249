"""Settings: stack config `kalix:*` first, then `KALIX_*` environment variables.

Read at run time on both sides (never pickled into the provider, never in state): the
provider reads them in `configure()`, the program through `pulumi.Config("kalix")`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .awaiting import Windows
from .client import DEFAULT_API_URL
from .errors import ConfigurationError

#: (config key, environment variable, default)
API_URL = ("kalix:apiUrl", "KALIX_API_URL", DEFAULT_API_URL)
PROJECT = ("kalix:project", "KALIX_PROJECT", "default")
TOKEN = ("kalix:token", "KALIX_TOKEN", None)


#: The readiness rule's windows (see pulumi_kalix.awaiting), in seconds.
SETTLE = ("kalix:settleSeconds", "KALIX_SETTLE_SECONDS")
STALE = ("kalix:staleSeconds", "KALIX_STALE_SECONDS")
FAILURE_GRACE = ("kalix:failureGraceSeconds", "KALIX_FAILURE_GRACE_SECONDS")


@dataclass(frozen=True)
class Settings:
    api_url: str
    project: str
    token: str | None
    windows: Windows = field(default_factory=Windows)

    @classmethod
    def load(
        cls,
        get: Callable[[str], object | None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """`get` looks a namespaced key up in stack config (e.g. `"kalix:token"`)."""
        environ = os.environ if env is None else env

        def pick(key: str, var: str, default: str | None) -> str | None:
            value = get(key) if get else None
            if value in (None, ""):
                value = environ.get(var) or default
            return None if value is None else str(value)

        api_url = pick(*API_URL) or DEFAULT_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"kalix:apiUrl must be an http(s) URL, got {api_url!r}: "
                "set it with `pulumi config set kalix:apiUrl <url>` or KALIX_API_URL"
            )

        def seconds(key: str, var: str, default: float) -> float:
            value = pick(key, var, None)
            if value is None:
                return default
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if number < 0:
                raise ConfigurationError(
                    f"{key} must be a number of seconds >= 0, got {value!r}: "
                    f"`pulumi config set {key} <seconds>` or {var}"
                )
            return number

        defaults = Windows()
        windows = Windows(
            settle_seconds=seconds(*SETTLE, defaults.settle_seconds),
            stale_seconds=seconds(*STALE, defaults.stale_seconds),
            failure_grace_seconds=seconds(*FAILURE_GRACE, defaults.failure_grace_seconds),
        )
        return cls(
            api_url=api_url,
            project=pick(*PROJECT) or "default",
            token=pick(*TOKEN),
            windows=windows,
        )

    def require_token(self) -> str:
        if not self.token:
            raise ConfigurationError(
                "no Kalix API token: set it with `pulumi config set --secret kalix:token <token>` "
                "or the KALIX_TOKEN environment variable (kalix-local prints one at start, "
                "or run `kalix-local token create --project <project>`)"
            )
        return self.token

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"Settings(api_url={self.api_url!r}, project={self.project!r}, token=***)"


def unreachable_hint(api_url: str) -> str:
    return (
        f"could not reach the Kalix control plane at {api_url}: set kalix:apiUrl "
        "(`pulumi config set kalix:apiUrl <url>`) or KALIX_API_URL to its address, "
        "or start a local one with `kalix-local serve`"
    )
