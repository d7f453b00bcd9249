"""Program-side helpers shared by the resource classes: ownership marks, settings,
and the asynchronous awaits that run in the program process.

Awaiting here rather than in the provider keeps the provider's 4 worker threads free
(each call returns as soon as the control plane accepted it) and lets every rollout
of a stack proceed at once on the program's event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
import typing
import weakref
from collections.abc import Awaitable, Callable, Collection, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import pulumi
from pulumi import Output

from .errors import (
    APIConnectionError,
    ConfigurationError,
    KalixError,
    ResourceFailedError,
    WaitTimeoutError,
)

if TYPE_CHECKING:  # the client and settings are imported by the first await
    from .api import WireModel
    from .client import AsyncControlPlane, AsyncObjects
    from .config import Settings

T = TypeVar("T")
M = TypeVar("M", bound="WireModel")


class _Part(Generic[T]):
    """One field of a shared computation's result, awaitable any number of times (a
    plain object, not a coroutine: an Output that fails early never awaits the rest of
    its parts, and an unawaited coroutine would warn)."""

    __slots__ = ("_index", "_pick", "_shared")

    def __init__(self, shared: asyncio.Future[Any], index: int, pick: Any = None) -> None:
        self._shared, self._index, self._pick = shared, index, pick

    def __await__(self) -> Generator[Any, None, T]:
        result = yield from self._shared.__await__()
        value = result[self._index]
        if self._pick is not None and result[2]:  # a value, only when known
            value = self._pick(value)
        return cast(T, value)


def derived_outputs(
    sources: Sequence[Output[Any] | Any],
    run: Callable[[list[Any]], Awaitable[Any]],
    picks: Mapping[str, Callable[[Any], Any]],
) -> dict[str, Output[Any]]:
    """`Output.all(*sources).apply(run)`, then `.apply(pick)` for each of `picks`, with
    one Output per pick and none in between: each Output the SDK tracks costs a task and
    a turn of its end-of-program wait loop, which looks at every pending Output on each
    wake-up (quadratic in their number). The same semantics: resources are the union of
    the sources'; unknown if any source is (then `run` does not run); secret if any is; a
    source's or `run`'s exception fails every pick. A source that is not an Output is
    taken as a known, plain value."""

    async def compute() -> tuple[Any, set[pulumi.Resource], bool, bool]:
        resources: set[pulumi.Resource] = set()
        values: list[Any] = []
        known, secret = True, False
        for source in sources:
            if not isinstance(source, Output):  # a plain value: known, not secret
                values.append(source)
                continue
            values.append(await source.future(with_unknowns=True))
            resources |= await source.resources()
            known = known and await source.is_known()
            secret = secret or await source.is_secret()
        if not known:
            return None, resources, False, secret
        return await run(values), resources, True, secret

    shared = asyncio.ensure_future(compute())
    outputs: dict[str, Output[Any]] = {
        key: Output(_Part(shared, 1), _Part(shared, 0, pick), _Part(shared, 2), _Part(shared, 3))
        for key, pick in picks.items()
    }
    # Every pick fails as the shared computation does: one tracked pick is enough for
    # the program to wait for it and report its failure (see `untrack`).
    for output in list(outputs.values())[1:]:
        untrack(output)
    return outputs


def untrack(output: Any) -> None:
    """Take an Output out of the SDK's end-of-program tracking (`SETTINGS.outputs`).

    The SDK tracks every Output so the program does not exit before its callbacks ran
    or its faults were reported, and waits for them with `asyncio.wait(FIRST_COMPLETED)`
    over all that are pending, once per completion: quadratic in their number (measured:
    9,400 Outputs at 200 Services, 187 passes, 8.5 of a no-op `up`'s 10.6 s of CPU). The
    SDK itself untracks an Output whose fault another now carries (`apply`,
    `recover`); so do we, for Outputs whose fault another already reports.

    `Output._untrack` is the SDK's own, not public API: if it is gone, nothing is
    untracked and everything still works, only slower (a test notices)."""
    release = getattr(output, "_untrack", None)
    if isinstance(output, Output) and callable(release):
        release()


def untrack_registration_outputs(resource: pulumi.Resource) -> None:
    """Untrack the Outputs the SDK just made for `resource`'s registration (its `urn`,
    `id` and one per property; call right after the SDK's `__init__`). They are
    resolved by the registration RPC, which the SDK awaits before the program ends and
    whose failure it reports itself; tracking them adds nothing but a turn over each in
    its end-of-program loop (see :func:`untrack`). Outputs derived from them are
    tracked as usual."""
    for value in vars(resource).values():
        untrack(value)


class UnsetInputs:
    """Mixin of a resource class whose unset (None) inputs are not registered as
    properties (:func:`without_unset`): reading one gives an Output of None that
    resolves with the registration, unknown in a preview — what the SDK's property
    Output of an unset input resolved to, since the provider echoes it. The SDK makes a
    task, four futures and a resolver per property, sent or not (it sends no None): 25
    of a Service's 40 properties are usually unset.

    Only for kinds whose provider echoes each input as its output (Service, Route):
    where the output is the live value (`inputs_from`, most other kinds) or a resolved
    default, an unset input's attribute would change meaning, so those register all."""

    if not TYPE_CHECKING:  # a type checker keeps seeing only the declared attributes

        def __getattr__(self, name: str) -> Any:
            if name not in self.__dict__.get("_unset_inputs", ()):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            output = _unset_output(self)
            self.__dict__[name] = output
            return output


def without_unset(
    resource: UnsetInputs, props: dict[str, Any], keep: Collection[str]
) -> dict[str, Any]:
    """`props` without its None values, but for `keep` (output placeholders, and inputs
    whose output is not their echo: a resolved default such as `project`); the names
    left out are remembered on `resource` for :class:`UnsetInputs`."""
    unset = frozenset(k for k, v in props.items() if v is None and k not in keep)
    resource.__dict__["_unset_inputs"] = unset
    return {k: v for k, v in props.items() if k not in unset}


def _unset_output(resource: Any) -> Output[None]:
    known = not pulumi.runtime.is_dry_run()

    async def value() -> None:
        await resource.urn.future()

    async def is_known() -> bool:
        await resource.urn.future()
        return known

    return Output({resource}, value(), is_known())


_EVALUATED: set[type[Any]] = set()


def evaluate_annotations(resource: type[Any]) -> None:
    """Evaluate a resource class's own `Output[...]` annotations once. The SDK reads
    them on every registration (twice: to register and to resolve outputs), and under
    `from __future__ import annotations` each is a string it compiles and evaluates anew:
    ~35 per Service, the largest cost per resource of a no-op `up` beyond the SDK's
    own. Left as strings if they do not evaluate (the SDK then does as before)."""
    if resource in _EVALUATED:
        return
    _EVALUATED.add(resource)
    own = inspect.get_annotations(resource)
    if not any(isinstance(v, str) for v in own.values()):
        return
    # Only the class's own (its bases' do not evaluate in their modules), in the
    # namespace the SDK uses for them.
    own_only = type(resource.__name__, (object,), {"__annotations__": dict(own)})
    module = sys.modules.get(resource.__module__)
    try:
        hints = typing.get_type_hints(
            own_only, globalns=vars(module) if module else {}, localns={"Output": Output}
        )
    except Exception:  # a name only imported for type checking: leave the strings
        return
    resource.__annotations__ = {k: hints.get(k, v) for k, v in own.items()}


def claim_input(
    resource: type[Any], resource_name: str, opts: pulumi.ResourceOptions | None
) -> pulumi.Output[str]:
    """The hidden `__claim` input of a dynamic resource class: who asks to hold the
    object (this stack's identity and the resource's URN; see :mod:`.claims`). Also
    evaluates the class's annotations once (:func:`evaluate_annotations`)."""
    from .stack_identity import claimant

    evaluate_annotations(resource)
    claim = claimant(resource_name, f"pulumi-python:{resource._resource_type_name}", opts)
    untrack(claim)  # an input: a fault fails the registration, which the SDK reports
    return claim


def program_settings() -> Settings:
    """The program's settings: stack config, then the environment. Read once per run
    (event loop) and kept: stack config cannot change during a run, and reading it again
    for every await (ten config lookups and a copy of the environment) was a third of a
    millisecond per resource. An environment variable the program sets after its first
    await is therefore not seen by later ones."""
    from .config import Settings

    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:  # called outside the program's loop: nothing to key a cache on
        loop = None
    cached = _SETTINGS.get(loop) if loop is not None else None
    if cached is not None:
        return cached
    config = pulumi.Config("kalix")
    settings = Settings.load(lambda key: config.get(key.split(":", 1)[1]))
    if loop is not None:
        _SETTINGS[loop] = settings
    return settings


_SETTINGS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Settings] = (
    weakref.WeakKeyDictionary()
)


