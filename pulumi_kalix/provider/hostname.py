"""CRUD of project hostnames for the `Hostname` resource, on the federation plane.

The published calls are `CreateHostname` (answering the project's hostname list),
`ListHostnames`, `UpdateHostname` (the `global` and `skip_provision_cert` flags, in
place) and `DeleteHostname`; there is no GetHostname, so a hostname is read by listing.
A hostname carries no annotations, so ownership is decided by what this provider did
and by what the state says (see the README's "Ownership"):

- a fixed name that meets ALREADY_EXISTS after an earlier attempt of the same create
  may have been lost (its answer was) is ours; so is one handed over by the delete of
  this very resource's old state entry in this deployment (a `--replace`: the Hostname
  class asks for delete-before-replace, so that delete comes first and keeps the name
  the program still declares); anything else reserved before needs `adopt=True` and is
  recorded as `adopted`;
- a generated name is the one that appeared in the list between just before and just
  after our create. Generated creates of one project are serialized in this process
  (the engine runs one provider process per deployment), so parallel creates in one
  `up` never take each other's names. A create whose answer was lost is not asked
  again before `kalix:lateApplySeconds` passed without the name appearing;
- delete removes only a hostname this resource created (an adopted one only with
  `delete_adopted=True`), and never one the program still declares for the same
  resource in this deployment (the old entry of a replacement that took it over).

How a generated name is requested is not published; we send an empty `hostname.name`
(an assumption, kept in one place: `GENERATED`).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from typing import Any, ClassVar

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from .._proto.kalix.projects.v1alpha import projects_pb2
from ..claims import CLAIM_KEY, Claim, StateClaim
from ..client.session import ProjectInfo
from ..errors import AlreadyExistsError, APIConnectionError, KalixError, NotFoundError, ServerError
from ._base import KalixProvider, Props, ProviderError, check_type, failure, is_unknown
from .hostname_ledger import PENDING_SECONDS, Entry, HostnameLedger, Pending, Snapshot

USER_KEYS = ("hostname", "global_", "skip_provision_cert", "delete_adopted")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"
)
#: The name sent to ask for a generated hostname (not published: our assumption).
GENERATED = ""
#: Lost answers: the call may or may not have been applied.
_UNCERTAIN = (APIConnectionError, ServerError)
#: How long another stack may take to record the name its create was answered with.
_RECORD_GRACE = 0.5


class HostnameProvider(KalixProvider):
    noun = "hostname"
    diff_keys = USER_KEYS
    replace_keys = ("hostname", "project")

    _generating: ClassVar[dict[str, threading.Lock]] = {}
    _generating_guard: ClassVar[threading.Lock] = threading.Lock()
    #: (project, hostname) -> claimant: what the program declares in this deployment
    #: (from Check), and what the delete of a replaced entry handed over to the
    #: replacement (with its `adopted` flag). One provider process serves one deployment.
    _declared: ClassVar[dict[tuple[str, str], Claim]] = {}
    _handed_over: ClassVar[dict[tuple[str, str], tuple[Claim, bool]]] = {}
    _memory_lock: ClassVar[threading.Lock] = threading.Lock()

    def check(self, olds: Props, news: Props) -> Any:
        result = super().check(olds, news)
        asking, name = self.claimant(news), news.get("hostname")
        if not result.failures and asking is not None and isinstance(name, str) and name:
            with self._memory_lock:
                self._declared[(self.project_of(news), name)] = asking
        return result

    def failures(self, news: Props) -> list[CheckFailure]:
        out: list[CheckFailure] = []
        host = news.get("hostname")
        valid = isinstance(host, str) and HOSTNAME_RE.match(host)
        if host is not None and not is_unknown(host) and not valid:
            out.append(
                failure(
                    "hostname",
                    f"hostname {host!r} is not a valid DNS name: use lower-case labels of "
                    "letters, digits and '-' separated by dots, e.g. 'shop.example.com' "
                    "(omit it to have one generated)",
                )
            )
        out += check_type(news, "global_", bool, "true or false")
        out += check_type(news, "skip_provision_cert", bool, "true or false")
        return out

    def normalize(self, news: Props) -> Props:
        news["global_"] = bool(news.get("global_"))
        news["skip_provision_cert"] = bool(news.get("skip_provision_cert"))
        news["delete_adopted"] = bool(news.get("delete_adopted"))
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        # A generated name is an output: not asking for one is not a change.
        if "hostname" in changed and news.get("hostname") is None and olds.get("generated"):
            changed.remove("hostname")
        skip_off = not news.get("skip_provision_cert") and not olds.get("skip_provision_cert")
        if "skip_provision_cert" in changed and skip_off:  # absent in older state = False
            changed.remove("skip_provision_cert")
        if "delete_adopted" in changed and not news.get("delete_adopted"):
            changed.remove("delete_adopted")  # absent in older state = False
        return changed

    def delete_before_replace(self, olds: Props, news: Props, replaces: list[str]) -> bool:
        return (
            bool(replaces)
            and news.get("hostname") is not None
            and (news.get("hostname") == olds.get("hostname"))
        )

    def outputs(
        self,
        host: projects_pb2.Hostname,
        project: ProjectInfo,
        props: Props,
        adopted: bool = False,
    ) -> Props:
        region = self.session().region_of(project)
        return {
            "hostname": host.name,
            "global_": bool(getattr(host, "global")),
            "skip_provision_cert": bool(host.skip_provision_cert),
            "generated": bool(host.is_generated),
            "region": region.name,
            # Custom names are served once DNS points them at the region's ingress.
            "cname": "" if host.is_generated else region.ingress_cname_address,
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            # Reserved before this resource took it: destroy leaves it (delete_adopted).
            "adopted": adopted,
            "delete_adopted": bool(props.get("delete_adopted")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }

    def _project(self, name: str) -> ProjectInfo:
        return self.session().project(name)

    def _list(self, project: ProjectInfo) -> list[projects_pb2.Hostname]:
        return self.session().federation.list_hostnames(project.id)

    @staticmethod
    def _find(hosts: list[projects_pb2.Hostname], name: str) -> projects_pb2.Hostname | None:
        return next((h for h in hosts if h.name == name), None)

    def _ledger(self, project_name: str, project: ProjectInfo) -> HostnameLedger:
        return HostnameLedger(self.client(project_name).secrets, project.id)

    # -- CRUD ----------------------------------------------------------------------

    def create(self, props: Props) -> CreateResult:
        project_name = self.project_of(props)
        name = props.get("hostname")
        asking = self.claimant(props)
        claim = asking.with_new_instance() if asking else None
        props = {**props, CLAIM_KEY: claim.text() if claim else None}
        try:
            project = self._project(project_name)
            ledger = self._ledger(project_name, project)
            if name:
                host, adopted = self._create_fixed(project, str(name), props, ledger, claim)
            else:
                host, adopted = self._create_generated(project, props, ledger, claim), False
            host = self._apply_flags(project, host, props)
        except KalixError as exc:
            raise self.explain(exc, "creating", str(name or "(generated)"), project_name) from exc
        outs = self.outputs(host, project, props, adopted=adopted)
        return CreateResult(f"{project_name}/{host.name}", outs)

    def _create_fixed(
        self,
        project: ProjectInfo,
        name: str,
        props: Props,
        ledger: HostnameLedger,
        claim: Claim | None,
    ) -> tuple[projects_pb2.Hostname, bool]:
        """The hostname, and whether it was adopted (reserved before this resource)."""
        federation = self.session().federation
        entry = ledger.read().entries.get(name)
        existing = self._find(self._list(project), name)
        if existing is not None and entry is not None:
            if claim is not None and claim.same_resource(entry.claim):
                # This resource of this stack holds it: a replacement, or a create whose
                # state write was lost. Taken back with its adopted flag.
                ledger.record(name, Entry(claim, entry.adopted))
                return existing, entry.adopted
            if not props.get("adopt"):
                raise ProviderError(
                    f"hostname {name!r} of project {project.friendly_name!r} is held by "
                    f"{entry.claim.describe()}, not by this resource; pass adopt=True to take "
                    "it over (that stack then leaves it on destroy)"
                )
            self._take(ledger, name, claim, adopted=True)
            self.note(props, f"took over hostname {name!r} from {entry.claim.describe()}")
            return existing, True
        if existing is not None and props.get("adopt"):
            self._take(ledger, name, claim, adopted=True)
            return existing, True
        if claim is not None:
            # Before the create: should this process die before the state is written,
            # the next `up` finds the name held by this resource and takes it back.
            ledger.record(name, Entry(claim))
        try:
            hosts = federation.create_hostname(
                project.id,
                name,
                global_=bool(props.get("global_")),
                skip_provision_cert=bool(props.get("skip_provision_cert")),
            )
        except AlreadyExistsError as exc:
            return self._already_exists(project, name, props, ledger, claim, exc)
        except _UNCERTAIN:
            existing = self._find(self._list(project), name)
            if existing is None:
                raise  # not applied (yet): the entry stays, a late apply is ours
            return existing, False  # the create was applied; only its answer was lost
        created = self._find(hosts, name)
        if created is None:
            raise ProviderError(f"CreateHostname answered without {name!r} in the list")
        return created, False

    def _already_exists(
        self,
        project: ProjectInfo,
        name: str,
        props: Props,
        ledger: HostnameLedger,
        claim: Claim | None,
        exc: AlreadyExistsError,
    ) -> tuple[projects_pb2.Hostname, bool]:
        existing = self._find(self._list(project), name)
        if getattr(exc, "attempts", 1) > 1 and existing is not None:
            return existing, False  # our own earlier attempt, whose answer was lost
        with self._memory_lock:
            handed = self._handed_over.pop((self.project_of(props), name), None)
        if existing is not None and handed is not None and claim and claim.same_resource(handed[0]):
            # A replacement (`--replace`, taint) of an entry the ledger does not know
            # (made before it): its old entry's delete kept the name for us.
            self._take(ledger, name, claim, adopted=handed[1])
            return existing, handed[1]
        if claim is not None:
            ledger.forget(name, claim)  # the intent written before the create
        if existing is None:
            raise ProviderError(
                f"hostname {name!r} is already in use by another Akka project; "
                "remove it there first or choose another hostname"
            ) from None
        raise ProviderError(
            f"hostname {name!r} is already a hostname of project {project.friendly_name!r} "
            "and this resource did not reserve it; pass adopt=True to take it over"
        ) from None

    @staticmethod
    def _take(ledger: HostnameLedger, name: str, claim: Claim | None, *, adopted: bool) -> None:
        if claim is not None:
            ledger.record(name, Entry(claim, adopted))

    def _lock_for(self, project: ProjectInfo) -> threading.Lock:
        with self._generating_guard:
            return self._generating.setdefault(project.id, threading.Lock())

    def _create_generated(
        self, project: ProjectInfo, props: Props, ledger: HostnameLedger, claim: Claim | None
    ) -> projects_pb2.Hostname:
        with self._lock_for(project):
            snap = ledger.read()
            hosts = self._list(project)
            generated = {h.name for h in hosts if h.is_generated}
            pending = snap.pending_of(claim) if claim else None
            if pending is not None and pending.expired():
                pending = None
            if claim is not None:
                taken = self._take_back(ledger, snap, claim, generated, pending)
                if taken is not None:
                    return next(h for h in hosts if h.name == taken)
            for attempt in range(2):  # asked again only when the first was surely not applied
                before = {h.name for h in hosts if h.is_generated}
                if claim is not None:
                    pending = Pending(
                        claim,
                        pending.before if pending else frozenset(before),
                        (pending.unanswered if pending else 0) + 1,
                        pending.since if pending else time.time(),
                    )
                    ledger.expect(pending)  # a crash from here on: the next call finds it
                host, unanswered = self._ask_generated(project, props, ledger, before)
                if host is not None:
                    if claim is not None:
                        ledger.settle(claim, took=host.name)
                    return host
                hosts = self._list(project)
                if attempt == 0 and unanswered:
                    self.warn(
                        props,
                        f"CreateHostname in project {project.friendly_name!r} went unanswered "
                        f"and no new hostname appeared within "
                        f"{self.settings().late_apply_seconds:g}s (kalix:lateApplySeconds); "
                        "asking again. Should the first request still be applied, this "
                        "resource's next refresh or destroy removes the extra hostname (within "
                        f"{PENDING_SECONDS // 60} minutes; later it is only reported)",
                    )
        raise ProviderError(
            f"asked project {project.friendly_name!r} for a generated hostname twice and "
            "none appeared in its hostname list"
        )

    def _take_back(
        self,
        ledger: HostnameLedger,
        snap: Snapshot,
        claim: Claim,
        generated: set[str],
        pending: Pending | None,
    ) -> str | None:
        """A generated name this resource already holds (a replacement, or a create
        whose state write was lost), or the late result of its unanswered create."""
        mine = [n for n in snap.held_by_resource(claim) if n in generated]
        if mine:
            ledger.record(mine[0], Entry(claim))
            return mine[0]
        strays = snap.strays(pending, generated) if pending else []
        if strays:
            ledger.settle(claim, took=strays[0])
            return strays[0]
        return None

    def _ask_generated(
        self, project: ProjectInfo, props: Props, ledger: HostnameLedger, before: set[str]
    ) -> tuple[projects_pb2.Hostname | None, bool]:
        """Send one generated CreateHostname: the new hostname (or None), and whether the
        answer was lost."""
        unanswered = False
        try:
            hosts = self.session().federation.create_hostname(
                project.id,
                GENERATED,
                global_=bool(props.get("global_")),
                skip_provision_cert=bool(props.get("skip_provision_cert")),
            )
        except _UNCERTAIN:
            # Applied, not applied, or still to be applied: the list will say.
            unanswered = True
            hosts = self._await_late(project, before)
        new = [h for h in hosts if h.is_generated and h.name not in before]
        if len(new) > 1 or (unanswered and new):
            # Another stack may have asked at the same time: what it has recorded (it
            # does so right after its answer) is not ours.
            if unanswered:
                time.sleep(_RECORD_GRACE)
            held = ledger.read().entries
            new = [h for h in new if h.name not in held]
        if len(new) > 1:
            names = ", ".join(h.name for h in new)
            raise ProviderError(
                f"several hostnames were generated in project {project.friendly_name!r}"
                f" at once ({names}), not all by this stack; run `pulumi up` again"
            )
        return (new[0] if new else None), unanswered

    def _await_late(self, project: ProjectInfo, before: set[str]) -> list[projects_pb2.Hostname]:
        """List until a new generated name appears or `late_apply_seconds` passed: a
        request whose answer was lost may be applied late, and asking again before then
        would make two."""
        deadline = time.monotonic() + self.settings().late_apply_seconds
        pause = 0.2
        while True:
            hosts = self._list(project)
            if any(h.is_generated and h.name not in before for h in hosts):
                return hosts
            left = deadline - time.monotonic()
            if left <= 0:
                return hosts
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)

    def _reconcile(
        self,
        ledger: HostnameLedger,
        snap: Snapshot,
        project: ProjectInfo,
        hosts: list[projects_pb2.Hostname],
        props: Props,
    ) -> None:
        """Remove the late results of this resource's unanswered generated creates."""
        stored = StateClaim.of(props).claim
        pending = snap.pending_of(stored) if stored else None
        if stored is None or pending is None:
            return
        strays = snap.strays(pending, {h.name for h in hosts if h.is_generated})
        if pending.expired():
            ledger.settle(stored, answered=pending.unanswered)
            if strays:
                self.warn(
                    props,
                    f"hostname(s) {', '.join(strays)} of project {project.friendly_name!r} "
                    "appeared after an unanswered create of this resource, too late to be "
                    "sure they are its own: left in place (remove unused ones with "
                    "`akka project hostname remove`)",
                )
            return
        for stray in strays[: pending.unanswered]:
            with contextlib.suppress(NotFoundError):  # gone already
                self.session().federation.delete_hostname(project.id, stray)
            ledger.settle(stored)
            self.note(
                props,
                f"removed hostname {stray!r}: the late result of an unanswered create of this "
                "resource",
            )

    def _apply_flags(
        self, project: ProjectInfo, host: projects_pb2.Hostname, props: Props
    ) -> projects_pb2.Hostname:
        """Bring an adopted or existing hostname's flags to the inputs (in place)."""
        want_global = bool(props.get("global_"))
        want_skip = bool(props.get("skip_provision_cert"))
        if bool(getattr(host, "global")) == want_global and host.skip_provision_cert == want_skip:
            return host
        self.session().federation.update_hostname(
            project.id, host.name, global_=want_global, skip_provision_cert=want_skip
        )
        updated = self._find(self._list(project), host.name)
        if updated is None:
            raise ProviderError(f"hostname {host.name!r} disappeared while being updated")
        return updated

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        project_name, _, name = id_.partition("/")
        stored = StateClaim.of(olds).claim
        claim = self.claim_for_update(olds, news)
        adopted = bool(olds.get("adopted"))
        try:
            project = self._project(project_name)
            ledger = self._ledger(project_name, project)
            entry = ledger.read().entries.get(name)
            held_elsewhere = entry is not None and not (stored and stored.holds(entry.claim))
            if held_elsewhere and entry is not None and not news.get("adopt"):
                raise ProviderError(
                    f"hostname {name!r} in project {project_name!r} is now held by "
                    f"{entry.claim.describe()}, not by this resource: remove it from the "
                    "program (the hostname is left alone), or pass adopt=True to take it back"
                )
            host = self._find(self._list(project), name)
            if host is None:
                raise ProviderError(
                    f"hostname {name!r} no longer exists in project {project_name!r}; "
                    "run `pulumi refresh` and `pulumi up` to create it again"
                )
            host = self._apply_flags(project, host, news)
            if claim is not None and (entry is None or claim != entry.claim):
                # Moved (aliases, a new stack identity), taken back, or made before the
                # ledger: the entry follows the state.
                ledger.record(name, Entry(claim, adopted or held_elsewhere))
                adopted = adopted or held_elsewhere
        except KalixError as exc:
            raise self.explain(exc, "updating", name, project_name) from exc
        news = {**news, CLAIM_KEY: claim.text() if claim else None}
        return UpdateResult(self.outputs(host, project, news, adopted=adopted))

    def read(self, id_: str, props: Props) -> ReadResult:
        project_name, _, name = id_.partition("/")
        try:
            project = self._project(project_name)
            hosts = self._list(project)
            ledger = self._ledger(project_name, project)
            snap = ledger.read()
            self._reconcile(ledger, snap, project, hosts, props)
        except KalixError as exc:
            raise self.explain(exc, "reading", name, project_name) from exc
        host = self._find(hosts, name)
        if host is None:
            return ReadResult("", {})
        stored = StateClaim.of(props).claim
        entry = snap.entries.get(name)
        if entry is not None and not (stored and stored.holds(entry.claim)):
            self.warn(
                props,
                f"hostname {name!r} in project {project_name!r} is held by "
                f"{entry.claim.describe()}, not by this resource: this stack will not change "
                "or delete it",
            )
        outs = self.outputs(host, project, props, adopted=bool(props.get("adopted")))
        inputs: dict[str, Any] = {
            "hostname": None if host.is_generated else host.name,
            "global_": outs["global_"],
            "skip_provision_cert": outs["skip_provision_cert"],
            "project": props.get("project"),
            "adopt": outs["adopt"],
            "delete_adopted": outs["delete_adopted"],
            CLAIM_KEY: Claim(stored.urn, stored.stack).text() if stored else None,
        }
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: Props) -> None:
        project_name, _, name = id_.partition("/")
        stored = StateClaim.of(props).claim
        declared = self._declared.get((project_name, name))
        if stored is not None and stored.same_resource(declared):
            # The old entry of a replacement: the program still declares this hostname
            # for the same resource; its create (next, delete-before-replace) takes it.
            with self._memory_lock:
                self._handed_over[(project_name, name)] = (stored, bool(props.get("adopted")))
            self.note(props, f"kept hostname {name!r} for its replacement in this stack")
            return
        try:
            project = self._project(project_name)
            ledger = self._ledger(project_name, project)
            snap = ledger.read()
            self._reconcile(ledger, snap, project, self._list(project), props)
            entry = snap.entries.get(name)
            if entry is not None and not (stored and stored.holds(entry.claim)):
                self._left_in_place(name, project_name, entry, stored, props)
                return
            adopted = entry.adopted if entry is not None else bool(props.get("adopted"))
            if adopted and not props.get("delete_adopted"):
                if stored is not None:
                    ledger.forget(name, stored)  # reserved again, by nobody
                self.note(
                    props,
                    f"left hostname {name!r} in project {project_name!r} in place: it was "
                    "reserved before this stack adopted it (set delete_adopted=True to delete "
                    "it with the resource)",
                )
                return
            with contextlib.suppress(NotFoundError):  # gone already
                self.session().federation.delete_hostname(project.id, name)
            if stored is not None:
                ledger.forget(name, stored)
        except KalixError as exc:
            raise self.explain(exc, "deleting", name, project_name) from exc

    def _left_in_place(
        self, name: str, project: str, entry: Entry, stored: Claim | None, props: Props
    ) -> None:
        what = f"hostname {name!r} in project {project!r}"
        if stored is not None and stored.same_resource(entry.claim):
            # The usual end of a replacement that took its predecessor's hostname over.
            self.note(props, f"kept {what}: its replacement in this stack now holds it")
            return
        self.warn(
            props,
            f"left {what} in place: it is held by {entry.claim.describe()}, not by this "
            "resource (it was adopted); delete it there if it is unused",
        )
