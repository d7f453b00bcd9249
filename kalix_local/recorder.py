"""``kalix-local serve --record FILE``: one JSON line per control-plane exchange.

Like moto's recorder: every request under ``/apis/`` is appended to FILE as it was seen
on the wire, so tests (or a user) can check afterwards that what the server answered and
what clients sent fit the published API. A line holds::

    {"time": 1700000000.123, "method": "POST", "path": "/apis/...", "query": "a=b",
     "user_agent": "pulumi-kalix/0.1", "request_body": {...}, "status": 201,
     "response_body": {...}}

plus, when they apply, ``"watch": true`` (a streaming watch: its body is not kept),
``"dropped": true`` (the connection was cut before the response completed) and
``"request_body_invalid"`` / ``"response_body_invalid"`` (not JSON; the body is
``null``) or ``"request_body_truncated"`` (larger than the recorder keeps).

Never recorded: the ``authorization`` header (only the user agent is kept) and secret
values. Every value of a secret's ``spec.data`` becomes ``""`` (keys kept, so the shape
still validates), and those values are scrubbed from every string of the exchange (an
error message that echoed one).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kalix_local.config import MAX_BODY_BYTES

RECORDED_PREFIX = "/apis/"
SECRET_PLURAL = "kalixsecrets"
SECRET_KINDS = ("KalixSecret", "KalixSecretList")
#: A store's ``postgres.ssl.password`` is secret too (kalix_local/backend/stores.py).
STORE_PLURAL = "kalixstores"
#: So is an observability's ``azureMonitor.connectionString`` (backend/observabilities.py).
OBSERVABILITY_PLURAL = "kalixobservabilities"
#: Bodies above this are not kept (the request limit is MAX_BODY_BYTES; lists may be big).
MAX_REQUEST_BYTES = MAX_BODY_BYTES
MAX_RESPONSE_BYTES = 32 * MAX_BODY_BYTES
#: Scrubbing shorter values would blank unrelated text ("a" is in every message).
MIN_SCRUBBED_LENGTH = 4
_TRUE = ("1", "true", "on", "yes")  # what the list route's `watch: bool` accepts


def _is_watch(query: str) -> bool:
    values = parse_qs(query).get("watch", [])
    return bool(values) and values[-1].strip().lower() in _TRUE


def _parse(raw: bytes | bytearray) -> tuple[Any, bool]:
    """(the JSON value or None, whether the bytes were valid JSON)."""
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw), True
    except (ValueError, RecursionError):
        return None, False


def _secret_objects(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    items = body.get("items")
    objects = [body]
    if isinstance(items, list):
        objects.extend(i for i in items if isinstance(i, dict))
    return [o for o in objects if isinstance(o.get("spec"), dict) and "data" in o["spec"]]


def redact_secret_data(body: Any) -> list[str]:
    """Blank the values of ``spec.data`` (of an object or of each list item) in place;
    returns the values removed, to scrub them from the rest of the exchange."""
    removed: list[str] = []
    for obj in _secret_objects(body):
        data = obj["spec"]["data"]
        if isinstance(data, dict):
            removed.extend(v for v in data.values() if isinstance(v, str))
            obj["spec"]["data"] = {key: "" for key in data}
        elif data is not None:  # not a map: keep nothing of it
            removed.extend([data] if isinstance(data, str) else [])
            obj["spec"]["data"] = ""
    return removed


def redact_store_passwords(body: Any) -> list[str]:
    """Blank ``spec.postgres.ssl.password`` (of an object or of each list item) in place;
    returns the values removed."""
    removed: list[str] = []
    if not isinstance(body, dict):
        return removed
    items = body.get("items")
    for obj in [body, *(items if isinstance(items, list) else [])]:
        spec = obj.get("spec") if isinstance(obj, dict) else None
        postgres = spec.get("postgres") if isinstance(spec, dict) else None
        ssl = postgres.get("ssl") if isinstance(postgres, dict) else None
        if isinstance(ssl, dict) and "password" in ssl:
            if isinstance(ssl["password"], str):
                removed.append(ssl["password"])
            ssl["password"] = ""
    return removed


def redact_connection_strings(body: Any) -> list[str]:
    """Blank every ``azureMonitor.connectionString`` of an observability (or of each list
    item) in place; returns the values removed."""
    removed: list[str] = []
    if not isinstance(body, dict):
        return removed
    items = body.get("items")
    for obj in [body, *(items if isinstance(items, list) else [])]:
        spec = obj.get("spec") if isinstance(obj, dict) else None
        for exporters in spec.values() if isinstance(spec, dict) else []:
            for exporter in exporters if isinstance(exporters, list) else []:
                block = exporter.get("azureMonitor") if isinstance(exporter, dict) else None
                if isinstance(block, dict) and "connectionString" in block:
                    if isinstance(block["connectionString"], str):
                        removed.append(block["connectionString"])
                    block["connectionString"] = ""
    return removed


def scrub(value: Any, secrets: list[str]) -> Any:
    """``value`` with every occurrence of a secret value removed from its strings."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "")
        return value
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    return value


