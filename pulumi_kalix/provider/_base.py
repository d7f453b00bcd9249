"""What every kind's provider shares: configuration, clients, diffing, ownership.

The provider object is pickled (by reference: it holds no state when pickled) into
every resource's state, so it must stay small and importable under this module path.
Clients are built lazily from `configure()` in the provider process; one httpx pool is
shared by the 4 worker threads of that process.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from .. import _keys
from ..api import Preconditions, WireModel
from ..awaiting import WriteMark, status_fingerprint
from ..claims import CLAIM_KEY, Claim, Holder, StateClaim, claim_annotations, new_id
from ..client import ControlPlane, SyncObjects
from ..client.session import Session
from ..config import Settings, unreachable_hint
from ..errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    ConflictError,
    KalixError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
)
from . import _engine_log

Props = dict[str, Any]
T = TypeVar("T", bound=WireModel)

# In the provider process: our errors reach the user as their one line, not a traceback.
_engine_log.install_user_facing_errors()

#: Output: the :class:`~pulumi_kalix.awaiting.WriteMark` of the last create or update.
LAST_WRITE_KEY = _keys.LAST_WRITE_KEY
#: Inputs every kind takes and echoes as outputs.
COMMON_KEYS = ("project", "adopt")


def is_unknown(value: Any) -> bool:
    """True for a preview unknown, also when nested in a list or dict."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    return False


