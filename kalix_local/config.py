"""Settings of one kalix-local server, fixed at start (runtime knobs live in the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ROLLOUT_STEP_SECONDS = 1.0
#: Kalix rechecks custom hostnames "typically every 20 minutes".
DEFAULT_DNS_RECHECK_SECONDS = 1200.0
DEFAULT_REGION = "us-east1"
DEFAULT_APPS_DOMAIN = "kalix.app"
DEFAULT_PROJECT = "default"
MAX_BODY_BYTES = 1024 * 1024


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
    region: str = DEFAULT_REGION
    apps_domain: str = DEFAULT_APPS_DOMAIN
    #: Seed for generated hostnames and fault-injection rates (None = random).
    seed: int | None = None
    run_background: bool = True
    #: Append one JSON line per control-plane exchange here (kalix_local/recorder.py).
    record_file: Path | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kalix-local.db"

    @property
    def ingress_cname(self) -> str:
        """Where custom hostnames must CNAME to: ``<region>.<appsDomain>``."""
        return f"{self.region}.{self.apps_domain}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
