"""Settings: stack config `kalix:*` first, then the environment, named as Akka's tools
name them.

- `kalix:apiHost` / `AKKA_API_HOST`: the federation plane; `host:port` is TLS (default
  `api.kalix.io:443`), `http://host:port` plaintext (kalix-local);
- `kalix:project` / `AKKA_PROJECT` (or `KALIX_PROJECT`): friendly name or UUID;
- `kalix:region` / `AKKA_REGION`: the region to use (default: the primary one);
- `kalix:token` (a secret) / `AKKA_TOKEN` (or `KALIX_TOKEN`), the akka CLI's stored
  token, or `AKKA_OAUTH_TOKEN[_FILE]`: the credential (see `client.credentials`);
- `kalix:controlPlaneUrl` / `AKKA_CONTROL_PLANE_URL`: override the region's endpoint;
- `kalix:retrySeconds` / `KALIX_RETRY_SECONDS`: how long a control-plane call rides out
  an unreachable or restarting control plane (default 30).

Read at run time on both sides (never pickled into the provider): the provider reads
them in `configure()`, the program through `pulumi.Config("kalix")`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .awaiting import Windows
from .client.control_plane import DEFAULT_OUTAGE_SECONDS, RetryPolicy
from .client.credentials import Credential, find_credential
from .client.federation import DEFAULT_API_HOST
from .client.session import Session, shared_session
from .errors import APIConnectionError, ConfigurationError

#: (config key, environment variables in order, default)
API_HOST = ("kalix:apiHost", ("AKKA_API_HOST",), DEFAULT_API_HOST)
PROJECT = ("kalix:project", ("AKKA_PROJECT", "KALIX_PROJECT"), None)
REGION = ("kalix:region", ("AKKA_REGION",), None)
TOKEN = ("kalix:token", (), None)  # the environment is read by find_credential
CONTROL_PLANE_URL = ("kalix:controlPlaneUrl", ("AKKA_CONTROL_PLANE_URL",), None)
#: The readiness rule's windows (see pulumi_kalix.awaiting), in seconds.
SETTLE = ("kalix:settleSeconds", ("KALIX_SETTLE_SECONDS",))
STALE = ("kalix:staleSeconds", ("KALIX_STALE_SECONDS",))
FAILURE_GRACE = ("kalix:failureGraceSeconds", ("KALIX_FAILURE_GRACE_SECONDS",))
#: How long a call whose answer was lost may still be applied by the platform (our
#: assumption: not published), before a generated hostname create is tried again.
LATE_APPLY = ("kalix:lateApplySeconds", ("KALIX_LATE_APPLY_SECONDS",))
LATE_APPLY_SECONDS = 10.0
#: How long a control-plane call rides out an unreachable or unavailable control plane
#: (connection refused, 502/503/504: a restart) before it fails.
RETRY = ("kalix:retrySeconds", ("KALIX_RETRY_SECONDS",))


@dataclass(frozen=True)
class Settings:
    api_host: str
    project: str | None
    region: str | None
    token: str | None = field(repr=False)
    control_plane_url: str | None = None
    windows: Windows = field(default_factory=Windows)
    late_apply_seconds: float = LATE_APPLY_SECONDS
    retry_seconds: float = DEFAULT_OUTAGE_SECONDS
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        get: Callable[[str], object | None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """`get` looks a namespaced key up in stack config (e.g. `"kalix:token"`)."""
        environ = dict(os.environ if env is None else env)

        def pick(key: str, variables: tuple[str, ...], default: str | None) -> str | None:
            value = get(key) if get else None
            for var in variables:
                if value not in (None, ""):
                    break
                value = environ.get(var)
            if value in (None, ""):
                value = default
            return None if value is None else str(value).strip()

        def seconds(key: str, variables: tuple[str, ...], default: float) -> float:
            value = pick(key, variables, None)
            if value is None:
                return default
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if number < 0:
                raise ConfigurationError(
                    f"{key} must be a number of seconds >= 0, got {value!r}: "
                    f"`pulumi config set {key} <seconds>` or {variables[0]}"
                )
            return number

        defaults = Windows()
        return cls(
            api_host=pick(*API_HOST) or DEFAULT_API_HOST,
            project=pick(*PROJECT),
            region=pick(*REGION),
            token=pick(*TOKEN),
            control_plane_url=pick(*CONTROL_PLANE_URL),
            windows=Windows(
                settle_seconds=seconds(*SETTLE, defaults.settle_seconds),
                stale_seconds=seconds(*STALE, defaults.stale_seconds),
                failure_grace_seconds=seconds(*FAILURE_GRACE, defaults.failure_grace_seconds),
            ),
            late_apply_seconds=seconds(*LATE_APPLY, LATE_APPLY_SECONDS),
            retry_seconds=seconds(*RETRY, DEFAULT_OUTAGE_SECONDS),
            env=environ,
        )

    def require_project(self) -> str:
        if not self.project:
            raise ConfigurationError(
                "no Akka project: set it with `pulumi config set kalix:project <name or UUID>` "
                "or AKKA_PROJECT (or pass project= to the resource)"
            )
        return self.project

    def credential(self) -> Credential:
        return find_credential(self.token, self.env)

    def session(self) -> Session:
        """The process's shared session for these settings (token cache, pools)."""
        return shared_session(
            self.api_host,
            self.credential(),
            region=self.region,
            control_plane_url=self.control_plane_url,
            retry=RetryPolicy(outage_seconds=self.retry_seconds),
        )


def unreachable_hint(where: str, exc: APIConnectionError | None = None) -> str:
    """What to tell a user about a call without an answer: a lost answer (`exc`
    says the request was sent) is not an unreachable platform."""
    if exc is not None and exc.answer_lost:
        return (
            f"the answer from the Akka platform at {where} was lost: {exc} "
            "(run again: the next run reads what the platform holds now)"
        )
    return (
        f"could not reach the Akka platform at {where}: check kalix:apiHost "
        "(`pulumi config set kalix:apiHost <host:port>`, or AKKA_API_HOST; "
        "http://127.0.0.1:9001 for a local `kalix-local serve`)"
    )
