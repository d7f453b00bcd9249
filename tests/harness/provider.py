"""The provider side of the engine harness: wire values, errors and results, the
``python -u -m pulumi.dynamic`` process with a client that marshals like the engine, and
``ResourceHandler`` for non-dynamic resource types.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .engine_log import EngineLogServer, LogEntry, LogSink

UNKNOWN = rpc.UNKNOWN  # the engine's wire sentinel for a value not known during preview
SIG, SECRET_SIG, RESOURCE_SIG = (
    rpc._special_sig_key,
    rpc._special_secret_sig,
    rpc._special_resource_sig,
)
DIFF_UNKNOWN, DIFF_NONE, DIFF_SOME = (
    provider_pb2.DiffResponse.DIFF_UNKNOWN,
    provider_pb2.DiffResponse.DIFF_NONE,
    provider_pb2.DiffResponse.DIFF_SOME,
)
Props = dict[str, Any]


class EngineError(Exception):
    """A failed deployment. ``steps`` holds every step completed before the failure."""

    def __init__(self, message: str, steps: list[Step] | None = None, details: str = "") -> None:
        super().__init__(message)
        self.steps = steps or []
        self.details = details or message


class ProviderError(EngineError):
    """A provider RPC failed; the message is the provider's last error line."""


class ProtectedError(EngineError):
    """A delete refused because the state entry is protected."""


@dataclass(frozen=True)
class Step:
    op: str  # create/update/replace/same/delete/delete-replaced/read (refresh: same/update/deleted)
    urn: str
    type: str
    name: str


@dataclass
class CheckResult:
    inputs: Props
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DiffResult:
    changes: int = DIFF_UNKNOWN
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    # DiffResponse.diffs, the engine's ChangedKeys. `pulumi.dynamic` never sends it.
    diffs: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    id: str
    outputs: Props
    inputs: Props | None = None


# -- wire values: JSON data with secrets as {SIG: SECRET_SIG, "value": v}, unknowns as UNKNOWN --


def is_secret(v: Any) -> bool:
    return isinstance(v, dict) and v.get(SIG) == SECRET_SIG


def secret(v: Any) -> Any:
    return v if is_secret(v) else {SIG: SECRET_SIG, "value": v}


def plain(v: Any) -> Any:
    """Strip secrets and turn resource references into ids/URNs, as the engine does for a
    provider that accepts neither."""
    if isinstance(v, dict):
        if v.get(SIG) == SECRET_SIG:
            return plain(v["value"])
        if v.get(SIG) == RESOURCE_SIG:
            return v.get("id") or v["urn"]
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def annotate_secrets(outs: Props, ins: Props) -> Props:
    """The engine's annotateSecrets: an output whose key matches a secret input becomes secret."""
    result = {}
    for k, v in outs.items():
        iv = ins.get(k)
        if is_secret(iv):
            v = secret(v)
        elif isinstance(iv, dict) and isinstance(v, dict) and not is_secret(v):
            v = annotate_secrets(v, iv)
        result[k] = v
    return result


def secret_paths(v: Any, prefix: str) -> list[str]:
    if is_secret(v):
        return [prefix]
    if isinstance(v, dict):
        return [p for k, x in v.items() for p in secret_paths(x, f"{prefix}.{k}")]
    return []


def seal(v: Any, encrypt: bool) -> Any:
    """State-file form of secrets: ``{SIG: SECRET_SIG, "ciphertext": ...}`` like Pulumi's, so a
    plain-text secret in the JSON text is a real leak. (base64 of JSON: hidden, not protected.)"""
    if isinstance(v, dict):
        if encrypt and is_secret(v):
            return {
                SIG: SECRET_SIG,
                "ciphertext": base64.b64encode(json.dumps(plain(v)).encode()).decode(),
            }
        if not encrypt and v.get(SIG) == SECRET_SIG and "ciphertext" in v:
            return secret(json.loads(base64.b64decode(v["ciphertext"])))
        return {k: seal(x, encrypt) for k, x in v.items()}
    if isinstance(v, list):
        return [seal(x, encrypt) for x in v]
    return v


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(dict(props))
    return s


def from_struct(s: struct_pb2.Struct) -> Props:
    return json_format.MessageToDict(s)


