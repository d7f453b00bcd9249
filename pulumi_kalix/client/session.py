"""`Session`: one credential against one Akka platform, as every caller needs it.

A session owns
- the **credential** (:mod:`.credentials`) and the **access tokens** derived from it:
  exchanged on the federation plane when first needed, cached in this process,
  renewed 60 s before they expire and once more when a server rejects one;
- the **federation client** (:class:`.federation.Federation`);
- **project resolution**: a friendly name or a UUID to the project's UUID, through
  paged `ListProjects` (or `GetProject` for a UUID), cached;
- **region routing**: the control-plane endpoint of the project's primary region (or
  of the region the settings name), with the region's CA and TLS flags, cached;
- the **control-plane clients** for those endpoints (one connection pool each).

Nothing here is pickled: the provider and the program each build their session at run
time, from settings read then.
"""

from __future__ import annotations

import functools
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .._proto.kalix.projects.v1alpha import projects_pb2
from ..errors import ConfigurationError, ForbiddenError, NotFoundError
from .control_plane import AsyncControlPlane, ControlPlane, RetryPolicy
from .credentials import Credential
from .federation import FEDERATION_RETRY, Endpoint, Federation

#: Renew an access token this long before it expires (as the official SDK does).
RENEW_BEFORE_SECONDS = 60.0
#: Assumed life of an access token whose answer carries no expiry.
UNKNOWN_LIFE_SECONDS = 300.0
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class AccessTokens:
    """The access token of one credential: exchanged on demand, cached, renewed."""

    def __init__(
        self,
        credential: Credential,
        federation: Callable[[], Federation],
        *,
        clock: Callable[[], float] = time.time,
        renew_before: float = RENEW_BEFORE_SECONDS,
    ) -> None:
        self.credential = credential
        self._federation = federation
        self._clock = clock
        self._renew_before = renew_before
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._renew_at = 0.0
        #: how many exchanges this cache made (tests and `whoami` read it)
        self.exchanges = 0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                issued = self._clock()
                self._token, self._expires_at = self._exchange()
                # 60 s early, or a quarter of the life of a token shorter than 4 minutes
                # (kalix-local can issue 1 s tokens to test this).
                life = max(0.0, self._expires_at - issued)
                self._renew_at = self._expires_at - min(self._renew_before, life / 4)
                self.exchanges += 1
            return self._token

    def invalidate(self, token: str) -> None:
        """A server rejected `token`: the next `get` exchanges anew."""
        with self._lock:
            if self._token == token:
                self._token = None

    @property
    def expires_at(self) -> float:
        return self._expires_at

    def _exchange(self) -> tuple[str, float]:
        federation = self._federation()
        now = self._clock()
        if self.credential.kind == "oidc":
            answer = federation.exchange_oidc_token(
                self.credential.subject_token(), self.credential.audience
            )
            life = float(answer.expires_in) if answer.expires_in > 0 else UNKNOWN_LIFE_SECONDS
            return answer.access_token, now + life
        token = federation.create_access_token(self.credential.refresh_token())
        expires = token.expire_time.seconds + token.expire_time.nanos / 1e9
        return token.token, expires if expires > 0 else now + UNKNOWN_LIFE_SECONDS

    def __repr__(self) -> str:
        return f"AccessTokens({self.credential})"


@dataclass(frozen=True)
class RegionInfo:
    """A region of a project, as the control-plane client needs it."""

    name: str  # the region id, e.g. "gcp-us-east1"
    endpoint: str  # control-plane base URL
    certificate_authority: str = ""
    insecure_skip_tls_verify: bool = False
    ingress_cname_address: str = ""
    apps_domain_name: str = ""
    primary: bool = False

    @classmethod
    def of(cls, region: projects_pb2.Region) -> RegionInfo:
        return cls(
            name=region.name.rsplit("/", 1)[-1],
            endpoint=region.endpoint,
            certificate_authority=region.certificate_authority,
            insecure_skip_tls_verify=region.insecure_skip_tls_verify,
            ingress_cname_address=region.ingress_cname_address,
            apps_domain_name=region.apps_domain_name,
            primary=region.primary,
        )


