"""A stand-in for the Pulumi engine, for testing the dynamic provider without the CLI.

The provider side is real: ``python -u -m pulumi.dynamic`` driven over gRPC, marshalled the way the
engine marshals for a provider that answers Configure with acceptSecrets=False (``provider.py``),
started with the address of an Engine log service as argv[1] (``engine_log.py``). The program
side is the real SDK under ``set_mocks``. Only the engine's step logic is re-implemented here,
after ``pkg/resource/deploy`` (step_generator.go, step.go, deployment_executor.go):

* registration: the URN, then its aliases, find the old entry (which moves to the new URN);
  Check -> Diff -> create / update / replace / same; ``ignore_changes``; ``replace_on_changes``
  on the diff's changed keys only; create-before-delete unless delete-before-replace; a replace
  refused when old and new are both protected;
* targeted replace (``up(..., replace=[...])``) and tainted entries (``taint``): no Diff, one
  Check with no old inputs;
* the delete phase: pending deletes (persisted in state, so a failed run leaves them for the
  next) and resources the program dropped, in parallel antichains along the dependency graph;
  protect and retain_on_delete as ``DeleteStep.Apply``;
* refresh (Read, then Diff for drift, pending deletes included), at once, and destroy;
* concurrency as the engine's: Check and Diff one registration at a time (the deployment
  executor's loop; PULUMI_PARALLEL_DIFF unset), steps on ``parallel`` workers (the CLI's
  default ``--parallel``, 4 x CPUs), and the program's RegisterResource calls on 4 x that
  many threads (the language host's executor).

State persists after every step, as the engine checkpoints, but through a journal (as the
engine's journaling snapshot manager, ``pkg/backend/journal.go``): each step appends one line
to ``<state>.journal`` and the run rewrites the state file once at its end, so a step costs
the size of its own entry rather than of the whole stack. A run that stopped half-way leaves
its journal, which the next load replays.

``Engine.logs`` holds what the provider and the program logged in the last run.
See /work/shared/reference/engine-harness-findings.md for what was verified against the engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.stack import run_in_stack

from .engine_log import LogEntry, ProgramLog
from .provider import (
    DIFF_NONE,
    DIFF_SOME,
    DIFF_UNKNOWN,
    DiffResult,
    EngineError,
    Props,
    ProtectedError,
    ProviderError,
    ProviderProcess,
    ResourceHandler,
    Step,
    _HandlerBackend,
    annotate_secrets,
    changed_keys,
    from_struct,
    plain,
    seal,
    secret,
    secret_paths,
)

STACK_TYPE = "pulumi:pulumi:Stack"
PENDING_KEY = "__pending_deletes__"  # state-file key for pending deletes (never a URN)
#: State-file key for the default provider's config: the engine keeps the
#: `pulumi:providers:pulumi-python` resource in state with the stack config as its inputs,
#: and `refresh` / `destroy` (which run no program) configure the provider from it.
PROVIDER_CONFIG_KEY = "__provider_config__"
DYNAMIC_PREFIX = "pulumi-python:dynamic"


class EngineMonitor(MockMonitor):
    """MockMonitor that hands the full RegisterResourceRequest to the Engine, uses the engine's
    URN rule and records stack exports (RegisterResourceOutputs on the root stack)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.engine = engine
        self._tls = threading.local()  # new_resource runs in the RPC's executor thread

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine qualifies by the parent's full type chain, but not for the root stack.
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.engine.stack}::{self.engine.project}::{type_}::{name}"

    def current_request(self) -> Any:
        return getattr(self._tls, "request", None)

    def RegisterResource(self, request: Any) -> Any:  # gRPC method name
        if request.type == STACK_TYPE:
            self.engine._register_stack(self.make_urn(request.parent, request.type, request.name))
        self._tls.request = request
        try:
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]
        finally:
            self._tls.request = None

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.engine.stack_urn:
            self.engine._record_stack_outputs(from_struct(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


class Engine(Mocks):
    """Runs programs against a JSON state file with the engine's step logic (see module doc)."""

    delete_parallelism = 4  # deletes at once (the dynamic provider serves 4 RPCs at a time)
    #: The CLI's default `--parallel` (4 x GOMAXPROCS): steps at once (the step executor's
    #: workers). The language host gives the program an executor of 4 x that many threads
    #: for its RegisterResource calls (pulumi-language-python-exec).
    parallel = 4 * (os.cpu_count() or 1)

    # Per-run state, reset by _begin().
    preview_mode: bool
    steps: list[Step]
    logs: list[LogEntry]  # what the provider and the program logged, in arrival order
    #: URN -> (old inputs or None, checked new inputs) of each resource registered
    inputs_diffed: dict[str, tuple[Props | None, Props]]
    _state: dict[str, Props]
    _registered: set[str]
    _pending: list[tuple[str, Props]]  # pending deletes (the engine's Delete=true entries)
    _failure: EngineError | None
    _deferred_errors: list[EngineError]
    _replace_targets: set[str]
    _aliases: dict[str, str]
    _aliased: dict[str, str]
    _provider: ProviderProcess | None
    _monitor: EngineMonitor
    _program_run: bool  # up/preview run the program; refresh/destroy do not
    _provider_config: dict[str, str] | None  # the config stored with the default provider

    def __init__(
        self,
        state_path: str | Path,
        project: str = "proj",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        secret_keys: Iterable[str] = (),
        program_dir: str | Path | None = None,
        provider_env: Mapping[str, str] | None = None,
        handlers: Mapping[str, ResourceHandler] | None = None,
        rpc_timeout: float = 30.0,
    ) -> None:
        self.state_path = Path(state_path)
        self.project, self.stack = project, stack
        self.config = dict(config or {})
        self.secret_keys = set(secret_keys)
        self.program_dir = Path(program_dir) if program_dir else None
        self.provider_env = dict(provider_env or {})
        self.handlers = dict(handlers or {})
        self.rpc_timeout = rpc_timeout
        self.stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
        self.last_provider: ProviderProcess | None = None
        self._run_program_dir: Path | None = None  # a path program's directory
        self._lock = threading.RLock()
        self._step_generator = threading.Lock()  # see _register
        self._step_workers = threading.BoundedSemaphore(self.parallel)
        # Logs arrive on the program's event loop thread (pulumi.log in the SDK's register
        # path): they must not wait behind a step holding the state lock.
        self._log_lock = threading.Lock()
        self._journaled = False  # this run appended to the journal: rewrite state at its end
        self._runs = 0
        self._stack_outputs: Props | None = None
        self._begin(preview=False)

    # -- public API --------------------------------------------------------------------------

    def preview(
        self, program: Callable[[], Any] | str | Path, replace: Iterable[str] = ()
    ) -> list[Step]:
        """Like ``pulumi preview [--replace URN]...``."""
        return self._deploy(program, preview=True, replace=replace)

    def up(
        self, program: Callable[[], Any] | str | Path, replace: Iterable[str] = ()
    ) -> list[Step]:
        """Like ``pulumi up --skip-preview [--replace URN]...``; ``replace`` takes URNs or
        names unique in state."""
        return self._deploy(program, preview=False, replace=replace)

    def taint(self, urn_or_name: str) -> None:
        """Like ``pulumi state taint``: the next ``up`` replaces the resource."""
        state, pending = self._load_all()
        urn = _find_urn(urn_or_name, state)
        state[urn] = {**state[urn], "taint": True}
        self._write(state, pending)

    def refresh(self) -> list[Step]:
        self._begin(preview=False)
        try:
            # One refresh step per custom resource, run at once on the step executor's
            # workers (deploymentExecutor.refresh: ExecuteParallel). GenerateRefreshes reads
            # pending deletes too; they run after the live entries here (one may share a
            # live entry's URN), and each group's steps are listed in state order.
            live = [(u, self._state[u]) for u in self._order(self._state)]
            for group, pending in ((live, False), (list(self._pending), True)):
                self._refresh_all([(u, e) for u, e in group if e.get("custom")], pending)
        except EngineError as e:
            e.steps = list(self.steps)
            raise
        finally:
            self._close_provider()
            self._compact()
        return list(self.steps)

    def _refresh_all(self, entries: list[tuple[str, Props]], pending: bool) -> None:
        """Refresh `entries` at once (at most `parallel`); after a failure, those in flight
        finish and nothing new starts (the step executor cancels on error)."""
        first = len(self.steps)
        errors: list[Exception] = []
        stop = threading.Event()

        def run(urn: str, e: Props) -> None:
            if stop.is_set():
                return
            try:
                self._refresh_one(urn, e, pending)
            except Exception as exc:
                with self._lock:
                    errors.append(exc)
                stop.set()

        with ThreadPoolExecutor(self.parallel, thread_name_prefix="refresh") as pool:
            for f in [pool.submit(run, u, e) for u, e in entries]:
                f.result()
        rank = {u: i for i, (u, _) in enumerate(entries)}
        with self._lock:
            self.steps[first:] = sorted(self.steps[first:], key=lambda st: rank.get(st.urn, 0))
        if errors:
            raise errors[0]

    def _refresh_one(self, urn: str, e: Props, pending: bool = False) -> None:
        backend = self._backend(e["type"])
        r = self._provider_call(urn, lambda: backend.read(urn, e["id"], e["outputs"], e["inputs"]))
        if not r.id:  # empty id: gone out of band, dropped from state
            gone = Step("deleted", urn, e["type"], _name(urn))
            if pending:
                self._unpend(e, gone)
            else:
                self._drop(urn, gone)
            return
        outs = self._secure(r.outputs, e["inputs"], e.get("additional_secret_outputs", []))
        ins = e["inputs"] if r.inputs is None else annotate_secrets(r.inputs, e["inputs"])
        # As the engine's RefreshStep: Diff(olds=refreshed outputs, news=old inputs) shows drift
        # from what the program last asked for.
        d = self._provider_call(urn, lambda: backend.diff(urn, r.id, outs, e["inputs"], ins))
        changes = d.changes
        if changes == DIFF_UNKNOWN:
            changes = DIFF_SOME if changed_keys(e["outputs"], outs) else DIFF_NONE
        step = Step("update" if changes == DIFF_SOME else "same", urn, e["type"], _name(urn))
        new = {**e, "id": r.id, "inputs": ins, "outputs": outs}
        if pending:
            with self._lock:
                self._pending = [(u, new if x is e else x) for u, x in self._pending]
                self._journal({"pending": self._pending})
                self.steps.append(step)
        else:
            self._commit(urn, new, step)

    def destroy(self) -> list[Step]:
        self._begin(preview=False)
        try:
            victims = [_Victim(u, e, "delete") for u, e in self._state.items()]
            self._delete_all(victims + self._pending_victims())
        except EngineError as e:
            e.steps = list(self.steps)
            raise
        finally:
            self._close_provider()
            self._compact()
        return list(self.steps)

    def load(self) -> dict[str, Props]:
        """The live state entries, ``{urn: entry}`` (pending deletes left out)."""
        return self._load_all()[0]

    def pending_deletes(self) -> list[tuple[str, Props]]:
        """Replaced resources whose delete has not happened yet, as ``(urn, entry)``: the
        engine's ``Delete: true`` entries. The next ``up`` or ``destroy`` deletes them."""
        return self._load_all()[1]

    def _load_all(self) -> tuple[dict[str, Props], list[tuple[str, Props]]]:
        data = self._read()
        if data is None:
            return {}, []
        pending = [(u, e) for u, e in data.pop(PENDING_KEY, [])]
        data.pop(PROVIDER_CONFIG_KEY, None)
        return data, pending

    @property
    def journal_path(self) -> Path:
        return self.state_path.with_name(self.state_path.name + ".journal")

    def _read(self) -> dict[str, Any] | None:
        """The state file with the journal of an unfinished run replayed over it (secrets
        unwrapped), or None when there is neither."""
        data: dict[str, Any] | None = None
        if self.state_path.exists():
            data = json.loads(self.state_path.read_text())
        if self.journal_path.exists():
            data = data if data is not None else {}
            for line in self.journal_path.read_text().splitlines():
                if not line.strip():
                    continue  # a line cut short by a stop mid-write is an empty tail at most
                record = json.loads(line)
                if "put" in record:
                    data[record["put"]] = record["entry"]
                elif "drop" in record:
                    data.pop(record["drop"], None)
                elif "pending" in record:
                    data.pop(PENDING_KEY, None)
                    if record["pending"]:
                        data[PENDING_KEY] = record["pending"]
                if "config" in record:
                    data[PROVIDER_CONFIG_KEY] = record["config"]
        return None if data is None else cast(dict[str, Any], seal(data, False))

    def stored_config(self) -> dict[str, str] | None:
        """The stack config the last `up` stored with the default provider (secrets
        unwrapped), or None before the first `up`."""
        data = self._read()
        if data is None:
            return None
        stored = data.get(PROVIDER_CONFIG_KEY)
        return None if stored is None else cast(dict[str, str], plain(stored))

    def outputs(self, urn_or_name: str) -> Props:
        """Plain (secrets unwrapped) outputs of one resource, by URN or by unique name."""
        state = self.load()
        return cast(Props, plain(state[_find_urn(urn_or_name, state)]["outputs"]))

    def warnings(self, urn_or_name: str | None = None) -> list[str]:
        """Warning messages of the last run, optionally only those on one resource's row
        (by URN, or by name)."""
        return [
            e.message
            for e in self.logs
            if e.severity == "warning"
            and (urn_or_name is None or urn_or_name in (e.urn, e.urn and _name(e.urn)))
        ]

    @property
    def stack_outputs(self) -> Props:
        """Exports of the last run (UNKNOWN where not known in preview), secrets unwrapped."""
        if self._stack_outputs is not None:
            return cast(Props, plain(self._stack_outputs))
        return cast(Props, plain(self.load().get(self.stack_urn, {}).get("outputs", {})))

    # -- Mocks interface ---------------------------------------------------------------------

    def call(self, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise EngineError(f"invoke {args.token!r} is not supported by the engine harness")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        req = self._monitor.current_request()
        if req is None:  # ReadResource (Resource.get / import) has no request stashed
            raise EngineError(f"reading {args.typ} {args.name!r} (get/import) is not supported")
        try:
            return self._register(req)
        except EngineError as e:
            with self._lock:
                self._failure = self._failure or e
            raise
        except Exception as e:  # recorded as the run's failure
            err = EngineError(f"{req.type} {req.name!r}: {type(e).__name__}: {e}")
            with self._lock:
                self._failure = self._failure or err
            raise err from e

    # -- one deployment ----------------------------------------------------------------------

    def _begin(self, preview: bool, program_run: bool = False) -> None:
        self.preview_mode = preview
        self._program_run = program_run
        self._provider_config = self.stored_config()
        if program_run and not preview:  # the default provider is registered anew
            self._provider_config = dict(self.config)
        self.steps = []
        self.logs = []
        self.inputs_diffed = {}
        self._state, self._pending = self._load_all()
        self._journaled = False
        self._registered = set()
        self._failure = None
        self._deferred_errors = []  # errors a preview reports after planning everything
        self._replace_targets = set()
        self._aliases = {}  # new URN -> the old URN its alias matched in state
        self._aliased = {}  # old URN -> the new URN that claimed it
        self._provider = None

    def _deploy(
        self, program: Callable[[], Any] | str | Path, preview: bool, replace: Iterable[str] = ()
    ) -> list[Step]:
        self._begin(preview, program_run=True)
        replace = [replace] if isinstance(replace, str) else replace
        # checkTargets: every --replace target must be in the old state (pending deletes too).
        known = {*self._state, *(u for u, _ in self._pending)}
        try:
            self._replace_targets = {
                t if t in known else _find_urn(t, self._state) for t in replace
            }
        except KeyError as e:
            raise EngineError(f"replace target could not be found in the stack: {e}") from None
        self._stack_outputs = None
        func, program_dir = _as_callable(program)
        self._run_program_dir = program_dir
        try:
            try:
                self._run_program(func, preview)
            except Exception as e:  # a step's, or the program's own
                if self._failure is None and not isinstance(e, EngineError):
                    raise EngineError(f"program failed: {type(e).__name__}: {e}") from e
                raise self._failure or e from None
            if self._failure:
                raise self._failure
            # Delete phase (GenerateDeletes): pending deletes, this run's and any a failed run
            # left, and the resources the program no longer registers.
            victims = [
                _Victim(u, e, "delete")
                for u, e in self._state.items()
                if u not in self._registered and u not in self._aliased  # isOperatedOn
            ]
            self._delete_all(victims + self._pending_victims())
            if self._deferred_errors:
                raise self._deferred_errors[0]
        except EngineError as e:
            e.steps = list(self.steps)
            raise
        finally:
            self._close_provider()
            self._compact()
        return list(self.steps)

    def _run_program(self, func: Callable[[], Any], preview: bool) -> None:
        saved_config = dict(runtime_config.CONFIG.get())
        saved_secret_keys = set(runtime_config._SECRET_KEYS.get())
        runtime_config.set_all_config(dict(self.config), sorted(self.secret_keys))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exception_handler)
        # As the language host's _set_default_executor: 4 x parallel threads.
        loop.set_default_executor(
            ThreadPoolExecutor(4 * self.parallel, thread_name_prefix="register")
        )
        self._monitor = EngineMonitor(self)
        # set_mocks would build and finish a Stack at once (registering empty exports); a
        # placeholder root makes it skip that, and run_in_stack then builds the Stack and
        # registers exports after the program, as the language host does.
        settings.set_root_resource(cast(Any, object()))
        try:
            set_mocks(
                self, project=self.project, stack=self.stack, preview=preview, monitor=self._monitor
            )
            settings.SETTINGS.outputs = set()
            settings.SETTINGS.engine = ProgramLog(self._record_log)  # pulumi.log.* lands here
            settings.set_root_resource(cast(Any, None))
            loop.run_until_complete(run_in_stack(func))
        finally:
            # One more turn first, so a pulumi.log call whose resource URN just resolved runs.
            loop.run_until_complete(asyncio.sleep(0))
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            # Let cancelled tasks finish, so none is destroyed while still pending.
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_default_executor())  # in-flight steps finish
            loop.close()
            asyncio.set_event_loop(None)
            settings.set_root_resource(cast(Any, None))
            runtime_config.set_all_config(saved_config, sorted(saved_secret_keys))

    def _register_stack(self, urn: str) -> None:
        with self._lock:
            self._registered.add(urn)
            old = self._state.get(urn, {})
            entry = {
                "type": STACK_TYPE,
                "id": "",
                "inputs": {},
                "outputs": old.get("outputs", {}),
                "dependencies": [],
                "parent": "",
                "custom": False,
            }
            if not self.preview_mode:
                self._put(urn, entry)

    def _record_stack_outputs(self, outs: Props) -> None:
        with self._lock:
            self._stack_outputs = outs
            if not self.preview_mode and self.stack_urn in self._state:
                self._put(self.stack_urn, {**self._state[self.stack_urn], "outputs": outs})

    def _register(self, req: Any) -> tuple[str, Props]:
        urn = self._monitor.make_urn(req.parent, req.type, req.name)
        news = from_struct(req.object)
        deps = set(req.dependencies)
        for pd in req.propertyDependencies.values():
            deps.update(pd.urns)
        meta: Props = {
            "type": req.type,
            "dependencies": sorted(deps),
            "parent": req.parent,
            "custom": bool(req.custom),
            "protect": bool(req.protect),
            "retain_on_delete": bool(req.retainOnDelete),
            "additional_secret_outputs": list(req.additionalSecretOutputs),
        }
        with self._lock:
            if self._failure:
                raise EngineError(f"{urn}: not started, the deployment already failed")
            if urn in self._registered:
                raise EngineError(f"duplicate resource URN {urn}")
            if urn in self._aliased:
                raise EngineError(f"{urn} was already claimed as an alias by {self._aliased[urn]}")
            self._registered.add(urn)
            # getOldResource: the URN first, then the aliases; the first one in state is it.
            # (The old state is the run's starting one, so a URN already moved still counts.)
            seen = [
                u for u in [urn, *self._alias_urns(req)] if u in self._state or u in self._aliased
            ]
            old_urn = seen[0] if seen else urn
            if old_urn != urn:
                if old_urn in self._registered or old_urn in self._aliased:
                    raise EngineError(f"{urn}: alias {old_urn} is already taken")
                self._aliased[old_urn] = urn
                self._aliases[urn] = old_urn
            old = self._state.get(old_urn)

        def step(op: str) -> Step:
            return Step(op, urn, req.type, req.name)

        if not req.custom:  # component: recorded, no provider calls
            op = "create" if old is None else "update"
            if old is not None and plain(old["inputs"]) == plain(news):
                op = "same"
            self._commit(urn, {**meta, "id": "", "inputs": news, "outputs": news}, step(op))
            return "", news
        backend = self._backend(req.type)
        # The engine's deployment executor generates steps one registration at a time, on
        # its one loop: Check, Diff (PULUMI_PARALLEL_DIFF unset) and a replacement's second
        # Check are serial across the whole stack. Only the steps themselves run at once,
        # on `parallel` workers (stepExecutor).
        with self._step_generator:
            plan = self._generate_step(backend, urn, req, old, news)
        with self._step_workers:
            return self._execute_step(backend, urn, req, plan, meta, old_urn, old)

    def _generate_step(
        self, backend: Any, urn: str, req: Any, old: Props | None, news: Props
    ) -> _Plan:
        """stepGenerator.generateSteps: what to do with one registration, and its inputs."""
        # isTargetedReplace: `--replace` or a tainted entry. Checked like a create (no olds,
        # the program's inputs as they are) and never re-checked.
        targeted = urn in self._replace_targets or bool(old and old.get("taint"))
        if old is not None and not targeted:  # ignore_changes: keep the old value (or absence)
            for key in req.ignoreChanges:
                if key in old["inputs"]:
                    news[key] = old["inputs"][key]
                else:
                    news.pop(key, None)
        checked = self._check(backend, urn, old["inputs"] if old and not targeted else {}, news)
        with self._lock:
            # What `preview --diff` prints: the display diffs old and checked inputs.
            self.inputs_diffed[urn] = (old["inputs"] if old else None, checked)
        if old is None:
            return _Plan("import" if req.importId else "create", checked)
        if targeted:  # stepGenerator.diff: DiffSome blaming "id", the provider is not asked
            d = DiffResult(DIFF_SOME, ["id"])
        else:
            d = self._provider_call(
                urn, lambda: backend.diff(urn, old["id"], old["outputs"], checked, old["inputs"])
            )
        changes, changed = d.changes, list(d.diffs)
        if changes == DIFF_UNKNOWN:  # diffResource: the engine diffs the inputs itself
            changed = changed_keys(old["inputs"], checked)
            changes = DIFF_SOME if changed else DIFF_NONE
        replaces = list(d.replaces)
        if changes == DIFF_SOME:
            # applyReplaceOnChanges looks only at the diff's ChangedKeys: for a provider that
            # answered DIFF_SOME without `diffs` (every `pulumi.dynamic` one) it changes nothing.
            roc = set(req.replaceOnChanges)
            replaces += [k for k in changed if ("*" in roc or k in roc) and k not in replaces]
        if changes == DIFF_NONE:
            return _Plan("same", checked)
        if not replaces:
            return _Plan("update", checked)
        if req.protect and old.get("protect"):
            # continueStepsFromDiff: new.Protect && old.Protect, so unprotect-and-replace works
            # in one run. A preview reports the error at the end and goes on planning.
            err = EngineError(f"{urn}: resource is protected and cannot be replaced ({replaces})")
            if not self.preview_mode:
                raise err
            with self._lock:
                self._deferred_errors.append(err)
        if not targeted:  # continueStepsFromDiff: a replacement is checked again, as a create
            checked = self._check(backend, urn, {}, news)
        dbr = req.deleteBeforeReplace if req.deleteBeforeReplaceDefined else d.delete_before_replace
        return _Plan("replace", checked, delete_before_replace=bool(dbr))

    def _execute_step(
        self,
        backend: Any,
        urn: str,
        req: Any,
        plan: _Plan,
        meta: Props,
        old_urn: str,
        old: Props | None,
    ) -> tuple[str, Props]:
        """The step's Apply, on one of the step executor's workers."""
        checked = plan.checked

        def step(op: str) -> Step:
            return Step(op, urn, req.type, req.name)

        if plan.op == "import":
            return self._import(backend, urn, req.importId, checked, meta, step("import"))
        if plan.op == "create":
            return self._create(backend, urn, checked, meta, step("create"))
        assert old is not None
        if plan.op == "same":  # new inputs, old outputs (the engine's SameStep)
            self._commit(
                urn,
                {**meta, "id": old["id"], "inputs": checked, "outputs": old["outputs"]},
                step("same"),
            )
            return old["id"], old["outputs"]
        if plan.op == "update":
            if self.preview_mode:
                outs = checked  # supportsPreview=false: the engine echoes the checked inputs
            else:
                outs = self._provider_call(
                    urn,
                    lambda: backend.update(urn, old["id"], old["outputs"], checked, old["inputs"]),
                )
            outs = self._secure(outs, checked, meta["additional_secret_outputs"])
            self._commit(
                urn, {**meta, "id": old["id"], "inputs": checked, "outputs": outs}, step("update")
            )
            return old["id"], outs
        if plan.delete_before_replace:
            self._delete(_Victim(old_urn, old, "delete-replaced"))
            return self._create(backend, urn, checked, meta, step("replace"))
        return self._create(backend, urn, checked, meta, step("replace"), replaced=(old_urn, old))

    def _alias_urns(self, req: Any) -> list[str]:
        """generateAliases: each alias (URN, or spec collapsed as collapseAliasToUrn does),
        then the aliases inherited from an aliased parent (inheritedChildAlias)."""
        urns: list[str] = list(req.aliasURNs)
        for a in req.aliases:
            urns.append(a.urn if a.WhichOneof("alias") == "urn" else self._collapse(req, a.spec))
        result = list(dict.fromkeys(urns))
        parent_alias = self._aliases.get(req.parent) if req.parent else None
        if parent_alias is not None:
            parent_name = _name(req.parent)
            for type_, name in [(req.type, req.name), *((_type(u), _name(u)) for u in urns)]:
                if name.startswith(parent_name):  # "{parent}-suffix" children follow the rename
                    name = _name(parent_alias) + name[len(parent_name) :]
                qualified = f"{_qualified_type(parent_alias)}${type_}"
                inherited = f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"
                if inherited not in result:
                    result.append(inherited)
        return result

    def _collapse(self, req: Any, spec: Any) -> str:
        # An empty parentUrn means the resource's own parent (SDKs send it that way).
        parent = req.parent
        if spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
            parent = self._aliases.get(spec.parentUrn, spec.parentUrn)
        if spec.noParent or (parent and _qualified_type(parent) == STACK_TYPE):
            parent = ""
        type_, name = spec.type or req.type, spec.name or req.name
        if parent:  # resource.CreateURN: the parent's URN with its name cut off, then "$"
            return f"{parent.rsplit('::', 1)[0]}${type_}::{name}"
        stack, project = spec.stack or self.stack, spec.project or self.project
        return f"urn:pulumi:{stack}::{project}::{type_}::{name}"

    def _import(
        self, backend: Any, urn: str, id_: str, checked: Props, meta: Props, step: Step
    ) -> tuple[str, Props]:
        """`import_=` (ImportStep.Apply): Read the id with no properties and no inputs, then
        Diff the program's inputs against what was read; any difference fails the import.
        A `pulumi.dynamic` provider fails the Read itself: with no properties the server
        cannot find the pickled provider (`KeyError: '__provider'`, pulumi/pulumi#16175)."""
        r = self._provider_call(urn, lambda: backend.read(urn, id_, {}, {}))
        if not r.id:
            raise EngineError(f"{urn}: resource '{id_}' does not exist")
        read_inputs = r.inputs if r.inputs is not None else r.outputs
        d = self._provider_call(
            urn, lambda: backend.diff(urn, r.id, r.outputs, checked, read_inputs)
        )
        unknown_and_changed = d.changes == DIFF_UNKNOWN and changed_keys(read_inputs, checked)
        if d.changes == DIFF_SOME or unknown_and_changed:
            raise EngineError(f"{urn}: inputs to import do not match the existing resource")
        outs = self._secure(r.outputs, checked, meta["additional_secret_outputs"])
        self._commit(urn, {**meta, "id": r.id, "inputs": checked, "outputs": outs}, step)
        return r.id, outs

    def _create(
        self,
        backend: Any,
        urn: str,
        checked: Props,
        meta: Props,
        step: Step,
        replaced: tuple[str, Props] | None = None,
    ) -> tuple[str, Props]:
        if self.preview_mode:  # never Create in preview: empty id, checked inputs as outputs
            id_, outs = "", checked
        else:
            id_, outs = self._provider_call(urn, lambda: backend.create(urn, checked))
        outs = self._secure(outs, checked, meta["additional_secret_outputs"])
        with self._lock:
            if replaced is not None:  # CreateStep.Apply: the old one is now pending delete
                self._pending.append(replaced)
                if not self.preview_mode:
                    self._journal({"pending": self._pending})
            self._commit(urn, {**meta, "id": id_, "inputs": checked, "outputs": outs}, step)
        return id_, outs

    def _check(self, backend: Any, urn: str, olds: Props, news: Props) -> Props:
        r = self._provider_call(urn, lambda: backend.check(urn, olds, news))
        if r.failures:
            raise EngineError(f"{urn}: check failed: {r.failures}")
        return annotate_secrets(r.inputs, news)

    def _pending_victims(self) -> list[_Victim]:
        return [_Victim(u, e, "delete-replaced", pending=True) for u, e in self._pending]

    def _delete_all(self, victims: list[_Victim]) -> None:
        """Deletes in parallel along the dependency graph, as the engine's ScheduleDeletes and
        performPostSteps: antichains in turn, at most ``delete_parallelism`` at once. After a
        failure, deletes in flight finish and nothing new starts; a protected resource is the
        exception (cancelDueToError continues past it, skipping what it depends on)."""
        deps = _victim_deps(victims)
        errors: list[EngineError] = []
        skipped: set[int] = set()
        stop = threading.Event()

        def run(i: int) -> None:
            if stop.is_set():
                return
            try:
                self._delete(victims[i])
            except ProtectedError as e:
                with self._lock:
                    errors.append(e)
                    skipped.update(_closure(deps, i))
            except Exception as e:
                err = e if isinstance(e, EngineError) else EngineError(f"{victims[i].urn}: {e!r}")
                with self._lock:
                    errors.append(err)
                stop.set()

        with ThreadPoolExecutor(self.delete_parallelism, thread_name_prefix="delete") as pool:
            for chain in _antichains(deps):
                if stop.is_set():
                    break
                for f in [pool.submit(run, i) for i in chain if i not in skipped]:
                    f.result()
        if errors:
            raise errors[0]

    def _delete(self, v: _Victim) -> None:
        urn, e = v.urn, v.entry
        step = Step(v.op, urn, e["type"], _name(urn))
        # DeleteStep.Apply: the state entry's protect refuses a delete (a replace was vetted by
        # _register); its retainOnDelete skips the provider's Delete but still drops the entry.
        if e.get("protect") and v.op == "delete":
            raise ProtectedError(f"{urn}: resource is protected and cannot be deleted")
        if e.get("custom") and not e.get("retain_on_delete") and not self.preview_mode:
            backend = self._backend(e["type"])
            self._provider_call(
                urn, lambda: backend.delete(urn, e["id"], e["outputs"], e["inputs"])
            )
        if v.pending:
            self._unpend(e, step)
        else:
            self._drop(urn, step)

    def _secure(self, outs: Props, ins: Props, additional: Iterable[str]) -> Props:
        outs = annotate_secrets(outs, ins)
        return {k: secret(v) if k in additional else v for k, v in outs.items()}

    def _provider_call(self, urn: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ProviderError as e:
            raise ProviderError(f"{urn}: {e}", details=e.details) from e

    # -- state and providers -----------------------------------------------------------------

    def _record_log(self, entry: LogEntry) -> None:
        with self._log_lock:
            self.logs.append(entry)

    def _commit(self, urn: str, entry: Props, step: Step) -> None:
        with self._lock:
            if not self.preview_mode:
                moved = self._aliases.get(urn)  # an aliased entry moves to its new URN
                if moved is not None and self._state.pop(moved, None) is not None:
                    self._journal({"drop": moved})
                self._put(urn, entry)
            if entry["type"] != STACK_TYPE:
                self.steps.append(step)

    def _put(self, urn: str, entry: Props) -> None:
        paths = secret_paths(entry["inputs"], "inputs") + secret_paths(entry["outputs"], "outputs")
        self._state[urn] = {**entry, "secret_paths": paths}
        self._journal({"put": urn, "entry": self._state[urn]})

    def _drop(self, urn: str, step: Step) -> None:
        with self._lock:
            if not self.preview_mode:
                self._state.pop(urn, None)
                self._journal({"drop": urn})
            if step.type != STACK_TYPE:
                self.steps.append(step)

    def _unpend(self, entry: Props, step: Step) -> None:
        with self._lock:
            if not self.preview_mode:
                self._pending = [(u, e) for u, e in self._pending if e is not entry]
                self._journal({"pending": self._pending})
            self.steps.append(step)

    def _journal(self, record: Props) -> None:
        """Persist one step (the caller holds the lock): one line, secrets sealed as in the
        state file. The run's first line also carries the provider config."""
        if not self._journaled and self._provider_config is not None:
            record = {**record, "config": self._sealed_config()}
        if "pending" in record:
            record = {**record, "pending": [[u, e] for u, e in record["pending"]]}
        with self.journal_path.open("a") as f:
            f.write(json.dumps(seal(record, True)) + "\n")
        self._journaled = True

    def _compact(self) -> None:
        """End of a run: the whole state once, then the journal goes (the replay of an
        interrupted compaction gives the same state, so the order is safe)."""
        with self._lock:
            if self._journaled:
                self._write(self._state, self._pending)
                self._journaled = False

    def _sealed_config(self) -> Props:
        assert self._provider_config is not None
        return {
            k: secret(v) if k in self.secret_keys else v for k, v in self._provider_config.items()
        }

    def _write(self, state: Mapping[str, Props], pending: list[tuple[str, Props]]) -> None:
        data: dict[str, Any] = dict(state)
        if pending:
            data[PENDING_KEY] = [[u, e] for u, e in pending]
        if self._provider_config is not None:
            data[PROVIDER_CONFIG_KEY] = self._sealed_config()
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(seal(data, True), indent=2))
        os.replace(tmp, self.state_path)  # atomic, so a failing run never leaves half a file
        self.journal_path.unlink(missing_ok=True)  # now folded into the state file

    def _backend(self, type_: str) -> Any:
        if type_.startswith(DYNAMIC_PREFIX):
            with self._lock:  # one provider process per run, shared by every dynamic resource
                if self._provider is None:
                    self._runs += 1
                    log = self.state_path.with_name(
                        f"{self.state_path.name}.provider{self._runs}.stderr"
                    )
                    # refresh and destroy run no program: the config stored at the last
                    # `up` configures the provider, not the current one.
                    config = self.config if self._program_run else self._provider_config
                    self._provider = ProviderProcess(
                        self._run_program_dir or self.program_dir or Path.cwd(),
                        self.project,
                        config if config is not None else self.config,
                        self.secret_keys,
                        self.provider_env,
                        log,
                        self.rpc_timeout,
                        log_sink=self._record_log,
                    )
                    self.last_provider = self._provider
                return self._provider
        if type_ in self.handlers:
            return _HandlerBackend(self.handlers[type_])
        raise EngineError(f"no handler for custom resource type {type_!r}: pass handlers={{...}}")

    def _close_provider(self) -> None:
        if self._provider is not None:
            self._provider.close()
            self._provider = None

    @staticmethod
    def _order(entries: Mapping[str, Props]) -> list[str]:
        """URNs with dependencies (and parents) before dependents."""
        done: list[str] = []
        seen: set[str] = set()

        def visit(urn: str) -> None:
            if urn in seen or urn not in entries:
                return
            seen.add(urn)
            e = entries[urn]
            for dep in [*e.get("dependencies", []), e.get("parent", "")]:
                visit(dep)
            done.append(urn)

        for urn in entries:
            visit(urn)
        return done


@dataclass
class _Plan:
    """A generated step: what to do (create, import, same, update, replace) with the
    checked inputs."""

    op: str
    checked: Props
    delete_before_replace: bool = False


@dataclass
class _Victim:
    """One delete of the delete phase: the live entry at ``urn``, or a pending-delete entry."""

    urn: str
    entry: Props
    op: str  # delete / delete-replaced
    pending: bool = False


def _victim_deps(victims: list[_Victim]) -> list[set[int]]:
    """For each victim, the other victims it depends on (dependencies or parent, by URN)."""
    by_urn: dict[str, list[int]] = {}
    for i, v in enumerate(victims):
        by_urn.setdefault(v.urn, []).append(i)
    deps = []
    for i, v in enumerate(victims):
        urns = {*v.entry.get("dependencies", []), v.entry.get("parent", "")}
        deps.append({j for u in urns for j in by_urn.get(u, []) if j != i})
    return deps


def _antichains(deps: list[set[int]]) -> list[list[int]]:
    """ScheduleDeletes: peel off the victims depending on no remaining victim, then reverse,
    so each resource is deleted only after everything depending on it."""
    condemned = set(range(len(deps)))
    chains = []
    while condemned:
        chain = sorted(i for i in condemned if not deps[i] & condemned) or sorted(condemned)
        chains.append(chain)
        condemned -= set(chain)
    return chains[::-1]


def _closure(deps: list[set[int]], i: int) -> set[int]:
    """Everything victim ``i`` depends on, transitively."""
    seen: set[int] = set()
    todo = list(deps[i])
    while todo:
        j = todo.pop()
        if j not in seen:
            seen.add(j)
            todo.extend(deps[j])
    return seen


def _name(urn: str) -> str:
    return urn.split("::", 3)[3]


def _qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def _type(urn: str) -> str:
    return _qualified_type(urn).rsplit("$", 1)[-1]


def _find_urn(urn_or_name: str, state: Mapping[str, Props]) -> str:
    hits = [u for u in state if u == urn_or_name or _name(u) == urn_or_name]
    if len(hits) != 1:
        raise KeyError(f"{urn_or_name!r} matches {len(hits)} resources in state")
    return hits[0]


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Outputs of a failed resource are rejected futures nobody awaits; don't print them.
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def _as_callable(program: Callable[[], Any] | str | Path) -> tuple[Callable[[], Any], Path | None]:
    """A zero-arg function as is; a path to a ``__main__.py`` (or its directory) is run as
    ``__main__`` with its directory as cwd and sys.path[0], like the language host."""
    if callable(program):
        return program, None
    path = Path(program).resolve()
    if path.is_dir():
        path = path / "__main__.py"
    pdir = path.parent

    def run() -> None:
        old_cwd, old_path, before = os.getcwd(), list(sys.path), set(sys.modules)
        sys.path.insert(0, str(pdir))
        os.chdir(pdir)
        try:
            runpy.run_path(str(path), run_name="__main__")
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path
            for mod in set(sys.modules) - before:  # forget the program's own modules
                if str(getattr(sys.modules[mod], "__file__", "") or "").startswith(str(pdir)):
                    del sys.modules[mod]

    return run, pdir