class AwaitError(KalixError, pulumi.RunError):
    """A resource was applied but did not reach the awaited state. A `pulumi.RunError`:
    the language host prints its message, not a traceback; it is also logged as an
    error on the resource's own row."""


class ImportNotSupportedError(KalixError, pulumi.RunError):
    """`import_=` on a kalix resource (see :func:`refuse_import`)."""


def refuse_import(kind: str, resource_name: str, opts: pulumi.ResourceOptions | None) -> None:
    """`import_=` cannot work for a Python dynamic provider: the engine's import reads
    the resource with no properties, and the dynamic provider server then cannot find
    the pickled provider (`KeyError: '__provider'`, pulumi/pulumi#16175). Fail before
    registering, saying what does work."""
    if opts is not None and opts.import_:
        raise ImportNotSupportedError(
            f"{kind} {resource_name!r}: import_= is not supported for kalix resources "
            "(Pulumi dynamic providers cannot be imported); declare it with adopt=True to "
            "take the existing object over on the next `pulumi up`, or run "
            "`pulumi-kalix import --project <project>` to write a program that adopts a "
            "whole project"
        )


# When this program run began: a write mark older than that was not made by this run
# (the resource's step was `same`: targeted elsewhere, or nothing changed). One per run:
# a real run is a process; tests run programs one after another, each on its own loop.
_RUN_STARTED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, float] = (
    weakref.WeakKeyDictionary()
)


