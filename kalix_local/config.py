"""Settings of one kalix-local server, fixed at start (runtime knobs live in the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ROLLOUT_STEP_SECONDS = 1.0
#: How long the controller takes to react to a spec write (status untouched until then).
DEFAULT_STATUS_LAG_SECONDS = 0.5
#: Kalix rechecks custom hostnames "typically every 20 minutes".
DEFAULT_DNS_RECHECK_SECONDS = 1200.0
DEFAULT_REGION = "us-east1"
DEFAULT_APPS_DOMAIN = "kalix.app"
DEFAULT_PROJECT = "default"
DEFAULT_ACCESS_TOKEN_SECONDS = 3600
#: The control plane's credential rules: ``strict`` is the platform's (access tokens and
#: project UUIDs only); ``legacy`` also takes refresh tokens and friendly names, for
#: clients from before the federation plane.
CONTROL_PLANE_AUTH_MODES = ("strict", "legacy")
MAX_BODY_BYTES = 1024 * 1024
#: How long a soft-deleted service stays restorable before it is purged: the platform's
#: CLI documents "restorable for 2 weeks" (``akka service delete``); nothing publishes
#: when the tombstone itself goes, so kalix-local purges it at the end of that window.
DEFAULT_SOFT_DELETE_RETENTION_SECONDS = 14 * 24 * 3600.0


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(".kalix-local"))
    host: str = "127.0.0.1"
    port: int = 9000
    dns_resolver: str = "static"
    dns_static_file: str | None = None
    route53_endpoint: str | None = None
    route53_region: str = "us-east-1"
    #: None = not given on the command line: a value stored through the admin API wins,
    #: then the built-in default.
    rollout_step_seconds: float | None = None
    dns_recheck_seconds: float | None = None
    status_lag_seconds: float | None = None
    #: False: watch parameters are ignored and lists are plain (the published contract).
    watch: bool = True
    region: str = DEFAULT_REGION
    apps_domain: str = DEFAULT_APPS_DOMAIN
    #: Seed for generated hostnames and fault-injection rates (None = random).
    seed: int | None = None
    run_background: bool = True
    #: The federation plane's gRPC port (0 = any free one); None = not served.
    federation_port: int | None = None
    access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS
    control_plane_auth: str = "strict"
    #: Append one JSON line per control-plane exchange here (kalix_local/recorder.py).
    record_file: Path | None = None
    #: Host names accepted in ``Host``/``Origin`` besides loopback and ``host``
    #: (kalix_local/http_guard.py), e.g. a container's name.
    allowed_hosts: tuple[str, ...] = ()
    #: Soft-deleted services are purged this long after their delete.
    soft_delete_retention_seconds: float = DEFAULT_SOFT_DELETE_RETENTION_SECONDS

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kalix-local.db"

    @property
    def ingress_cname(self) -> str:
        """Where custom hostnames must CNAME to: ``<region>.<appsDomain>``."""
        return f"{self.region}.{self.apps_domain}"

    @property
    def url_host(self) -> str:
        """``host`` as a URL or gRPC target names it: an IPv6 address in brackets."""
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def base_url(self) -> str:
        return f"http://{self.url_host}:{self.port}"

    @property
    def federation_address(self) -> str | None:
        """``host:port`` of the federation plane (plaintext gRPC), None when not served."""
        if self.federation_port is None:
            return None
        return f"{self.url_host}:{self.federation_port}"
