"""Refuses requests a web page could make the developer's browser send.

A page on any site can make the browser POST to ``http://127.0.0.1:9000`` (a plain form
needs no CORS preflight), and a DNS-rebinding page can even read the answers under its
own name. So, on every HTTP path (admin API, control plane, hostnames API):

- the ``Host`` header must name an address this server serves: a rebound name does not;
- a state-changing request (POST, PUT, PATCH, DELETE) must not be cross-site: an
  ``Origin`` that is not this server, or ``Sec-Fetch-Site: cross-site`` / ``same-site``
  (another port of localhost is "same-site"), is refused.

Requests without ``Origin`` (curl, httpx, the provider) pass. The federation plane is
gRPC over HTTP/2 (plaintext, prior knowledge), which no browser form or fetch can speak,
so it needs no such guard.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kalix_local.errors import status_body

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
#: Sec-Fetch-Site values a browser sends for a request another page started.
_FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (IPv6 in brackets) as (lower-case name, port); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else ""
    else:
        name, _, port_text = value.partition(":")
        if ":" in port_text:
            return None
    name = name.rstrip(".")
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return name, int(port_text)


class HostOriginGuard:
    """ASGI middleware: 403 Status for a foreign ``Host`` or a cross-site write."""

    def __init__(
        self, app: ASGIApp, *, bind_host: str, port: int, extra_hosts: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.port = port
        bind = bind_host.strip().strip("[]").lower()
        self.names = {*LOOPBACK_NAMES, *(h.strip().lower() for h in extra_hosts if h.strip())}
        # Bound to every interface: any IP literal is one of ours (a rebinding attack needs
        # a name it controls, so IP literals cannot carry one).
        self.any_ip = bind in _WILDCARDS
        if not self.any_ip:
            self.names.add(bind)

    def allowed(self, name: str, port: int | None) -> bool:
        if (port or 80) != self.port:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    def served(self) -> str:
        shown = sorted(f"[{n}]" if ":" in n else n for n in self.names)
        return ", ".join(f"{n}:{self.port}" for n in shown)

    def refusal(self, scope: Scope) -> str | None:
        headers: dict[bytes, bytes] = {}
        for key, value in scope["headers"]:
            headers.setdefault(key, value)
        host = headers.get(b"host", b"").decode("latin-1")
        parsed = split_host(host)
        if parsed is None or not self.allowed(*parsed):
            return f'Host "{host[:200]}" is not an address this server serves ({self.served()})'
        if scope["method"].upper() not in STATE_CHANGING:
            return None
        fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
        if fetch_site in _FOREIGN_FETCH_SITES:
            return f"a {fetch_site} request (Sec-Fetch-Site) may not change state"
        origin = headers.get(b"origin")
        if origin is None:
            return None
        text = origin.decode("latin-1").strip()
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            parts, port = None, None
        netloc_ok = (
            parts is not None
            and parts.scheme == "http"
            and parts.hostname is not None
            and self.allowed(parts.hostname.rstrip("."), port)
        )
        if not netloc_ok:
            return f'a cross-site request (Origin "{text[:200]}") may not change state'
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = self.refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
            return
        log.warning("refused %s %s: %s", scope["method"], scope["path"], reason)
        body = status_body(403, "Forbidden", f"forbidden: {reason}")
        await JSONResponse(body, status_code=403)(scope, receive, send)