class _Exchange:
    """What one request/response pair looked like, gathered as it streams by."""

    def __init__(self, scope: Scope) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query = bytes(scope.get("query_string", b"")).decode("latin-1")
        self.user_agent = ""
        for key, value in scope.get("headers", []):
            if key == b"user-agent":
                self.user_agent = value.decode("latin-1")
        self.watch = _is_watch(self.query)
        self.request = bytearray()
        self.request_truncated = False
        self.response = bytearray()
        self.response_truncated = False
        self.status: int | None = None
        self.streaming = False
        self.written = False

    def add(self, buffer: bytearray, chunk: bytes, limit: int) -> bool:
        """Append ``chunk`` unless that passes ``limit``; False once it did."""
        if len(buffer) + len(chunk) > limit:
            buffer.clear()
            return False
        buffer.extend(chunk)
        return True

    def record(self, *, dropped: bool = False) -> dict[str, Any]:
        request, request_ok = (None, True) if self.request_truncated else _parse(self.request)
        response: Any = None
        response_ok = True
        if not (self.streaming or dropped or self.response_truncated):
            response, response_ok = _parse(self.response)
        secrets: list[str] = []
        if SECRET_PLURAL in self.path.split("/") or any(
            isinstance(b, dict) and b.get("kind") in SECRET_KINDS for b in (request, response)
        ):
            secrets = redact_secret_data(request) + redact_secret_data(response)
        if STORE_PLURAL in self.path.split("/"):
            secrets += redact_store_passwords(request) + redact_store_passwords(response)
        if OBSERVABILITY_PLURAL in self.path.split("/"):
            secrets += redact_connection_strings(request) + redact_connection_strings(response)
        secrets = sorted({s for s in secrets if len(s) >= MIN_SCRUBBED_LENGTH}, key=len)[::-1]
        line: dict[str, Any] = {
            "time": round(time.time(), 3),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "user_agent": self.user_agent,
            "request_body": request,
            "status": self.status,
            "response_body": response,
        }
        flags = {
            "watch": self.streaming,
            "dropped": dropped,
            "request_body_invalid": not request_ok,
            "request_body_truncated": self.request_truncated,
            "response_body_invalid": not response_ok,
            "response_body_truncated": self.response_truncated,
        }
        line.update({flag: True for flag, on in flags.items() if on})
        return scrub(line, secrets) if secrets else line


class ExchangeRecorder:
    """ASGI middleware appending one line per ``/apis/`` exchange to ``path``.

    The request body is read (up to MAX_REQUEST_BYTES) before the app runs and handed
    to it unchanged. A line is written before the last response chunk goes out, so a
    client that has read a response can read its record. One lock and one ``write`` per
    line keep lines whole when requests run concurrently.
    """

    def __init__(self, app: ASGIApp, path: Path) -> None:
        self.app = app
        self.path = Path(path)
        self._lock = threading.Lock()
        self._append(b"")  # fail at startup, not on the first request, if unwritable

    def _append(self, data: bytes) -> None:
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def _write(self, exchange: _Exchange, *, dropped: bool = False) -> None:
        exchange.written = True
        line = json.dumps(exchange.record(dropped=dropped), ensure_ascii=False) + "\n"
        self._append(line.encode("utf-8", "backslashreplace"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(RECORDED_PREFIX):
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(scope)
        # Read the body before the app does: an answer given without reading it (401,
        # an injected fault) must still be recorded with what the client sent.
        pending: list[Message] = []
        while not exchange.request_truncated:
            message = await receive()
            pending.append(message)
            if message["type"] != "http.request":
                break
            if not exchange.add(exchange.request, message.get("body", b""), MAX_REQUEST_BYTES):
                exchange.request_truncated = True  # the rest streams through unkept
            if not message.get("more_body", False):
                break

        async def replay_then_receive() -> Message:
            return pending.pop(0) if pending else await receive()

        async def keep_and_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
                if exchange.watch and exchange.status == 200:
                    exchange.streaming = True  # a stream may last minutes: record it now
                    self._write(exchange)
            elif message["type"] == "http.response.body" and not exchange.written:
                body = message.get("body", b"")
                if not exchange.response_truncated and not exchange.add(
                    exchange.response, body, MAX_RESPONSE_BYTES
                ):
                    exchange.response_truncated = True
                if not message.get("more_body", False):
                    self._write(exchange)
            await send(message)

        try:
            await self.app(scope, replay_then_receive, keep_and_send)
        except BaseException:
            if not exchange.written:
                self._write(exchange, dropped=True)
            raise