def changed_keys(olds: Props, news: Props) -> list[str]:
    """The engine's own input diff (for DIFF_UNKNOWN): `__provider` included, unknowns differ."""
    keys = sorted(set(olds) | set(news))
    return [k for k in keys if k not in olds or k not in news or plain(olds[k]) != plain(news[k])]


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else text


class ProviderProcess:
    """``python -u -m pulumi.dynamic`` plus a typed client that marshals like the engine."""

    def __init__(
        self,
        cwd: str | Path,
        project: str,
        config: Mapping[str, str] | None = None,
        secret_keys: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        stderr_path: str | Path | None = None,
        rpc_timeout: float = 30.0,
        start_timeout: float = 15.0,
        log_sink: LogSink | None = None,
    ) -> None:
        self.rpc_timeout = rpc_timeout
        self.timings: dict[str, list[float]] = {}
        self.logs: list[LogEntry] = []  # every LogRequest the provider sent the engine
        self._log_sink = log_sink
        self.stdout_lines: list[str] = []
        self._tlock = threading.Lock()
        if stderr_path is None:
            fd, name = tempfile.mkstemp(prefix="provider-", suffix=".stderr")
            os.close(fd)
            stderr_path = name
        self.stderr_path = Path(stderr_path)
        config = dict(config or {})
        # The engine passes only `pulumi-python:` keys in PULUMI_CONFIG, namespace removed.
        py_cfg = {
            k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("pulumi-python:")
        }
        full_env = {**os.environ, "PULUMI_PROJECT": project, "PULUMI_CONFIG": json.dumps(py_cfg)}
        full_env.update(env or {})
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in close()
        # The engine's address is argv[1] (provider_plugin.go); a provider may Log to it.
        self.log_server = EngineLogServer(self._on_log)
        # -u is required: the server writes its port without flushing.
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", self.log_server.address],
            cwd=str(cwd),
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        first: queue.Queue[str] = queue.Queue()
        # Drain stdout for the process lifetime so print() in a provider can never fill the pipe.
        threading.Thread(target=self._drain, args=(first,), daemon=True).start()
        try:
            port = int(first.get(timeout=start_timeout))
        except (queue.Empty, ValueError) as e:
            self.close()
            raise EngineError(f"provider did not start: {_last_line(self.stderr_text)}") from e
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=start_timeout)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        # Full stack config with namespaces kept; secrets wrapped (the server unwraps them).
        args = {k: secret(v) if k in set(secret_keys) else v for k, v in config.items()}
        try:
            self._rpc("Configure", provider_pb2.ConfigureRequest(args=to_struct(args)))
        except EngineError:
            self.close()
            raise

    def _on_log(self, entry: LogEntry) -> None:
        with self._tlock:
            self.logs.append(entry)
        if self._log_sink is not None:
            self._log_sink(entry)

    def _drain(self, first: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        for i, raw in enumerate(self.proc.stdout):
            line = raw.decode(errors="replace").rstrip("\n")
            if i == 0:
                first.put(line)
            else:
                self.stdout_lines.append(line)
        first.put("")  # EOF before a port: unblock the reader

    @property
    def stderr_text(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def _rpc(self, method: str, request: Any) -> Any:
        start = time.perf_counter()
        try:
            return getattr(self.stub, method)(request, timeout=self.rpc_timeout)
        except grpc.RpcError as e:
            details = e.details() or str(e.code())
            raise ProviderError(f"{method} failed: {_last_line(details)}", details=details) from e
        finally:
            with self._tlock:
                self.timings.setdefault(method, []).append(time.perf_counter() - start)

    def _call(self, method: str, **fields: Any) -> Any:
        # Property maps go out with secrets stripped (acceptSecrets=false) and unknowns kept as
        # the sentinel string, as the engine marshals them.
        fields = {k: to_struct(plain(v)) if isinstance(v, dict) else v for k, v in fields.items()}
        return self._rpc(method, getattr(provider_pb2, f"{method}Request")(**fields))

    def check(self, urn: str, olds: Props, news: Props) -> CheckResult:
        r = self._call("Check", urn=urn, olds=olds, news=news)
        return CheckResult(from_struct(r.inputs), [(f.property, f.reason) for f in r.failures])

    def diff(self, urn: str, id: str, old_outputs: Props, news: Props,
             old_inputs: Props | None = None) -> DiffResult:  # fmt: skip
        r = self._call("Diff", id=id, urn=urn, olds=old_outputs, news=news,
                       old_inputs=old_inputs or {})  # fmt: skip
        return DiffResult(r.changes, list(r.replaces), r.deleteBeforeReplace, list(r.diffs))

    def create(self, urn: str, inputs: Props) -> tuple[str, Props]:
        r = self._call("Create", urn=urn, properties=inputs)
        return r.id, from_struct(r.properties)

    def update(self, urn: str, id: str, old_outputs: Props, news: Props,
               old_inputs: Props | None = None) -> Props:  # fmt: skip
        r = self._call("Update", id=id, urn=urn, olds=old_outputs, news=news,
                       old_inputs=old_inputs or {})  # fmt: skip
        return from_struct(r.properties)

    def delete(
        self, urn: str, id: str, old_outputs: Props, old_inputs: Props | None = None
    ) -> None:
        self._call("Delete", id=id, urn=urn, properties=old_outputs, old_inputs=old_inputs or {})

    def read(
        self, urn: str, id: str, old_outputs: Props, old_inputs: Props | None = None
    ) -> ReadResult:
        r = self._call("Read", id=id, urn=urn, properties=old_outputs, inputs=old_inputs or {})
        ins = from_struct(r.inputs) if r.HasField("inputs") else None
        return ReadResult(r.id, from_struct(r.properties), ins)

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()
        self.log_server.close()


class ResourceHandler:
    """Engine-side stand-in for a non-dynamic provider (e.g. ``aws``) for one resource type.

    Methods get plain values (secrets stripped); override what the type needs. The default diff
    returns DIFF_UNKNOWN, so the engine compares old and new inputs itself.
    """

    def check(self, olds: Props, news: Props) -> tuple[Props, list[tuple[str, str]]]:
        return dict(news), []

    def diff(self, id: str, old_outputs: Props, news: Props) -> DiffResult:
        return DiffResult()

    def create(self, inputs: Props) -> tuple[str, Props]:
        raise NotImplementedError

    def update(self, id: str, old_outputs: Props, news: Props) -> Props:
        raise NotImplementedError

    def delete(self, id: str, outputs: Props) -> None:
        return None

    def read(self, id: str, outputs: Props, inputs: Props) -> tuple[str, Props, Props | None]:
        return id, outputs, None  # "" as id means the resource is gone


class _HandlerBackend:
    """Gives a ResourceHandler the ProviderProcess signatures. Values are stripped of secrets and
    results round-trip through a protobuf Struct (ints become floats, as through a provider)."""

    def __init__(self, handler: ResourceHandler) -> None:
        self.h = handler

    def _run(self, method: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*[plain(a) for a in args])
        except Exception as e:
            raise ProviderError(f"{method} failed: {type(e).__name__}: {e}") from e

    def check(self, urn: str, olds: Props, news: Props) -> CheckResult:
        ins, failures = self._run("Check", self.h.check, olds, news)
        return CheckResult(_rt(ins), list(failures))

    def diff(self, urn: str, id: str, outs: Props, news: Props, ins: Props) -> DiffResult:
        return cast(DiffResult, self._run("Diff", self.h.diff, id, outs, news))

    def create(self, urn: str, inputs: Props) -> tuple[str, Props]:
        id_, outs = self._run("Create", self.h.create, inputs)
        return id_, _rt(outs)

    def update(self, urn: str, id: str, outs: Props, news: Props, ins: Props) -> Props:
        return _rt(self._run("Update", self.h.update, id, outs, news))

    def delete(self, urn: str, id: str, outs: Props, ins: Props) -> None:
        self._run("Delete", self.h.delete, id, outs)

    def read(self, urn: str, id: str, outs: Props, ins: Props) -> ReadResult:
        id_, new_outs, new_ins = self._run("Read", self.h.read, id, outs, ins)
        return ReadResult(id_ or "", _rt(new_outs or {}), None if new_ins is None else _rt(new_ins))


def _rt(props: Props) -> Props:
    return from_struct(to_struct(props))