def canonical(value: Any) -> Any:
    """A comparable form: ints and floats alike (protobuf turns 1 into 1.0), dicts by key."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def empty_as_none(value: Any) -> Any:
    return None if value in (None, "", [], {}) else value


class ProviderError(KalixError):
    """An error for the user: the message says what happened and what to do."""


class KalixProvider(ResourceProvider):
    """Base of the per-kind providers."""

    serialize_as_secret_always = False  # nothing secret is captured: keep state small

    #: noun used in messages ("service", "route", ...)
    noun: ClassVar[str]
    #: user-owned inputs that diff compares (never server-added fields)
    diff_keys: ClassVar[tuple[str, ...]]
    #: inputs whose change forces a replacement
    replace_keys: ClassVar[tuple[str, ...]] = ("name", "project")
    #: keys compared as unordered sets of strings
    set_keys: ClassVar[tuple[str, ...]] = ()

    def configure(self, req: ConfigureRequest) -> None:
        self._settings = Settings.load(req.config.get)

    # -- clients -------------------------------------------------------------

    def settings(self) -> Settings:
        settings: Settings | None = getattr(self, "_settings", None)
        if settings is None:  # an engine older than configure(): environment only
            settings = Settings.load(None, os.environ)
            self._settings = settings
        return self._usable(settings)

    #: settings as configured -> settings to use (see `_usable`), once per process
    _usable_settings: ClassVar[dict[Settings, Settings]] = {}
    _usable_lock: ClassVar[threading.Lock] = threading.Lock()

    def _usable(self, settings: Settings) -> Settings:
        """`pulumi refresh` and `pulumi destroy` do not run the program: the engine
        configures the provider with the stack config stored at the last `up`, so after
        `kalix:token` was rotated the stored one is rejected. Then a credential from the
        environment (AKKA_TOKEN, ...) is used instead, with a warning; without one the
        401 error says what to do. Checked once per process, before the first call."""
        with self._usable_lock:
            known = self._usable_settings.get(settings)
            if known is not None:
                return known
            usable = settings
            if settings.token:
                try:
                    settings.session().access_token()
                except UnauthorizedError:
                    usable = self._environment_instead(settings)
                except KalixError:
                    pass  # unreachable, ...: the call itself reports it
            self._usable_settings[settings] = usable
            return usable

    @staticmethod
    def _environment_instead(settings: Settings) -> Settings:
        fallback = replace(settings, token=None)
        try:
            credential = fallback.credential()
            fallback.session().access_token()
        except KalixError:
            return settings  # nothing better: the stored token's 401 explains
        _engine_log.warn(
            f"kalix:token was rejected (401), so {credential.source} is used instead. "
            "`pulumi refresh` and `pulumi destroy` use the stack config stored at the last "
            "`pulumi up`; after rotating kalix:token, run `pulumi up` to store the new one",
            None,
        )
        return fallback

    def session(self) -> Session:
        """The provider process's session: one token cache and pool per endpoint, shared
        by the 4 worker threads."""
        return self.settings().session()

    def client(self, project: str | None) -> ControlPlane:
        return self.session().control_plane(project or self.settings().require_project())

    def project_of(self, props: Props) -> str:
        return str(props.get("project") or self.settings().require_project())

    # -- check / diff ----------------------------------------------------------

    def failures(self, news: Props) -> list[CheckFailure]:  # pragma: no cover - abstract
        raise NotImplementedError

    def normalize(self, news: Props) -> Props:
        """Fill defaults and canonical forms; must leave Unknowns untouched."""
        return news

    def check(self, olds: Props, news: Props) -> Any:
        from pulumi.dynamic import CheckResult

        self.preflight()
        failures = self.failures(news)
        inputs = news if failures else self.normalize(dict(news))
        return CheckResult(inputs, failures)

    _preflights: ClassVar[dict[Settings, str | None]] = {}
    _preflight_lock: ClassVar[threading.Lock] = threading.Lock()

    def preflight(self) -> None:
        """Once per process and settings, before the first change of an `up` or
        `preview`: exchange the credential and resolve the default project, so a wrong
        token, project or address fails at once in one line (`pulumi-kalix whoami`
        tells more). Skipped while no default project is set."""
        settings = self.settings()
        if not settings.project:
            return
        with self._preflight_lock:
            if settings not in self._preflights:
                self._preflights[settings] = self._preflight_problem(settings)
            problem = self._preflights[settings]
        if problem:
            raise ProviderError(problem)

    def _preflight_problem(self, settings: Settings) -> str | None:
        project = settings.require_project()
        try:
            self.session().project(project)
        except KalixError as exc:
            text = str(self.explain(exc, "checking", project, project))
            reason = text.partition(" failed: ")[2] or text
            return f"checking the Akka credential and project {project!r} failed: {reason}"
        return None

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = []
        for key in self.diff_keys:
            new = news.get(key)
            if is_unknown(new):
                changed.append(key)
                continue
            old = olds.get(key)
            if key in self.set_keys:
                old = sorted(map(str, old or []))
                new = sorted(map(str, new or []))
            if canonical(empty_as_none(old)) != canonical(empty_as_none(new)):
                changed.append(key)
        return changed

    def delete_before_replace(self, olds: Props, news: Props, replaces: list[str]) -> bool:
        """Delete first when the replacement would take the same unique name."""
        return bool(replaces) and olds.get("name") == news.get("name")

    def diff(self, _id: str, olds: Props, news: Props) -> DiffResult:
        changed = self.changed_keys(olds, news)
        replaces = [k for k in changed if k in self.replace_keys]
        # The default project may be unset when nothing is deployed yet: compare as is.
        default = self.settings().project
        old_project, new_project = olds.get("project") or default, news.get("project") or default
        if old_project != new_project and "project" not in replaces:
            replaces.append("project")
            changed.append("project")
        if not changed and self.claim_moved(olds, news):
            changed.append(CLAIM_KEY)  # renamed (aliases), a new stack name: re-claim in place
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=[k for k in self.diff_keys if k not in changed],
            delete_before_replace=self.delete_before_replace(olds, news, replaces),
        )

    # -- ownership ---------------------------------------------------------------

    @staticmethod
    def claimant(props: Props) -> Claim | None:
        """Who the program says asks for the object (stack identity and URN)."""
        return Claim.parse(props.get(CLAIM_KEY))

    def claim_moved(self, olds: Props, news: Props) -> bool:
        """The resource's URN or stack identity changed since the object was claimed."""
        asking, stored = self.claimant(news), StateClaim.of(olds)
        if asking is None:  # unknown in a preview, or a program without claims
            return False
        return stored.claim is None or not asking.same_resource(stored.claim)

    @staticmethod
    def claim_for_update(olds: Props, news: Props) -> Claim | None:
        """The claim an update writes: the program's claimant with the instance of the
        create that made the state entry (or a new one for a pre-claims entry)."""
        asking = Claim.parse(news.get(CLAIM_KEY))
        stored = StateClaim.of(olds).claim
        if asking is None:
            return stored
        return Claim(asking.urn, asking.stack, stored.instance if stored else new_id())

    def may_take_over(
        self, name: str, project: str, holder: Holder, claim: Claim | None, props: Props
    ) -> str:
        """Whether a create may take over an existing object, and why: "ours" (our own
        create, retried), "replacement" (this resource of this stack made it before: a
        replacement, or a create whose state write was lost), "adopt" (adopt=True).
        Raises for anything else."""
        if claim is not None and claim.holds(holder.claim):
            return "ours"
        if claim is not None and claim.same_resource(holder.claim):
            return "replacement"
        if props.get("adopt"):
            return "adopt"
        raise ProviderError(
            f"{self.noun} {name!r} already exists in project {project!r} and is held by "
            f"{holder.describe()}, not by this resource; pass adopt=True to take it over, "
            "or choose another name"
        )

    def claimed(self, props: Props, existing: Mapping[str, str] | None) -> dict[str, str]:
        """Annotations with the claim in `props` written on them."""
        return claim_annotations(dict(existing or {}), Claim.parse(props.get(CLAIM_KEY)))

    def warn(self, props: Props, message: str) -> None:
        """A warning on the resource's row (its URN comes from the claim)."""
        claim = StateClaim.of(props).claim or self.claimant(props)
        _engine_log.warn(message, claim.urn if claim else None)

    def note(self, props: Props, message: str) -> None:
        claim = StateClaim.of(props).claim or self.claimant(props)
        _engine_log.info(message, claim.urn if claim else None)

    # -- errors --------------------------------------------------------------------

    def describe(self, action: str, name: str, project: str) -> str:
        """What was being done, for messages: "creating service 'cart' in project 'shop'"."""
        return f"{action} {self.noun} {name!r} in project {project!r}"

    def explain(self, exc: Exception, action: str, name: str, project: str) -> Exception:
        """Turn a client error into one sentence a user can act on."""
        what = self.describe(action, name, project)
        if isinstance(exc, ConfigurationError):
            return ProviderError(f"{what} failed: {exc}")
        if isinstance(exc, APIConnectionError):
            where = exc.url or self.settings().api_host
            return ProviderError(f"{what} failed: {unreachable_hint(where, exc)}")
        if isinstance(exc, APIStatusError):
            source = _credential_source(self.settings())
            if exc.status_code == 401:
                return ProviderError(
                    f"{what} failed: the credential ({source}) was rejected (401): {exc.message}; "
                    "set a valid refresh or service token with "
                    "`pulumi config set --secret kalix:token ...` or AKKA_TOKEN (refresh and "
                    "destroy use the kalix:token stored at the last `pulumi up`: after a "
                    "rotation, run `pulumi up`, or set AKKA_TOKEN for the command)"
                )
            if exc.status_code == 403:
                return ProviderError(
                    f"{what} failed: the credential ({source}) may not act on project "
                    f"{project!r} (403); use a token with access to it or set `kalix:project`"
                )
            causes = "; ".join(f"{f}: {m}" if f else m for f, m in exc.causes)
            detail = causes or exc.message
            rid = f" [request id {exc.request_id}]" if exc.request_id else ""
            return ProviderError(f"{what} failed: {exc.reason}: {detail}{rid}")
        return exc