def mark_run_started() -> None:
    """Called by each resource class's constructor (before any write of this run)."""
    _RUN_STARTED.setdefault(asyncio.get_event_loop(), time.time())


def written_in_this_run(written_at: float) -> bool:
    started = _RUN_STARTED.get(asyncio.get_event_loop())
    return started is None or written_at >= started


async def await_state(
    *,
    kind: str,
    name: str,
    project: str,
    timeout: float,
    run: Callable[[AsyncControlPlane], Awaitable[T]],
    describe: Callable[[Any], str],
    resource: pulumi.Resource | None = None,
) -> T:
    """Run one await with a client for `project`, turning failures into one clear error,
    logged on `resource`'s row."""
    try:
        return await _await_state(kind, name, project, timeout, run, describe)
    except AwaitError as exc:
        if resource is not None:
            pulumi.log.error(str(exc), resource=resource)
        raise


async def _await_state(
    kind: str,
    name: str,
    project: str,
    timeout: float,
    run: Callable[[AsyncControlPlane], Awaitable[T]],
    describe: Callable[[Any], str],
) -> T:
    from .config import unreachable_hint

    settings = program_settings()
    clients = _shared_clients()
    try:
        client = await clients.acquire(settings, project)
    except ConfigurationError as exc:
        raise AwaitError(f"waiting for {kind} {name!r}: {exc}") from None
    except APIConnectionError:
        raise AwaitError(
            f"waiting for {kind} {name!r}: {unreachable_hint(settings.api_host)}"
        ) from None
    except KalixError as exc:
        raise AwaitError(f"waiting for {kind} {name!r} in project {project!r}: {exc}") from None
    try:
        return await run(client)
    except WaitTimeoutError as exc:
        raise AwaitError(
            f"{kind} {name!r} in project {project!r} did not become ready within {timeout:g}s: "
            f"{describe(exc.last)}"
        ) from None
    except ResourceFailedError as exc:
        # The failure says the status and the failing condition already; describing
        # `exc.last` again repeated both ("status Unavailable: ...; Unavailable: ...").
        raise AwaitError(f"{kind} {name!r} in project {project!r} failed: {exc}") from None
    except APIConnectionError as exc:
        raise AwaitError(
            f"waiting for {kind} {name!r}: {unreachable_hint(exc.url or settings.api_host, exc)}"
        ) from None
    except AwaitError:
        raise
    except KalixError as exc:  # retries ran out: still say which resource it was
        raise AwaitError(f"waiting for {kind} {name!r} in project {project!r}: {exc}") from None
    finally:
        await clients.release(settings, project)


class _SharedClients:
    """One AsyncControlPlane per settings and project for the awaits running at once on
    this event loop: one pool and one connection setup for hundreds of rollouts, closed
    when the last await using it ends (so nothing outlives the program's awaits)."""

    @dataclass
    class _Entry:
        lock: asyncio.Lock
        client: AsyncControlPlane | None = None
        users: int = 0

    def __init__(self) -> None:
        self._entries: dict[tuple[Settings, str], _SharedClients._Entry] = {}

    async def acquire(self, settings: Settings, project: str) -> AsyncControlPlane:
        entry = self._entries.setdefault((settings, project), self._Entry(asyncio.Lock()))
        async with entry.lock:
            if entry.client is None:
                session = settings.session()
                # Resolving the project may call the federation plane: off the event loop.
                entry.client = await asyncio.to_thread(session.async_control_plane, project)
            entry.users += 1
            return entry.client

    async def release(self, settings: Settings, project: str) -> None:
        entry = self._entries[(settings, project)]
        entry.users -= 1
        if entry.users == 0 and entry.client is not None:
            client, entry.client = entry.client, None
            await client.aclose()


