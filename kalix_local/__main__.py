"""``kalix-local``: serve the local platform (control plane and federation plane), or
create refresh tokens and OIDC ID tokens for it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import socket
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kalix_local.config import (
    CONTROL_PLANE_AUTH_MODES,
    DEFAULT_ACCESS_TOKEN_SECONDS,
    DEFAULT_APPS_DOMAIN,
    DEFAULT_DNS_RECHECK_SECONDS,
    DEFAULT_PROJECT,
    DEFAULT_REGION,
    DEFAULT_ROLLOUT_STEP_SECONDS,
    DEFAULT_SOFT_DELETE_RETENTION_SECONDS,
    DEFAULT_STATUS_LAG_SECONDS,
    Settings,
)
from kalix_local.credentials import ADMIN_TOKEN_FILE, read_admin_token

if TYPE_CHECKING:
    from types import FrameType

    from kalix_local.store import Store

DEFAULT_TOKEN_FILE = "default-token"
DEFAULT_FEDERATION_PORT = 9001
DEFAULT_DATA_DIR = ".kalix-local"
DEFAULT_URL = "http://127.0.0.1:9000"
DB_FILE = "kalix-local.db"
_INGRESS_EXAMPLE = f"{DEFAULT_REGION}.{DEFAULT_APPS_DOMAIN}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 to 65535 (got {value})")
    return value


def _seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds (got {text})")
    return value


def _lag_seconds(text: str) -> float:
    """Zero or more seconds (0 = the controller reacts inside the write)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds (got {text})")
    return value