def _credential_source(settings: Settings) -> str:
    try:
        return settings.credential().source
    except ConfigurationError:
        return "none found"


R = TypeVar("R")
#: Lost answers: the call may or may not have been applied.
UNCERTAIN = (APIConnectionError, ServerError)


def create_then_look(
    make: Callable[[], R],
    find: Callable[[], R | None],
    *,
    attempts: int = 3,
    pause: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """A create that is never repeated blindly (for objects with a unique key but no
    idempotency token: project names, role bindings). After a lost answer the object is
    looked for, and only when it is absent is the create sent again; a repeat meeting
    ALREADY_EXISTS (the earlier attempt landed late) looks once more. A first attempt's
    ALREADY_EXISTS is the caller's to explain."""
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            return make()
        except AlreadyExistsError:
            found = find() if attempt else None
            if found is not None:
                return found
            raise
        except UNCERTAIN as exc:
            found = find()
            if found is not None:
                return found
            last = exc
            if attempt + 1 < attempts:
                sleep(pause * (attempt + 1))
    assert last is not None
    raise last


def failure(prop: str, reason: str) -> CheckFailure:
    return CheckFailure(prop, reason)


def check_name(value: Any, prop: str = "name") -> list[CheckFailure]:
    """Kubernetes object names: DNS-1123 labels."""
    import re

    if is_unknown(value):
        return []
    if not isinstance(value, str) or not value:
        return [failure(prop, f"{prop} is required")]
    if len(value) > 63 or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", value):
        return [
            failure(
                prop,
                f"{prop} {value!r} is not valid: use 1-63 lower-case letters, digits and '-', "
                "starting and ending with a letter or digit",
            )
        ]
    return []


def check_type(
    props: Props, key: str, types: type | tuple[type, ...], what: str
) -> list[CheckFailure]:
    value = props.get(key)
    if value is None or is_unknown(value) or isinstance(value, types):
        return []
    return [failure(key, f"{key} must be {what}, got {type(value).__name__}")]


def string_map_failures(props: Props, key: str) -> list[CheckFailure]:
    """A map of strings. Numbers and booleans are refused, not converted: protobuf
    carries every number as a float, so `{"NUM": 5}` would arrive as "5.0" (and `True`
    as "True"); the message names the type only, never the value (it may be a secret)."""
    value = props.get(key)
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, dict):
        return [failure(key, f"{key} must be a map of strings, got {type(value).__name__}")]
    return [
        failure(
            f"{key}.{k}",
            f"{key}.{k} must be a string, got {type_name(v)}"
            + (" (quote it, e.g. '5' or 'true')" if isinstance(v, int | float) else ""),
        )
        for k, v in value.items()
        if not (isinstance(v, str) or is_unknown(v))
    ]


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def string_list_failures(props: Props, key: str, example: str) -> list[CheckFailure]:
    """A list of strings (a lone string is refused: it is not split into characters)."""
    value = props.get(key)
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, list):
        what = "a string" if isinstance(value, str) else type_name(value)
        return [failure(key, f"{key} must be a list of strings such as {example}, got {what}")]
    return [
        failure(f"{key}[{i}]", f"{key}[{i}] must be a string, got {type_name(v)}")
        for i, v in enumerate(value)
        if not (isinstance(v, str) or is_unknown(v))
    ]


