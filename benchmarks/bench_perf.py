"""Issue 15's figures that need no engine: import time, kalix-local lists, gets, watch
fan-out and the Ready -> await-return delay, each printed beside its baseline and target.

    .venv/bin/python benchmarks/bench_perf.py [--only import,list,get,fanout,await]

- import: `from pulumi_kalix import Service` against `import pulumi`, in fresh processes
  (paired, medians).
- list: a list of 1,000 services end to end (the client's `services.list()`) and the
  server's CPU per list, beside the same list from another checkout's server
  (`--before /work/main`, same run), a raw httpx GET of the body, and the client's
  decoding against `json.loads` alone and per-item validation.
- get: one service at a paced 500 req/s, p50/p99, beside a raw httpx GET.
- fanout: 200 watch streams on one service, a change -> each stream's read (p50/p99, and
  the last stream's): read by raw sockets on one epoll thread (the server's share),
  beside 1 stream, the PATCH's own round trip, and 200 httpx streams in one process
  (a Python reader's share); 200 streams on 200 services, the server's CPU per change
  against one stream.
- await: Ready on the server (a separate watch of the collection is the reference) ->
  `wait_for` returns, 1 and 100 awaits at once on one shared client (one shared watch
  of the collection), against one watch per object (before), and polling every 3 s and
  5 s.

Every loop is bounded in count and time; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import os
import random
import re
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _common
import httpx
from _common import header, load, percentile

from tests.support import local_server
from tests.support.local_server import KalixLocalServer
from tests.support.objects import service as service_body

IMAGE = "registry.example/bench:1"
SERVICES = "kalixservices"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _service(name: str) -> dict[str, Any]:
    return service_body(name, IMAGE, min_instances=1)


# -- import ---------------------------------------------------------------------------

_IMPORT = (
    "import time; t = time.perf_counter(); import pulumi; a = time.perf_counter(); "
    "{stmt}; b = time.perf_counter(); print(a - t, b - a)"
)


def _import_times(stmt: str, env: dict[str, str]) -> tuple[float, float]:
    """(`import pulumi`, then `stmt`) in a fresh process, in seconds."""
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT.format(stmt=stmt)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    ).stdout.split()
    return float(out[0]), float(out[1])


#: What a provider process imports at its first call (the first Check waits for it),
#: then builds at its first write: the schema of the kind it handles.
_PROVIDER_FIRST_USE = (
    "import pulumi_kalix.provider.service, pulumi_kalix.claims; "
    "from pulumi_kalix.api import KalixService; "
    "KalixService.model_validate({'metadata': {'name': 'x'}, "
    "'spec': {'containers': [{'image': 'r.example/a:1'}]}}).to_wire()"
)


def bench_import(trials: int) -> None:
    print("Import time (fresh process each, paired, medians)")
    env = {**os.environ, "PYTHONPATH": str(_common.REPO)}
    base: list[float] = []
    extra: list[float] = []
    provider: list[float] = []
    for _ in range(trials):
        pulumi_alone, service = _import_times("from pulumi_kalix import Service", env)
        base.append(pulumi_alone)
        extra.append(service)
        provider.append(_import_times(_PROVIDER_FIRST_USE, env)[1])
    print(f"  import pulumi (baseline)                  median {_ms(statistics.median(base))}")
    print(
        f"  + from pulumi_kalix import Service        median +{_ms(statistics.median(extra))}"
        "   (target <= +30 ms)"
    )
    print(
        f"  + a provider's modules and first model    median +{_ms(statistics.median(provider))}"
        "   (a provider process's first call)"
    )
    probe = (
        "import sys, pulumi; from pulumi_kalix import Service; "
        "print(sorted(m for m in ('httpx', 'pydantic', 'pulumi_kalix.api', 'pulumi_kalix.client') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    ).stdout.strip()
    print(f"  modules loaded by it: {loaded}")


# -- list / get -------------------------------------------------------------------------


@contextlib.contextmanager
def _server_of(tree: Path | None) -> Iterator[KalixLocalServer | None]:
    """A kalix-local started from another checkout (``--before``, e.g. main), for
    baselines measured in the same run; None without one."""
    if tree is None:
        yield None
        return
    saved = local_server.REPO_ROOT
    local_server.REPO_ROOT = tree  # start() runs `-m kalix_local` from this tree
    try:
        server = KalixLocalServer(
            rollout_step_seconds=2.0, status_lag_seconds=0.0, record=False, check_contract=False
        ).start()
    finally:
        local_server.REPO_ROOT = saved
    try:
        yield server
    finally:
        server.close(check=False)


def _fill(server: KalixLocalServer, prefix: str, count: int) -> None:
    """`count` services (min_instances 1) named `<prefix>-NNNN`, raw POSTs; returns once
    all are Ready (at most 60 s), so no rollout writes while the lists are timed."""
    with server.client() as http:
        have = len(http.get(server.api_path(SERVICES)).json().get("items", []))
        for i in range(have, count):
            body = _service(f"{prefix}-{i:04d}")
            http.post(server.api_path(SERVICES), json=body).raise_for_status()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            items = http.get(server.api_path(SERVICES)).json().get("items", [])
            if all((i.get("status") or {}).get("summary") == "Ready" for i in items):
                return
            time.sleep(0.5)
        print("  (the rollouts had not all finished after 60 s)")


def bench_list(server: KalixLocalServer, count: int, lists: int, before: Path | None) -> None:
    """Every sample of a round is taken back to back (this tree's list, the other
    server's, the raw GET, the decodings), so load from outside hits them alike."""
    from pulumi_kalix.api import KalixService
    from pulumi_kalix.client import ControlPlane
    from pulumi_kalix.client.control_plane import _Objects

    print(f"\nList of {count:,} services ({lists} rounds, sequential; load {load()})")
    _fill(server, "l", count)
    ops = _Objects(SERVICES, KalixService, "p")
    names = ("ends", "old", "raw", "loads", "per_item", "one_pass")
    samples: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, float] = {}
    n = 0
    with contextlib.ExitStack() as stack:
        old = stack.enter_context(_server_of(before))
        servers = [("new", server)]
        if old is not None:
            _fill(old, "l", count)
            servers.append(("old", old))
        apis = {
            key: stack.enter_context(ControlPlane(s.url, s.access_token(), s.project_id()))
            for key, s in servers
        }
        http = stack.enter_context(server.client())
        path = server.api_path(SERVICES)
        for api in apis.values():
            api.services.list()  # warm
        start = {key: _cpu(s.process.pid) for key, s in servers if s.process is not None}
        body = b""
        for _ in range(lists):
            t = time.perf_counter()
            n = len(apis["new"].services.list())
            samples["ends"].append(time.perf_counter() - t)
            if "old" in apis:
                t = time.perf_counter()
                apis["old"].services.list()
                samples["old"].append(time.perf_counter() - t)
            t = time.perf_counter()
            body = http.get(path).content
            samples["raw"].append(time.perf_counter() - t)
            t = time.perf_counter()
            json.loads(body)
            samples["loads"].append(time.perf_counter() - t)
            t = time.perf_counter()
            [KalixService.model_validate(i) for i in json.loads(body).get("items", [])]
            samples["per_item"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ops.parse_list(body)
            samples["one_pass"].append(time.perf_counter() - t)
        for key, s in servers:
            if s.process is not None:
                # Only the timed list of this server's own client: one per round (and
                # the raw GET, for this tree's).
                per = lists * (2 if key == "new" else 1)
                cpu[key] = (_cpu(s.process.pid) - start[key]) / per

    def p50(name: str) -> str:
        return _ms(percentile(samples[name], 50))

    print(
        f"  end to end, services.list()       p50 {p50('ends')}  p99 "
        f"{_ms(percentile(samples['ends'], 99))}  ({n} items; target p50 <= 20 ms)"
    )
    print(f"  kalix-local CPU per list          {_ms(cpu['new'])}")
    if samples["old"]:
        print(
            f"  baseline, the server of {before}: end to end p50 {p50('old')}, its CPU per "
            f"list {_ms(cpu['old'])} (this client)"
        )
    print(f"  baseline: raw httpx GET (no decoding) p50 {p50('raw')} ({len(body):,} bytes)")
    print(
        f"  client decoding: the client's     p50 {p50('one_pass')}; baselines: json.loads "
        f"alone {p50('loads')}, json.loads + per-item model_validate {p50('per_item')}"
    )


def bench_get(server: KalixLocalServer, rate: float, seconds: float) -> None:
    from pulumi_kalix.api import KalixService
    from pulumi_kalix.client import ControlPlane

    print(f"\nGet one service at a paced {rate:g} req/s for {seconds:g} s (load {load()})")

    def paced(get: Any) -> tuple[list[float], float]:
        samples: list[float] = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            pause = start + n / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            t = time.perf_counter()
            get()
            samples.append(time.perf_counter() - t)
        return samples, time.perf_counter() - start

    with ControlPlane(server.url, server.access_token(), server.project_id()) as api:
        if api.services.get_or_none("g-one") is None:
            api.services.create(KalixService.model_validate(_service("g-one")))
        samples, took = paced(lambda: api.services.get("g-one"))
    with server.client() as http:
        path = server.api_path(SERVICES, "g-one")
        raw, _ = paced(lambda: http.get(path).content)
    print(
        f"  services.get(): {len(samples)} gets in {took:.2f} s: p50 "
        f"{_ms(percentile(samples, 50))}  p99 {_ms(percentile(samples, 99))}  max "
        f"{_ms(max(samples))}; baseline raw httpx GET p50 {_ms(percentile(raw, 50))}  "
        f"p99 {_ms(percentile(raw, 99))}"
    )


# -- watch fan-out ------------------------------------------------------------------------

_RV = re.compile(rb'"resourceVersion":\s*"(\d+)"')


class _RawWatchers:
    """`n` watch streams on plain sockets read by one epoll thread: each records when
    the bytes naming a resourceVersion arrived, without HTTP parsing or JSON decoding,
    so the reader costs microseconds per stream (the delays are the server's and the
    loopback's). Each event is one chunk; a chunk split across reads is reassembled."""

    def __init__(self, server: KalixLocalServer, names: list[str]) -> None:
        self.seen: list[dict[str, float]] = [{} for _ in names]
        self.selector = selectors.DefaultSelector()
        self.socks: list[socket.socket] = []
        self.buffers: list[bytes] = [b"" for _ in names]
        self.stopping = threading.Event()
        token = server.access_token()
        for i, name in enumerate(names):
            query = urllib.parse.urlencode(
                {"watch": "true", "fieldSelector": f"metadata.name={name}", "timeoutSeconds": 60}
            )
            request = (
                f"GET {server.api_path(SERVICES)}?{query} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode()
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(request)
            sock.setblocking(False)
            self.socks.append(sock)
            self.selector.register(sock, selectors.EVENT_READ, i)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while not self.stopping.is_set() and time.monotonic() < deadline:
            for key, _ in self.selector.select(0.1):
                i = key.data
                try:
                    data = key.fileobj.recv(1 << 16)  # type: ignore[union-attr]
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                now = time.perf_counter()
                if not data:
                    self.selector.unregister(key.fileobj)
                    continue
                buf = self.buffers[i] + data
                ends = buf.rfind(b"\n")
                for match in _RV.finditer(buf, 0, ends + 1 if ends >= 0 else 0):
                    self.seen[i].setdefault(match.group(1).decode(), now)
                self.buffers[i] = buf[ends + 1 :] if ends >= 0 else buf

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not all(self.seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not all(self.seen):
            opened = sum(1 for s in self.seen if s)
            raise RuntimeError(f"only {opened}/{len(self.seen)} watch streams opened")

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
        for sock in self.socks:
            sock.close()
        self.selector.close()


class _Watchers:
    """`n` httpx watch streams (one connection each, one asyncio loop) on the given
    services; each records when it saw which resourceVersion. Parsing HTTP and JSON
    for 200 streams in one Python process costs this reader milliseconds per change:
    the raw readers above are the measure of the server, this one of a Python client."""

    def __init__(self, server: KalixLocalServer, names: list[str]) -> None:
        self.server = server
        self.names = names
        self.seen: list[dict[str, float]] = [{} for _ in names]
        self.ready = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.task = asyncio.run_coroutine_threadsafe(self._all(), self.loop)

    async def _all(self) -> None:
        token = self.server.access_token()
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(
            base_url=self.server.url,
            headers={"Authorization": f"Bearer {token}"},
            limits=limits,
            timeout=httpx.Timeout(90.0),
        ) as http:
            await asyncio.gather(*(self._one(http, i) for i in range(len(self.names))))

    async def _one(self, http: httpx.AsyncClient, i: int) -> None:
        params = {
            "watch": "true",
            "fieldSelector": f"metadata.name={self.names[i]}",
            "timeoutSeconds": "60",
        }
        seen = self.seen[i]
        async with http.stream("GET", self.server.api_path(SERVICES), params=params) as resp:
            first = True
            async for line in resp.aiter_lines():
                if not line.strip():
                    continue
                event = json.loads(line)
                seen[event["object"]["metadata"]["resourceVersion"]] = time.perf_counter()
                if first:
                    first = False
                    self.ready += 1

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.ready < len(self.names) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.ready < len(self.names):
            raise RuntimeError(f"only {self.ready}/{len(self.names)} watch streams opened")

    def stop(self) -> None:
        self.task.cancel()
        # Let the cancellation close the streams before the loop stops.
        concurrent.futures.wait([self.task], timeout=10)
        time.sleep(0.1)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class _Run:
    """One fan-out run: each stream's delay from the write's send, per change the
    spread from the first stream's read to the last's, and the changes' versions."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.spreads: list[float] = []
        self.versions: list[str] = []


def _delays(group: _RawWatchers | _Watchers, change: Any, name: str, changes: int) -> _Run:
    run = _Run()
    for _ in range(changes):
        rv, sent = change(name)
        run.versions.append(rv)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(rv in s for s in group.seen):
            time.sleep(0.001)
        arrived = [s[rv] - sent for s in group.seen if rv in s]
        run.delays += arrived
        if arrived:
            run.spreads.append(max(arrived) - min(arrived))
        time.sleep(0.05)
    return run


_WRITTEN = re.compile(
    r"watch event (\d+): written to (\d+) streams, first ([\d.]+) ms and last ([\d.]+) ms"
)


def _server_times(server: KalixLocalServer, versions: list[str]) -> list[float]:
    """Commit -> the last stream's write handed to its socket, per change, as the server
    logs it (``--log-level debug``: kalix_local/watch.py times each event's fan-out)."""
    wanted = set(versions)
    found: list[float] = []
    for line in server.log_path.read_text(errors="replace").splitlines():
        match = _WRITTEN.search(line)
        if match and match.group(1) in wanted:
            found.append(float(match.group(4)) / 1000)
    return found


def bench_fanout(server: KalixLocalServer, watchers: int, changes: int) -> None:
    print(f"\nWatch fan-out: {watchers} watch streams, {changes} changes (load {load()})")
    assert server.process is not None
    with server.client() as http:
        names = [f"w-{i:03d}" for i in range(watchers)]
        for name in names:
            r = http.get(server.api_path(SERVICES, name))
            if r.status_code == 404:
                http.post(server.api_path(SERVICES), json=_service(name)).raise_for_status()
        time.sleep(1.0)  # let the rollouts settle: no controller events during the changes
        serial = itertools.count()
        # Looked up before the clock starts: api_path asks the admin API for the
        # project's id (a fresh connection each time, ~40 ms), which once sat inside
        # every timed PATCH.
        base = server.api_path(SERVICES)

        def change(name: str) -> tuple[str, float]:
            """A label change (a new value each time: a no-op keeps the version)."""
            sent = time.perf_counter()
            patch = {"metadata": {"labels": {"n": str(next(serial))}}}
            r = http.patch(
                f"{base}/{name}",
                json=patch,
                headers={"content-type": "application/merge-patch+json"},
            )
            r.raise_for_status()
            return str(r.json()["metadata"]["resourceVersion"]), sent

        # The PATCH's own round trip: the floor under every delay from the send.
        rtt: list[float] = []
        for _ in range(changes):
            t = time.perf_counter()
            change(names[0])
            rtt.append(time.perf_counter() - t)
        print(f"  baseline: the PATCH alone, sent -> answered p50 {_ms(percentile(rtt, 50))}")
        groups: list[tuple[str, Any]] = [
            ("1 stream (baseline), raw socket reader", lambda: _RawWatchers(server, names[:1])),
            (
                f"{watchers} streams, raw socket reader (the server)",
                lambda: _RawWatchers(server, [names[0]] * watchers),
            ),
            (
                f"{watchers} streams, httpx + json.loads (one process)",
                lambda: _Watchers(server, [names[0]] * watchers),
            ),
        ]
        for label, make in groups:
            group = make()
            try:
                group.wait_ready()
                run = _delays(group, change, names[0], changes)
            finally:
                group.stop()
            logged = _server_times(server, run.versions)
            shown = (
                f"p50 {_ms(percentile(logged, 50))}  p99 {_ms(percentile(logged, 99))}"
                if logged
                else "not logged"
            )
            print(f"  {label}")
            print(
                f"    write sent -> read p50 {_ms(percentile(run.delays, 50))}  p99 "
                f"{_ms(percentile(run.delays, 99))}; first -> last stream's read p50 "
                f"{_ms(percentile(run.spreads, 50))}  p99 {_ms(percentile(run.spreads, 99))}"
            )
            target = "  (target p99 <= 10 ms)" if "the server" in label else ""
            print(f"    server, commit -> last stream's write {shown}{target}")

        # One stream per service, the change on one of them: CPU per change against a
        # single stream (the baseline, same run).
        cpu_per: dict[int, float] = {}
        for count in (1, watchers):
            group = _RawWatchers(server, names[:count])
            try:
                group.wait_ready()
                time.sleep(0.3)
                cpu0 = _cpu(server.process.pid)
                for _ in range(changes):
                    change(names[0])
                    time.sleep(0.05)
                time.sleep(0.2)
                cpu_per[count] = (_cpu(server.process.pid) - cpu0) / changes
            finally:
                group.stop()
        print(
            f"  kalix-local CPU per change: 1 stream (baseline) {_ms(cpu_per[1])}; "
            f"{watchers} streams on {watchers} services {_ms(cpu_per[watchers])} "
            f"({cpu_per[watchers] / max(cpu_per[1], 1e-6):.1f}x)"
        )


# -- Ready -> await returns -----------------------------------------------------------------


class _Reference:
    """A watch of the whole collection on its own connection: when each service first
    showed Ready on the server (within the stream's delivery time)."""

    def __init__(self, server: KalixLocalServer) -> None:
        self.ready_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._server = server
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._opened = threading.Event()
        self._thread.start()
        self._opened.wait(10)

    def _run(self) -> None:
        token = self._server.access_token()
        with httpx.Client(
            base_url=self._server.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(120.0),
        ) as http:
            params = {"watch": "true", "timeoutSeconds": "110"}
            try:
                with http.stream("GET", self._server.api_path(SERVICES), params=params) as r:
                    self._opened.set()
                    for line in r.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.strip():
                            self._see(json.loads(line)["object"])
            except httpx.TransportError:
                return  # the server stopped: the run is over

    def _see(self, obj: dict[str, Any]) -> None:
        name = obj["metadata"]["name"]
        summary = (obj.get("status") or {}).get("summary")
        if summary == "Ready" and name not in self.ready_at:
            self.ready_at[name] = time.perf_counter()

    def stop(self) -> None:
        self._stop.set()


async def _awaits(
    server: KalixLocalServer,
    prefix: str,
    count: int,
    interval: float | None,
    seed: int,
    one_pool: bool = False,
    shared: bool = True,
) -> list[float]:
    from pulumi_kalix.client import AsyncControlPlane, PollPolicy

    rng = random.Random(seed)
    returned: dict[str, float] = {}
    names = [f"{prefix}-{i:03d}" for i in range(count)]
    ref = _Reference(server)
    token = server.access_token()
    async with (
        AsyncControlPlane(server.url, token, server.project_id(), shared_watches=shared) as api,
        httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http,
    ):
        if one_pool:  # the baseline: watches and GETs on one pool of 100 connections
            await api._stream_http.aclose()
            api._stream_http = api._http

        def ready(obj: Any) -> bool:
            return bool(obj is not None and obj.status and obj.status.summary == "Ready")

        # Once, up front: api_path is a blocking admin request, which in each `one`
        # stalled the loop every other await runs on.
        path = server.api_path(SERVICES)

        async def one(name: str) -> None:
            # Each await starts as its create returns, as in a program (the rollout
            # then takes one rollout step).
            created = await http.post(path, json=_service(name))
            created.raise_for_status()
            if interval is None:
                await api.services.wait_for(name, ready, timeout=60)
            else:
                await asyncio.sleep(rng.uniform(0, interval))  # a random poll phase
                policy = PollPolicy(interval, 1.0, interval, use_watch=False)
                await api.services.wait_for(name, ready, timeout=60, poll=policy)
            returned[name] = time.perf_counter()

        await asyncio.gather(*(one(n) for n in names))
    await asyncio.sleep(0.1)
    ref.stop()
    return [returned[n] - ref.ready_at[n] for n in names if n in ref.ready_at]


def bench_await(server: KalixLocalServer, many: int) -> None:
    print("\nReady on the server -> wait_for returns (reference: a watch of the collection)")
    runs: list[tuple[str, int, float | None, bool, bool]] = [
        ("shared watch + polling (the client), 1 await", 1, None, False, True),
        (f"shared watch + polling (the client), {many}", many, None, False, True),
        (f"one watch per object (before), {many} awaits", many, None, False, False),
        (f"the same, watches on the GETs' pool, {many}", many, None, True, False),
        (f"polling every 3 s (baseline), {many} awaits", many, 3.0, False, False),
        (f"polling every 5 s (baseline), {many} awaits", many, 5.0, False, False),
    ]
    for i, (label, count, interval, one_pool, shared) in enumerate(runs):
        delays = asyncio.run(_awaits(server, f"a{i}", count, interval, i, one_pool, shared))
        if not delays:
            print(f"  {label:<46} no samples")
            continue
        target = "  (target p99 <= 50 ms)" if i == 1 else ""
        print(
            f"  {label:<46} p50 {_ms(percentile(delays, 50))}  p99 "
            f"{_ms(percentile(delays, 99))}  (n={len(delays)}){target}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default="import,list,get,fanout,await")
    parser.add_argument("--import-trials", type=int, default=7)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=20)
    parser.add_argument("--get-rate", type=float, default=500)
    parser.add_argument("--get-seconds", type=float, default=2)
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--awaits", type=int, default=100)
    parser.add_argument("--rollout-step", type=float, default=2.0)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (e.g. /work/main): its kalix-local's list is the baseline",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    header("bench_perf: imports, lists, fan-out, await delay", [sys.executable, *sys.argv])
    if "import" in only:
        bench_import(args.import_trials)
    if only & {"list", "get", "fanout", "await"}:
        with KalixLocalServer(
            rollout_step_seconds=args.rollout_step,
            status_lag_seconds=0.0,
            record=False,
            check_contract=False,
            # The watch hub logs each event's fan-out time at debug level.
            extra_args=["--log-level", "debug"] if "fanout" in only else None,
        ) as server:
            if "list" in only:
                bench_list(server, args.services, args.lists, args.before)
            if "get" in only:
                bench_get(server, args.get_rate, args.get_seconds)
            if "fanout" in only:
                bench_fanout(server, args.watchers, args.changes)
            if "await" in only:
                bench_await(server, args.awaits)
    print(f"\n# load average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