class _Parser(argparse.ArgumentParser):
    """A usage error in one line (the full usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default; ``None`` (not given: the server decides) is left out,
    as the help text then says what applies."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", default=DEFAULT_DATA_DIR, metavar="DIR", help="state directory"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kalix-local",
        description="A local Kalix control plane for development and tests.",
        formatter_class=_Help,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="serve the control plane and the federation plane", formatter_class=_Help
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (an IPv6 one such as ::1 too)",
    )
    serve.add_argument(
        "--port", type=_port, default=9000, metavar="PORT", help="control plane (REST; 0 = any)"
    )
    serve.add_argument(
        "--federation-port",
        type=_port,
        default=DEFAULT_FEDERATION_PORT,
        metavar="PORT",
        help="federation plane (gRPC, plaintext; 0 = any free port)",
    )
    serve.add_argument(
        "--port-file",
        metavar="FILE",
        help='write the bound ports as JSON {"port": N, "federation_port": M} once both '
        "are bound (with port 0: how a script learns them)",
    )
    serve.add_argument(
        "--print-token",
        action="store_true",
        help="print the default project's token (by default only the 0600 file holding it "
        "is named, so no log captures it)",
    )
    serve.add_argument(
        "--access-token-seconds",
        type=_positive_int,
        default=DEFAULT_ACCESS_TOKEN_SECONDS,
        metavar="SECONDS",
        help="life of an access token",
    )
    serve.add_argument(
        "--control-plane-auth",
        choices=CONTROL_PLANE_AUTH_MODES,
        default="strict",
        help="strict: access tokens and project UUIDs only, as the platform; "
        "legacy: also refresh tokens and project friendly names (for older tools)",
    )
    _data_dir_option(serve)
    serve.add_argument(
        "--dns-resolver",
        choices=("system", "static", "route53"),
        default="static",
        help="how custom hostnames' CNAME records are looked up: static = records set "
        "with `kalix-local dns set` or --dns-static-file; system = real DNS; route53 = a "
        "Route 53 API",
    )
    serve.add_argument(
        "--dns-static-file", metavar="FILE", help="JSON/YAML {host: cname target} records"
    )
    serve.add_argument(
        "--route53-endpoint", metavar="URL", help="Route 53 API URL (e.g. a moto server)"
    )
    serve.add_argument(
        "--route53-region", default="us-east-1", metavar="REGION", help="Route 53 region"
    )
    serve.add_argument(
        "--rollout-step-seconds",
        type=_seconds,
        metavar="SECONDS",
        help=f"time per instance of a rollout (default {DEFAULT_ROLLOUT_STEP_SECONDS})",
    )
    serve.add_argument(
        "--dns-recheck-seconds",
        type=_seconds,
        metavar="SECONDS",
        help=f"how often routes' DNS is checked again (default {DEFAULT_DNS_RECHECK_SECONDS:g})",
    )
    serve.add_argument(
        "--status-lag-seconds",
        type=_lag_seconds,
        metavar="SECONDS",
        help=f"controller reaction delay (default {DEFAULT_STATUS_LAG_SECONDS})",
    )
    serve.add_argument(
        "--soft-delete-retention-seconds",
        type=_seconds,
        default=DEFAULT_SOFT_DELETE_RETENTION_SECONDS,
        metavar="SECONDS",
        help="how long a soft-deleted service stays restorable before it is purged "
        "(14 days, as the platform's restore window)",
    )
    serve.add_argument(
        "--no-watch", dest="watch", action="store_false", help="ignore watch parameters"
    )
    serve.add_argument(
        "--region", default=DEFAULT_REGION, metavar="REGION", help="the projects' region"
    )
    serve.add_argument(
        "--apps-domain",
        default=DEFAULT_APPS_DOMAIN,
        metavar="DOMAIN",
        help="domain of generated hostnames",
    )
    serve.add_argument("--seed", type=int, metavar="N", help="seed generated names and fault rates")
    serve.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning"), help="log level"
    )
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

    token = commands.add_parser("token", help="manage project tokens", formatter_class=_Help)
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser(
        "create",
        help="create a token (and its projects); repeat --project for several",
        formatter_class=_Help,
    )
    create.add_argument("--project", required=True, action="append")
    _data_dir_option(create)
    create.add_argument(
        "--create",
        action="store_true",
        help="create the data directory's database if it has none (by default that is "
        "refused: a typo in --data-dir would make a token nobody's server knows)",
    )
    access = token_commands.add_parser(
        "access",
        help="exchange a refresh token for an access token (what the control plane takes), "
        "for curl; the same exchange as Auth/CreateAccessToken",
        formatter_class=_Help,
    )
    access.add_argument("--token", help="the refresh token (default: the data dir's default)")
    access.add_argument("--seconds", type=_positive_int, default=3600, help="life")
    _data_dir_option(access)

    oidc = commands.add_parser(
        "oidc-token",
        help="print an ID token of the local OIDC issuer, for Auth/CreateOAuthToken",
        formatter_class=_Help,
    )
    oidc.add_argument("--subject", required=True)
    oidc.add_argument("--audience", required=True, help=f"e.g. regions/{DEFAULT_REGION}")
    oidc.add_argument(
        "--project",
        action="append",
        default=[],
        help="trust the subject for this project (created if missing); repeatable",
    )
    oidc.add_argument(
        "--expires-in",
        type=int,
        default=300,
        metavar="SECONDS",
        help="life of the token (negative: already expired, for tests)",
    )
    _data_dir_option(oidc)

    dns = commands.add_parser(
        "dns",
        help="the running server's static DNS records (--dns-resolver static)",
        formatter_class=_Help,
    )
    dns_commands = dns.add_subparsers(dest="dns_command", required=True)
    dns_set = dns_commands.add_parser(
        "set",
        help="add or replace NAME's CNAME record, then check every route's DNS again",
        formatter_class=_Help,
    )
    dns_set.add_argument("name", metavar="NAME", help="a host name, e.g. shop.example.com")
    dns_set.add_argument("cname", metavar="CNAME", help=f"its target, e.g. {_INGRESS_EXAMPLE}")
    dns_list = dns_commands.add_parser(
        "list", help="print every record: NAME CNAME, one a line", formatter_class=_Help
    )
    dns_delete = dns_commands.add_parser(
        "delete",
        help="remove NAME's record, then check every route's DNS again",
        formatter_class=_Help,
    )
    dns_delete.add_argument("name", metavar="NAME")
    for sub in (dns_set, dns_list, dns_delete):
        sub.add_argument(
            "--url", default=DEFAULT_URL, help="the running kalix-local's control-plane URL"
        )
        sub.add_argument(
            "--data-dir",
            default=DEFAULT_DATA_DIR,
            help="the running server's data directory (for its admin-token)",
        )
    return parser


def serve_flags_markdown() -> str:
    """The README's table of ``serve`` flags, from the parser itself (a test compares the
    two): ``python -c 'from kalix_local.__main__ import serve_flags_markdown as f; print(f())'``."""
    serve = next(
        choice
        for action in _parser()._subparsers._group_actions  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction)
        for name, choice in action.choices.items()
        if name == "serve"
    )
    rows = ["| Flag | Default | What |", "| --- | --- | --- |"]
    for action in serve._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        flag = max(action.option_strings, key=len)
        if action.choices:
            flag += " {" + ",".join(map(str, action.choices)) + "}"
        elif action.nargs != 0:
            flag += f" {action.metavar or action.dest.upper()}"
        help_text = " ".join((action.help or "").split())
        default: str
        if action.nargs == 0:
            default = "off"  # a switch
        elif action.default in (None, []):
            found = re.search(r"\(default ([^)]+)\)", help_text)
            default = found.group(1) if found else "—"
            help_text = re.sub(r" ?\(default [^)]+\)", "", help_text)
        elif isinstance(action.default, float) and action.default.is_integer():
            default = str(int(action.default))
        else:
            default = str(action.default)
        rows.append(f"| `{flag}` | {default} | {help_text} |")
    return "\n".join(rows)


class CliError(Exception):
    """A one-line error: printed as ``kalix-local: <message>``, exit ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _open_store(data_dir: Path, *, create: bool = True) -> Store:
    """The data dir's store; a one-line error (exit 1) for one from a newer kalix-local,
    or (``create=False``) for a data directory that has no database yet."""
    from kalix_local.store import Store, StoreVersionError

    path = data_dir / DB_FILE
    if not create and not path.exists():
        raise CliError(
            f"{data_dir} has no kalix-local database ({DB_FILE}): check --data-dir (the "
            f"directory `kalix-local serve` uses), or pass --create to start a new one",
            code=2,
        )
    try:
        return Store(path)
    except StoreVersionError as exc:
        raise CliError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"cannot open {path}: {exc}") from None


