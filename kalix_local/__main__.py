"""``kalix-local``: serve the local platform (control plane and federation plane), or
create refresh tokens and OIDC ID tokens for it."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kalix_local.config import (
    CONTROL_PLANE_AUTH_MODES,
    DEFAULT_ACCESS_TOKEN_SECONDS,
    DEFAULT_APPS_DOMAIN,
    DEFAULT_PROJECT,
    DEFAULT_REGION,
    Settings,
)
from kalix_local.credentials import ADMIN_TOKEN_FILE

if TYPE_CHECKING:
    from kalix_local.store import Store

DEFAULT_TOKEN_FILE = "default-token"
DEFAULT_FEDERATION_PORT = 9001


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kalix-local", description="A local Kalix control plane for development and tests."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the control plane and the federation plane")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--print-token",
        action="store_true",
        help="print the default project's token (by default only the 0600 file holding it "
        "is named, so no log captures it)",
    )
    serve.add_argument("--port", type=int, default=9000, help="control plane (REST)")
    serve.add_argument(
        "--federation-port",
        type=int,
        default=DEFAULT_FEDERATION_PORT,
        help=f"federation plane (gRPC, plaintext; 0 = any free port; default "
        f"{DEFAULT_FEDERATION_PORT})",
    )
    serve.add_argument(
        "--access-token-seconds",
        type=_positive_int,
        default=DEFAULT_ACCESS_TOKEN_SECONDS,
        help=f"life of an access token (default {DEFAULT_ACCESS_TOKEN_SECONDS})",
    )
    serve.add_argument(
        "--control-plane-auth",
        choices=CONTROL_PLANE_AUTH_MODES,
        default="strict",
        help="strict (default): access tokens and project UUIDs only, as the platform; "
        "legacy: also refresh tokens and project friendly names (for older tools)",
    )
    serve.add_argument("--data-dir", default=".kalix-local", help="state directory")
    serve.add_argument("--dns-resolver", choices=("system", "static", "route53"), default="static")
    serve.add_argument("--dns-static-file", help="JSON/YAML {host: cname target} records")
    serve.add_argument("--route53-endpoint", help="Route 53 API URL (e.g. a moto server)")
    serve.add_argument("--route53-region", default="us-east-1")
    serve.add_argument("--rollout-step-seconds", type=float, help="default 1.0")
    serve.add_argument("--dns-recheck-seconds", type=float, help="default 1200 (20 min)")
    serve.add_argument(
        "--status-lag-seconds", type=float, help="controller reaction delay, default 0.5"
    )
    serve.add_argument(
        "--no-watch", dest="watch", action="store_false", help="ignore watch parameters"
    )
    serve.add_argument("--region", default=DEFAULT_REGION)
    serve.add_argument("--apps-domain", default=DEFAULT_APPS_DOMAIN)
    serve.add_argument("--seed", type=int, help="seed generated names and fault rates")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))
    serve.add_argument(
        "--record",
        metavar="FILE",
        help="append one JSON line per control-plane exchange (no tokens, no secret values)",
    )

    serve.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="also accept this name in Host and Origin headers (besides loopback and "
        "--host); repeatable",
    )

    token = commands.add_parser("token", help="manage project tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser(
        "create", help="create a token (and its projects); repeat --project for several"
    )
    create.add_argument("--project", required=True, action="append")
    create.add_argument("--data-dir", default=".kalix-local")
    access = token_commands.add_parser(
        "access",
        help="exchange a refresh token for an access token (what the control plane takes), "
        "for curl; the same exchange as Auth/CreateAccessToken",
    )
    access.add_argument("--token", help="the refresh token (default: the data dir's default)")
    access.add_argument("--seconds", type=int, default=3600, help="life (default 3600)")
    access.add_argument("--data-dir", default=".kalix-local")

    oidc = commands.add_parser(
        "oidc-token",
        help="print an ID token of the local OIDC issuer, for Auth/CreateOAuthToken",
    )
    oidc.add_argument("--subject", required=True)
    oidc.add_argument("--audience", required=True, help=f"e.g. regions/{DEFAULT_REGION}")
    oidc.add_argument(
        "--project",
        action="append",
        default=[],
        help="trust the subject for this project (created if missing); repeatable",
    )
    oidc.add_argument("--expires-in", type=int, default=300, help="seconds (default 300)")
    oidc.add_argument("--data-dir", default=".kalix-local")
    return parser


def _open_store(data_dir: Path) -> Store:
    """The data dir's store; a one-line error (exit 1) for one from a newer kalix-local."""
    from kalix_local.store import Store, StoreVersionError

    try:
        return Store(data_dir / "kalix-local.db")
    except StoreVersionError as exc:
        print(f"kalix-local: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _private_dir(data_dir: Path) -> None:
    """The data directory holds tokens and secret data: owner only (0700)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)


def _default_token(data_dir: Path) -> str:
    """The default project's token: kept in the data dir (mode 0600) and reused."""
    from kalix_local.backend.projects import create_project_token, token_is_valid

    path = data_dir / DEFAULT_TOKEN_FILE
    store = _open_store(data_dir)
    try:
        if path.exists():
            token = path.read_text().strip()
            if token and token_is_valid(store, token):
                return token
        token = create_project_token(store, DEFAULT_PROJECT)
    finally:
        store.close()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn.

    The protocol must be IPPROTO_TCP, not 0: asyncio turns TCP_NODELAY on for accepted
    connections only then, and without it every small response waits ~40 ms for the
    client's delayed ACK (Nagle), as measured by benchmarks/bench_local.py.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kalix_local.app import create_app
    from kalix_local.federation.server import FederationBindError

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Bind before announcing anything: a taken port fails here, clearly, with exit 1
    # (and --port 0 picks a free one whose number is then printed).
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        print(
            f"kalix-local: cannot listen on {args.host}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    settings = Settings(
        data_dir=Path(args.data_dir),
        host=args.host,
        port=sock.getsockname()[1],
        dns_resolver=args.dns_resolver,
        dns_static_file=args.dns_static_file,
        route53_endpoint=args.route53_endpoint,
        route53_region=args.route53_region,
        rollout_step_seconds=args.rollout_step_seconds,
        dns_recheck_seconds=args.dns_recheck_seconds,
        status_lag_seconds=args.status_lag_seconds,
        watch=args.watch,
        region=args.region,
        apps_domain=args.apps_domain,
        seed=args.seed,
        federation_port=args.federation_port,
        access_token_seconds=args.access_token_seconds,
        control_plane_auth=args.control_plane_auth,
        record_file=Path(args.record) if args.record else None,
        allowed_hosts=tuple(args.allow_host),
    )
    _private_dir(settings.data_dir)
    token = _default_token(settings.data_dir)
    try:
        app = create_app(settings)
    except FederationBindError as exc:
        sock.close()
        print(f"kalix-local: federation plane: {exc}", file=sys.stderr)
        return 1
    url = settings.base_url
    print(f"kalix-local serving {url} (data: {settings.data_dir}, dns: {args.dns_resolver})")
    print(
        f"federation plane: {settings.federation_address} (gRPC, plaintext; "
        f"control-plane auth: {settings.control_plane_auth})"
    )
    print(f"default project: {DEFAULT_PROJECT}")
    token_file = settings.data_dir / DEFAULT_TOKEN_FILE
    if args.print_token:
        print(f"default token: {token}")
    else:
        print(f"default token: in {token_file} (mode 0600; --print-token prints it)")
    admin_file = settings.data_dir / ADMIN_TOKEN_FILE
    print(
        f"admin API: {url}/_local/ with "
        f'"Authorization: Bearer $(cat {shlex.quote(str(admin_file))})" (mode 0600)'
    )
    shown = token if args.print_token else f"$(cat {shlex.quote(str(token_file))})"
    print(
        f"export AKKA_API_HOST=http://{settings.federation_address} "
        f"AKKA_PROJECT={DEFAULT_PROJECT} AKKA_TOKEN={shown}"
    )
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=args.log_level,
        access_log=False,  # our own request log has the request id
        timeout_graceful_shutdown=2,  # open watch streams must not hold a shutdown
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def token_create(args: argparse.Namespace) -> int:
    from kalix_local.backend.projects import create_project_token
    from kalix_local.errors import KalixError

    store = _open_store(Path(args.data_dir))
    try:
        token = create_project_token(store, *args.project)
    except KalixError as exc:
        print(f"kalix-local: {exc.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"project: {', '.join(args.project)}")
    print(token)  # a refresh token: exchange it with Auth/CreateAccessToken
    return 0


def token_access(args: argparse.Namespace) -> int:
    """Print an access token for a refresh token (the default one unless given)."""
    from kalix_local.backend.core import Core
    from kalix_local.backend.tokens import TokenBackend
    from kalix_local.dns import make_resolver
    from kalix_local.errors import KalixError

    data_dir = Path(args.data_dir)
    refresh = args.token
    if not refresh:
        path = data_dir / DEFAULT_TOKEN_FILE
        if not path.exists():
            print(f"kalix-local: no {path}: pass --token or start the server once", file=sys.stderr)
            return 2
        refresh = path.read_text().strip()
    store = _open_store(data_dir)
    try:
        settings = Settings(data_dir=data_dir, access_token_seconds=args.seconds)
        core = Core(settings, store, make_resolver("static"))
        issued = TokenBackend(core).exchange_refresh_token(refresh)
    except KalixError as exc:
        print(f"kalix-local: {exc.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(issued.token)
    return 0


def oidc_token(args: argparse.Namespace) -> int:
    """Trust the subject for the projects given, then print a signed ID token (last)."""
    import time

    from kalix_local.backend.common import dns_label_error, now_iso
    from kalix_local.oidc import issuer_key, make_id_token

    for name in args.project:
        error = dns_label_error(name)
        if error:
            print(f'kalix-local: project "{name}": {error}', file=sys.stderr)
            return 2
    if not args.subject.strip():
        print("kalix-local: --subject must not be empty", file=sys.stderr)
        return 2
    data_dir = Path(args.data_dir)
    store = _open_store(data_dir)
    try:
        with store.tx() as tx:
            for name in args.project:
                tx.trust_subject(args.subject, tx.create_project(name, now_iso()))
            trusted = sorted(
                p.name for p in tx.list_projects() if p.id in tx.trusted_projects(args.subject)
            )
    finally:
        store.close()
    token = make_id_token(
        issuer_key(data_dir),
        args.subject,
        args.audience,
        now=time.time(),
        expires_in=args.expires_in,
    )
    print(f"subject: {args.subject} (trusted for: {', '.join(trusted) or 'no project'})")
    print(token)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "oidc-token":
        return oidc_token(args)
    if args.token_command == "access":
        return token_access(args)
    return token_create(args)


if __name__ == "__main__":
    sys.exit(main())