def strings(value: Iterable[Any] | None) -> list[str]:
    return [str(v) for v in (value or [])]


class ObjectProvider(KalixProvider, Generic[T]):
    """CRUD shared by the Kubernetes-style kinds (services, routes, secrets).

    A kind supplies `desired()` (the object to write, built on the live one when there
    is one, so fields we don't manage survive), `outputs()`, and, when its inputs can
    be read back, `inputs_from()` for drift on refresh.
    """

    #: attribute of ControlPlane holding the collection ("services", "routes", ...)
    collection: ClassVar[str]
    #: inputs echoed back on refresh (besides project, adopt and the owner mark)
    input_keys: ClassVar[tuple[str, ...]] = ()
    #: seconds to wait after a delete until the name is free; None: don't wait
    delete_timeout: ClassVar[float | None] = 120.0

    def api(self, project: str) -> SyncObjects[T]:
        objects: SyncObjects[T] = getattr(self.client(project), self.collection)
        return objects

    def desired(self, props: Props, current: T | None) -> T:  # pragma: no cover - abstract
        raise NotImplementedError

    def outputs(self, obj: T, props: Props) -> Props:  # pragma: no cover - abstract
        raise NotImplementedError

    def inputs_from(self, obj: T) -> Props | None:
        """User-owned inputs as the live object has them; None if they can't be read."""
        return None

    def write_mark(self, before: T | None, after: T, props: Props) -> WriteMark:
        """What the program-side await needs to tell the controller's answer to this
        write from the status before it (see :mod:`pulumi_kalix.awaiting`)."""
        meta_after = getattr(after, "metadata")  # noqa: B009 - every kind has metadata
        generation = int(meta_after.generation or 0)
        before_generation = (
            int(getattr(before, "metadata").generation or 0) if before is not None else None  # noqa: B009
        )
        return WriteMark(
            at=time.time(),
            status=status_fingerprint(getattr(after, "status", None)),
            generation=generation,
            rollout=before_generation is None or before_generation != generation,
            version=str(meta_after.resource_version or ""),
        )

    def written(self, before: T | None, after: T, props: Props) -> Props:
        """The outputs of a create or update, with the write mark."""
        return {
            **self.outputs(after, props),
            LAST_WRITE_KEY: self.write_mark(before, after, props).to_output(),
        }

    def update_live(
        self,
        api: SyncObjects[T],
        name: str,
        props: Props,
        vet: Callable[[Holder], None] = lambda _holder: None,
    ) -> Props:
        """Read-modify-write from the live object (fields we don't manage survive).

        `vet` sees the holder the live object names on every attempt and raises when
        the write is not ours to make; the ownership decision and the write see the same
        version (a PUT carries its resourceVersion: a claim written in between makes it
        re-read and vet again)."""
        seen: list[T] = []

        def mutate(current: T) -> T:
            seen[:] = [current]
            vet(Holder.of(getattr(current, "metadata").annotations))  # noqa: B009
            return self.desired(props, current)

        obj = api.update(name, mutate)
        return self.written(seen[-1] if seen else None, obj, props)

    def taken_over(self, props: Props) -> Props:
        """The inputs for a create that took over an object its own resource made (a
        replacement, or a create whose state write was lost: the engine tells a provider
        neither apart, Check gets no old inputs for a `--replace`): a kind adds what a
        replacement should do beyond the new inputs."""
        return props

    def not_ours(self, name: str, project: str, holder: Holder, props: Props) -> ProviderError:
        return ProviderError(
            f"{self.noun} {name!r} in project {project!r} is now held by {holder.describe()}, "
            "not by this resource: remove it from the program (the object is left alone), "
            "or pass adopt=True to take it back"
        )

    def create(self, props: Props) -> CreateResult:
        name, project = str(props["name"]), self.project_of(props)
        asking = self.claimant(props)
        claim = asking.with_new_instance() if asking else None
        props = {**props, CLAIM_KEY: claim.text() if claim else None}
        try:
            api = self.api(project)
            try:
                # A retried POST after a dropped connection meets AlreadyExists for our
                # own object (it carries this very claim): taken as ours below.
                obj = api.create(self.desired(props, None), retry_uncertain=True)
                outs = self.written(None, obj, props)
            except AlreadyExistsError:
                current = api.get(name)
                meta = getattr(current, "metadata")  # noqa: B009 - every kind has metadata
                holder = Holder.of(meta.annotations)
                why = self.may_take_over(name, project, holder, claim, props)

                def vet(now: Holder) -> None:
                    if now != holder:  # claimed in between: decide again
                        self.may_take_over(name, project, now, claim, props)

                taken = self.taken_over(props) if why == "replacement" else props
                outs = self.update_live(api, name, taken, vet)
                if why == "adopt" and not holder.nobody:
                    self.note(props, f"took over {self.noun} {name!r} from {holder.describe()}")
        except KalixError as exc:
            raise self.explain(exc, "creating", name, project) from exc
        return CreateResult(f"{project}/{name}", outs)

    def read(self, id_: str, props: Props) -> ReadResult:
        project, _, name = id_.partition("/")
        try:
            obj = self.api(project).get_or_none(name)
        except KalixError as exc:
            raise self.explain(exc, "reading", name, project) from exc
        if obj is None:
            return ReadResult("", {})
        holder = Holder.of(getattr(obj, "metadata").annotations)  # noqa: B009
        if not StateClaim.of(props).held_by_us(holder):
            self.warn(
                props,
                f"{self.noun} {name!r} in project {project!r} is held by {holder.describe()}, "
                "not by this resource: this stack will not change or delete it",
            )
        # A refresh writes nothing: the mark of the last write stays, and so does our claim.
        kept = {k: props.get(k) for k in (LAST_WRITE_KEY, CLAIM_KEY) if k in props}
        live = self.inputs_from(obj)
        if live is None:  # e.g. secret data: keep the inputs we have
            return ReadResult(id_, {**self.outputs(obj, props), **kept})
        outs = {**self.outputs(obj, {**props, **live}), **kept}
        keys = (*self.input_keys, "project", "adopt")
        inputs = {k: outs.get(k) for k in keys}
        stored = StateClaim.of(props).claim
        inputs[CLAIM_KEY] = Claim(stored.urn, stored.stack).text() if stored else None
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        project, _, name = id_.partition("/")
        stored = StateClaim.of(olds)
        claim = self.claim_for_update(olds, news)
        news = {**news, CLAIM_KEY: claim.text() if claim else None}

        def vet(holder: Holder) -> None:
            # Ours, unclaimed (a tool dropped the annotation: state says we manage it),
            # or taken back on purpose.
            if not (stored.held_by_us(holder) or holder.nobody or news.get("adopt")):
                raise self.not_ours(name, project, holder, news)

        try:
            outs = self.update_live(self.api(project), name, news, vet)
        except KalixError as exc:
            raise self.explain(exc, "updating", name, project) from exc
        return UpdateResult(outs)

    #: how often delete re-reads an object that changed between its check and the delete
    delete_attempts: ClassVar[int] = 5

    def delete(self, id_: str, props: Props) -> None:
        project, _, name = id_.partition("/")
        stored = StateClaim.of(props)
        try:
            api = self.api(project)
            for attempt in range(self.delete_attempts):
                if attempt:
                    time.sleep(0.1 * attempt)  # a controller writing statuses: let it finish
                obj = api.get_or_none(name)
                if obj is None:
                    return  # already gone
                meta = getattr(obj, "metadata")  # noqa: B009 - every kind has metadata
                holder = Holder.of(meta.annotations)
                if not stored.held_by_us(holder):
                    self.left_in_place(name, project, holder, stored, props)
                    return
                try:
                    # Only the version we just checked: a claim written since fails it.
                    checked = Preconditions(uid=meta.uid, resource_version=meta.resource_version)
                    api.delete(name, preconditions=checked)
                except ConflictError:
                    continue  # changed since we looked: look again
                except NotFoundError:
                    return
                if self.delete_timeout is not None:
                    # Deletion may take a while (a service's soft delete): wait until the
                    # name is free so a replacement with the same name cannot collide.
                    api.wait_for(name, lambda o: o is None, timeout=self.delete_timeout)
                return
            raise ProviderError(
                f"{self.noun} {name!r} kept changing while being deleted; run the command again"
            )
        except KalixError as exc:
            raise self.explain(exc, "deleting", name, project) from exc

    def left_in_place(
        self, name: str, project: str, holder: Holder, stored: StateClaim, props: Props
    ) -> None:
        what = f"{self.noun} {name!r} in project {project!r}"
        if stored.claim is not None and stored.claim.same_resource(holder.claim):
            # The usual end of a replacement that took its predecessor's object over.
            self.note(props, f"kept {what}: its replacement in this stack now holds it")
            return
        self.warn(
            props,
            f"left {what} in place: it is held by {holder.describe()}, not by this resource "
            "(it was adopted, or its claim was removed); delete it there if it is unused",
        )