_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedClients] = (
    weakref.WeakKeyDictionary()
)


def shared_clients() -> _SharedClients:
    """This event loop's shared clients (for the awaits and the lookups)."""
    return _shared_clients()


def _shared_clients() -> _SharedClients:
    loop = asyncio.get_event_loop()
    clients = _CLIENTS.get(loop)
    if clients is None:
        clients = _CLIENTS[loop] = _SharedClients()
    return clients


def progress_logger(resource: pulumi.Resource) -> Callable[[str], None]:
    """Ephemeral progress on the resource's row, each distinct message once."""
    last: list[str] = []

    def log(message: str) -> None:
        if last and last[-1] == message:
            return
        last.append(message)
        pulumi.log.info(message, resource=resource, ephemeral=True)

    return log


#: How long a list made for the health reports of unchanged resources serves the next
#: ones: a no-op `up` registers its resources over seconds, not all at once.
HEALTH_LIST_FRESH_SECONDS = 2.0
#: How long the first health read of a kind waits for others to join it in one list.
HEALTH_BATCH_SECONDS = 0.02


class _HealthReads:
    """The one read of each unchanged resource (see :func:`report_health`), batched:
    reads of one kind and project that come within `HEALTH_BATCH_SECONDS` share one
    list of the collection (a lone read is a GET), and the reads that follow use that
    list while it is `HEALTH_LIST_FRESH_SECONDS` old. A no-op `up` of 200 resources so
    makes a handful of requests instead of 200."""

    def __init__(self) -> None:
        self._lists: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
        self._pending: dict[tuple[Any, ...], dict[str, list[asyncio.Future[Any]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: requests made (the benchmark reads it)
        self.requests = 0

    async def read(self, key: tuple[Any, ...], objects: AsyncObjects[Any], name: str) -> Any:
        cached = self._lists.get(key)
        if cached is not None and time.monotonic() - cached[0] < HEALTH_LIST_FRESH_SECONDS:
            return cached[1].get(name)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = {}
            task = loop.create_task(self._flush(key, objects))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        pending.setdefault(name, []).append(future)
        return await future

    async def _flush(self, key: tuple[Any, ...], objects: AsyncObjects[Any]) -> None:
        await asyncio.sleep(HEALTH_BATCH_SECONDS)
        pending = self._pending.pop(key)
        try:
            self.requests += 1
            if len(pending) == 1:
                (name,) = pending
                found = {name: await objects.get_or_none(name)}
            else:
                found = {obj.metadata.name: obj for obj in await objects.list()}
                self._lists[key] = (time.monotonic(), found)
        except Exception as exc:  # every reader reports it on its own row
            for futures in pending.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for name, futures in pending.items():
            for future in futures:
                if not future.done():
                    future.set_result(found.get(name))


_HEALTH: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _HealthReads] = (
    weakref.WeakKeyDictionary()
)


def _health_reads() -> _HealthReads:
    loop = asyncio.get_event_loop()
    reads = _HEALTH.get(loop)
    if reads is None:
        reads = _HEALTH[loop] = _HealthReads()
    return reads


async def report_health(
    *,
    kind: str,
    name: str,
    project: str,
    collection: Callable[[AsyncControlPlane], AsyncObjects[M]],
    healthy: Callable[[M], bool],
    describe: Callable[[M | None], str],
    resource: pulumi.Resource,
) -> M | None:
    """For a resource this run did not change: one read (batched with the others of its
    kind: :class:`_HealthReads`), and its health as a warning on its row when it is not
    healthy. Never fails the run: nothing was applied to await (a targeted `up`, or no
    change), so an unhealthy object is reported, not awaited. None when it cannot be
    read (also reported)."""
    settings = program_settings()
    clients = _shared_clients()
    try:
        client = await clients.acquire(settings, project)
    except KalixError as exc:
        pulumi.log.warn(f"could not read {kind} {name!r} to report its health: {exc}", resource)
        return None
    try:
        objects = collection(client)
        key = (settings, project, objects.ops.plural)
        obj: M | None = await _health_reads().read(key, objects, name)
    except KalixError as exc:
        pulumi.log.warn(f"could not read {kind} {name!r} to report its health: {exc}", resource)
        return None
    finally:
        await clients.release(settings, project)
    if obj is None or not healthy(obj):
        pulumi.log.warn(
            f"{kind} {name!r} in project {project!r} is not healthy: {describe(obj)} "
            "(this run changed nothing on it; change its inputs, or for a service set a new "
            "restart_requested, to roll it again)",
            resource,
        )
    return obj
