"""``kalix-local``: serve the local control plane, or create project tokens."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path

from kalix_local.config import DEFAULT_APPS_DOMAIN, DEFAULT_PROJECT, DEFAULT_REGION, Settings

DEFAULT_TOKEN_FILE = "default-token"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kalix-local", description="A local Kalix control plane for development and tests."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the control-plane API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=9000)
    serve.add_argument("--data-dir", default=".kalix-local", help="state directory")
    serve.add_argument("--dns-resolver", choices=("system", "static", "route53"), default="static")
    serve.add_argument("--dns-static-file", help="JSON/YAML {host: cname target} records")
    serve.add_argument("--route53-endpoint", help="Route 53 API URL (e.g. a moto server)")
    serve.add_argument("--route53-region", default="us-east-1")
    serve.add_argument("--rollout-step-seconds", type=float, help="default 1.0")
    serve.add_argument("--dns-recheck-seconds", type=float, help="default 1200 (20 min)")
    serve.add_argument("--region", default=DEFAULT_REGION)
    serve.add_argument("--apps-domain", default=DEFAULT_APPS_DOMAIN)
    serve.add_argument("--seed", type=int, help="seed generated names and fault rates")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))
    serve.add_argument(
        "--record",
        metavar="FILE",
        help="append one JSON line per control-plane exchange (no tokens, no secret values)",
    )

    token = commands.add_parser("token", help="manage project tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser(
        "create", help="create a token (and its projects); repeat --project for several"
    )
    create.add_argument("--project", required=True, action="append")
    create.add_argument("--data-dir", default=".kalix-local")
    return parser


def _default_token(data_dir: Path) -> str:
    """The default project's token: kept in the data dir (mode 0600) and reused."""
    from kalix_local.backend.projects import create_project_token, token_is_valid
    from kalix_local.store import Store

    path = data_dir / DEFAULT_TOKEN_FILE
    store = Store(data_dir / "kalix-local.db")
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
        region=args.region,
        apps_domain=args.apps_domain,
        seed=args.seed,
        record_file=Path(args.record) if args.record else None,
    )
    token = _default_token(settings.data_dir)
    app = create_app(settings)
    url = settings.base_url
    print(f"kalix-local serving {url} (data: {settings.data_dir}, dns: {args.dns_resolver})")
    print(f"default project: {DEFAULT_PROJECT}")
    print(f"default token: {token}")
    print(f"export KALIX_API_URL={url} KALIX_PROJECT={DEFAULT_PROJECT} KALIX_TOKEN={token}")
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
    from kalix_local.store import Store

    store = Store(Path(args.data_dir) / "kalix-local.db")
    try:
        token = create_project_token(store, *args.project)
    except KalixError as exc:
        print(f"kalix-local: {exc.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"project: {', '.join(args.project)}")
    print(token)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return token_create(args)


if __name__ == "__main__":
    sys.exit(main())