def _private_dir(data_dir: Path) -> None:
    """The data directory holds tokens and secret data: owner only (0700)."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        # Root ignores modes: try a write, so an unusable directory fails here, plainly.
        probe = data_dir / ".kalix-local-write-check"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CliError(f"cannot use --data-dir {data_dir}: {reason}") from None


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


def _write_port_file(path: Path, port: int, federation_port: int | None) -> None:
    """Written whole or not at all (a temporary file renamed over it), so a reader that
    polls for it never sees half a file; a stale one from the last start is replaced."""
    text = json.dumps({"port": port, "federation_port": federation_port}) + "\n"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def _check_static_file(path: str | None) -> None:
    """Load ``--dns-static-file`` once before anything starts: a missing or malformed
    file is a one-line usage error, not a traceback from inside the app."""
    if path is None:
        return
    from kalix_local.dns import StaticResolver

    try:
        StaticResolver().load_file(path)
    except OSError as exc:
        raise CliError(f"--dns-static-file {path}: {exc.strerror or exc}", code=2) from None
    except UnicodeDecodeError:
        raise CliError(f"--dns-static-file {path}: not UTF-8 text", code=2) from None
    except ValueError as exc:
        raise CliError(f"--dns-static-file {exc}", code=2) from None  # names the file


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kalix_local.app import create_app
    from kalix_local.federation.server import FederationBindError

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.dns_static_file is not None and args.dns_resolver != "static":
        raise CliError("--dns-static-file needs --dns-resolver static", code=2)
    _check_static_file(args.dns_static_file)
    data_dir = Path(args.data_dir)
    _private_dir(data_dir)
    # Bind before announcing anything: a taken port fails here, clearly, with exit 1
    # (and --port 0 picks a free one whose number is then printed).
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        shown = f"[{args.host}]" if ":" in args.host else args.host
        raise CliError(f"cannot listen on {shown}:{args.port}: {exc.strerror or exc}") from None
    settings = Settings(
        data_dir=data_dir,
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
        soft_delete_retention_seconds=args.soft_delete_retention_seconds,
    )
    try:
        token = _default_token(settings.data_dir)
        app = create_app(settings)  # writes the admin token at the first start
    except FederationBindError as exc:
        sock.close()
        raise CliError(f"federation plane: {exc}") from None
    except BaseException:
        sock.close()
        raise
    if args.port_file is not None:
        try:
            _write_port_file(Path(args.port_file), settings.port, settings.federation_port)
        except OSError as exc:
            sock.close()  # the process exits: the federation socket goes with it
            raise CliError(f"--port-file {args.port_file}: {exc.strerror or exc}") from None
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
        # loop and http stay "auto": uvloop and httptools when installed (the `local`
        # extra brings both), asyncio and h11 where they are not (uvloop has no Windows).
        timeout_graceful_shutdown=2,  # open watch streams must not hold a shutdown
    )
    shutdown = app.state.shutdown

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            shutdown.trigger()  # open watch streams end now, so the shutdown is prompt
            super().handle_exit(sig, frame)

    Server(config).run(sockets=[sock])
    return 0


def token_create(args: argparse.Namespace) -> int:
    from kalix_local.backend.projects import create_project_token
    from kalix_local.errors import KalixError

    data_dir = Path(args.data_dir)
    if args.create:
        _private_dir(data_dir)
    store = _open_store(data_dir, create=args.create)
    try:
        token = create_project_token(store, *args.project)
    except KalixError as exc:
        raise CliError(exc.message, code=2) from None
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
    store = _open_store(data_dir, create=False)
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


def _admin_call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    """One call of the running server's admin API with the data dir's admin token."""
    import httpx

    data_dir = Path(args.data_dir)
    token = read_admin_token(data_dir)
    if token is None:
        raise CliError(
            f"no admin token in {data_dir / ADMIN_TOKEN_FILE}: pass --data-dir of the "
            f"running server (it writes that file at its first start)",
            code=2,
        )
    url = args.url.rstrip("/") + "/_local" + path
    try:
        response = httpx.request(
            method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
    except httpx.HTTPError as exc:
        raise CliError(f"no kalix-local answers at {args.url} ({exc}): is it running?") from None
    if response.status_code == 401:
        raise CliError(
            f"the kalix-local at {args.url} does not take the admin token of {data_dir}: "
            f"pass --data-dir of that server (or --url of this data directory's server)"
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.is_error:
        message = answer.get("message") if isinstance(answer, dict) else None
        raise CliError(f"{method} {path}: HTTP {response.status_code}: {message or response.text}")
    return answer


def dns_command(args: argparse.Namespace) -> int:
    """``dns set|list|delete``: read, change and write back the whole record set (the
    admin API replaces it as one), then recheck routes so a route's status follows now
    rather than at the next periodic recheck (``--dns-recheck-seconds``)."""
    records: dict[str, str] = _admin_call(args, "GET", "/dns/records")
    if args.dns_command == "list":
        for name, target in sorted(records.items()):
            print(f"{name} {target}")
        return 0
    from kalix_local.dns import normalize_name

    name = normalize_name(args.name)
    if not name:
        raise CliError("NAME must not be empty", code=2)
    if args.dns_command == "set":
        target = normalize_name(args.cname)
        if not target:
            raise CliError("CNAME must not be empty", code=2)
        records[name] = target
    elif records.pop(name, None) is None:
        raise CliError(f"no DNS record for {name}", code=1)
    _admin_call(args, "PUT", "/dns/records", records)
    changed = _admin_call(args, "POST", "/dns/recheck")["changed"]
    done = f"{name} CNAME {records[name]}" if args.dns_command == "set" else f"{name} deleted"
    print(f"{done} (routes rechecked; {changed} changed status)")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve(args)
    if args.command == "oidc-token":
        return oidc_token(args)
    if args.command == "dns":
        return dns_command(args)
    if args.token_command == "access":
        return token_access(args)
    return token_create(args)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except CliError as exc:
        print(f"kalix-local: {exc.message}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:  # Ctrl-C before the server took over SIGINT
        return 130


if __name__ == "__main__":
    sys.exit(main())