@dataclass(frozen=True)
class ProjectInfo:
    id: str  # the UUID: the control plane's namespace
    friendly_name: str
    organization: str
    regions: tuple[RegionInfo, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, project: projects_pb2.Project) -> ProjectInfo:
        return cls(
            id=project.name.removeprefix("projects/"),
            friendly_name=project.friendly_name,
            organization=project.owner.friendly_name or project.owner.name,
            regions=tuple(RegionInfo.of(r) for r in project.regions),
        )

    def describe(self) -> str:
        org = f" of organization {self.organization!r}" if self.organization else ""
        return f"{self.friendly_name!r} ({self.id}){org}"


class Session:
    """One credential, one federation endpoint; see the module docstring."""

    def __init__(
        self,
        api_host: str,
        credential: Credential,
        *,
        region: str | None = None,
        control_plane_url: str | None = None,
        federation: Federation | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        try:
            self.endpoint = Endpoint.parse(api_host)
        except ValueError as exc:
            raise ConfigurationError(
                f"kalix:apiHost {api_host!r} is not valid ({exc}): use host:port for TLS "
                "(default api.kalix.io:443) or http://host:port for a local plaintext one; "
                "set it with `pulumi config set kalix:apiHost ...` or AKKA_API_HOST"
            ) from None
        self.credential = credential
        self.region = region
        self.control_plane_url = control_plane_url.rstrip("/") if control_plane_url else None
        #: the control-plane clients' retry policy
        self.retry = retry or RetryPolicy()
        self._lock = threading.RLock()
        self.tokens = AccessTokens(credential, lambda: self.federation)
        self._federation = federation
        self._projects: dict[str, ProjectInfo] = {}
        self._regions: dict[str, RegionInfo] = {}
        self._control_planes: dict[str, ControlPlane] = {}

    def __repr__(self) -> str:  # never a token
        return f"Session({str(self.endpoint)!r}, {self.credential})"

    # -- federation ----------------------------------------------------------------

    @property
    def federation(self) -> Federation:
        with self._lock:
            if self._federation is None:
                self._federation = Federation(
                    self.endpoint,
                    token=self.tokens.get,
                    renew=self.tokens.invalidate,
                    # The settings' outage budget (kalix:retrySeconds): a restart of the
                    # platform is ridden out on both planes alike.
                    retry=replace(self.retry, max_retries=FEDERATION_RETRY.max_retries),
                )
            return self._federation

    def access_token(self) -> str:
        return self.tokens.get()

    # -- projects and regions --------------------------------------------------------

    def project(self, name_or_id: str) -> ProjectInfo:
        """The project a friendly name or UUID names (cached)."""
        key = name_or_id.strip()
        with self._lock:
            if key in self._projects:
                return self._projects[key]
        info = self._lookup(key)
        with self._lock:
            self._projects[key] = info
            self._projects[info.id] = info
        return info

    def _lookup(self, key: str) -> ProjectInfo:
        if UUID.match(key):
            try:
                return ProjectInfo.of(self.federation.get_project(key.lower()))
            except (NotFoundError, ForbiddenError):
                raise ConfigurationError(
                    f"project {key} does not exist or this credential ({self.credential.source})"
                    " cannot see it: check kalix:project"
                ) from None
        projects = [ProjectInfo.of(p) for p in self.federation.list_projects()]
        matches = [p for p in projects if p.friendly_name == key]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ConfigurationError(
                f"the project name {key!r} is ambiguous: "
                + ", ".join(p.describe() for p in matches)
                + "; set kalix:project to the UUID of the one you mean"
            )
        seen = ", ".join(repr(p.friendly_name) for p in projects[:20]) or "none"
        more = f" and {len(projects) - 20} more" if len(projects) > 20 else ""
        raise ConfigurationError(
            f"no project named {key!r} is visible to this credential ({self.credential.source}); "
            f"it sees: {seen}{more}. Set kalix:project to one of them (name or UUID)"
        )

    def forget_project(self, project_id: str) -> None:
        """Drop what is cached of a project (renamed or deleted by a `Project`)."""
        with self._lock:
            for key in [k for k, v in self._projects.items() if v.id == project_id]:
                del self._projects[key]
            self._regions.pop(project_id, None)

    def region_of(self, project: ProjectInfo) -> RegionInfo:
        """The region whose control plane serves `project`: the one the settings name,
        else the primary one, else the first (the official SDK's rule)."""
        with self._lock:
            if project.id in self._regions:
                return self._regions[project.id]
        regions = list(project.regions) or [
            RegionInfo.of(r) for r in self.federation.list_regions(project.id)
        ]
        if not regions:
            raise ConfigurationError(f"project {project.describe()} has no regions")
        if self.region:
            wanted = self.region.rsplit("/", 1)[-1]
            chosen = next((r for r in regions if r.name == wanted), None)
            if chosen is None:
                names = ", ".join(r.name for r in regions)
                raise ConfigurationError(
                    f"kalix:region {self.region!r} is not a region of project "
                    f"{project.describe()} (its regions: {names})"
                )
        else:
            chosen = next((r for r in regions if r.primary), regions[0])
        with self._lock:
            self._regions[project.id] = chosen
        return chosen

    # -- control plane ---------------------------------------------------------------

    def control_plane_target(self, project: ProjectInfo) -> tuple[str, Any]:
        """(base URL, httpx `verify`) of the control plane serving `project`."""
        region = self.region_of(project)
        url = self.control_plane_url or region.endpoint
        if not url:
            raise ConfigurationError(
                f"region {region.name!r} of project {project.describe()} publishes no "
                "control-plane endpoint: set kalix:controlPlaneUrl"
            )
        if not url.startswith(("http://", "https://")):
            url = f"https://{url}"
        verify: Any = True
        if region.insecure_skip_tls_verify:
            verify = False
        elif region.certificate_authority:
            verify = _ca_context(region.certificate_authority)
        return url.rstrip("/"), verify

    def control_plane(self, project: str) -> ControlPlane:
        """The synchronous client of `project`'s collections (pool shared per endpoint)."""
        info = self.project(project)
        url, verify = self.control_plane_target(info)
        with self._lock:
            base = self._control_planes.get(url)
            if base is None:
                base = ControlPlane(
                    url,
                    self.tokens.get,
                    info.id,
                    renew=self.tokens.invalidate,
                    verify=verify,
                    retry=self.retry,
                )
                self._control_planes[url] = base
        return base.with_project(info.id)

    def async_control_plane(self, project: str) -> AsyncControlPlane:
        """An asynchronous client of `project` (the caller closes it)."""
        info = self.project(project)
        url, verify = self.control_plane_target(info)
        return AsyncControlPlane(
            url,
            self.tokens.get,
            info.id,
            renew=self.tokens.invalidate,
            verify=verify,
            retry=self.retry,
        )

    def close(self) -> None:
        with self._lock:
            for client in self._control_planes.values():
                client.close()
            self._control_planes.clear()
            if self._federation is not None:
                self._federation.close()
                self._federation = None


@functools.lru_cache(maxsize=16)
def _ca_context(cadata: str) -> ssl.SSLContext:
    """One SSL context per region CA for the process (building one loads and parses
    the CA: every client made from it would otherwise pay that again)."""
    return ssl.create_default_context(cadata=cadata)


_SESSIONS: dict[tuple[Any, ...], Session] = {}
_SESSIONS_LOCK = threading.Lock()


def shared_session(
    api_host: str,
    credential: Credential,
    *,
    region: str | None = None,
    control_plane_url: str | None = None,
    retry: RetryPolicy | None = None,
) -> Session:
    """The process's session for these settings: one token cache and one set of
    connection pools, however many callers ask."""
    key = (api_host, credential.identity(), region, control_plane_url, retry)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = Session(
                api_host,
                credential,
                region=region,
                control_plane_url=control_plane_url,
                retry=retry,
            )
            _SESSIONS[key] = session
        return session


__all__ = [
    "AccessTokens",
    "ProjectInfo",
    "RegionInfo",
    "Session",
    "shared_session",
]
