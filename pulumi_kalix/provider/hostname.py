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

USER_KEYS = ("hostname", "global_", "skip_provision_cert", "delete_adopted")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"
)
#: The name sent to ask for a generated hostname (not published: our assumption).
GENERATED = ""
#: Lost answers: the call may or may not have been applied.
_UNCERTAIN = (APIConnectionError, ServerError)


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

    # -- CRUD ----------------------------------------------------------------------

    def create(self, props: Props) -> CreateResult:
        project_name = self.project_of(props)
        name = props.get("hostname")
        asking = self.claimant(props)
        props = {**props, CLAIM_KEY: asking.with_new_instance().text() if asking else None}
        try:
            project = self._project(project_name)
            if name:
                host, adopted = self._create_fixed(project, project_name, str(name), props)
            else:
                host, adopted = self._create_generated(project, props), False
            host = self._apply_flags(project, host, props)
        except KalixError as exc:
            raise self.explain(exc, "creating", str(name or "(generated)"), project_name) from exc
        outs = self.outputs(host, project, props, adopted=adopted)
        return CreateResult(f"{project_name}/{host.name}", outs)

    def _create_fixed(
        self, project: ProjectInfo, project_name: str, name: str, props: Props
    ) -> tuple[projects_pb2.Hostname, bool]:
        """The hostname, and whether it was adopted (reserved before this resource)."""
        federation = self.session().federation
        if props.get("adopt"):
            existing = self._find(self._list(project), name)
            if existing is not None:
                return existing, True
        try:
            hosts = federation.create_hostname(
                project.id,
                name,
                global_=bool(props.get("global_")),
                skip_provision_cert=bool(props.get("skip_provision_cert")),
            )
        except AlreadyExistsError as exc:
            existing = self._find(self._list(project), name)
            if existing is None:
                raise ProviderError(
                    f"hostname {name!r} is already in use by another Akka project; "
                    "remove it there first or choose another hostname"
                ) from None
            if getattr(exc, "attempts", 1) > 1:
                return existing, False  # our own earlier attempt, whose answer was lost
            with self._memory_lock:
                handed = self._handed_over.pop((project_name, name), None)
            asking = self.claimant(props)
            if handed is not None and asking is not None and asking.same_resource(handed[0]):
                # A replacement (`--replace`, taint): its old entry's delete kept it for us.
                return existing, handed[1]
            raise ProviderError(
                f"hostname {name!r} is already a hostname of project {project.friendly_name!r} "
                "and this resource did not reserve it; pass adopt=True to take it over"
            ) from None
        except _UNCERTAIN:
            existing = self._find(self._list(project), name)
            if existing is None:
                raise
            return existing, False  # the create was applied; only its answer was lost
        created = self._find(hosts, name)
        if created is None:
            raise ProviderError(f"CreateHostname answered without {name!r} in the list")
        return created, False

    def _lock_for(self, project: ProjectInfo) -> threading.Lock:
        with self._generating_guard:
            return self._generating.setdefault(project.id, threading.Lock())

    def _create_generated(self, project: ProjectInfo, props: Props) -> projects_pb2.Hostname:
        federation = self.session().federation
        with self._lock_for(project):
            before = {h.name for h in self._list(project)}
            for attempt in range(2):  # asked again only when the first was surely not applied
                unanswered = False
                try:
                    hosts = federation.create_hostname(
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
                if len(new) == 1:
                    return new[0]
                if len(new) > 1:
                    names = ", ".join(h.name for h in new)
                    raise ProviderError(
                        f"several hostnames were generated in project {project.friendly_name!r}"
                        f" at once ({names}), not all by this stack; run `pulumi up` again"
                    )
                if attempt == 0 and unanswered:
                    self.warn(
                        props,
                        f"CreateHostname in project {project.friendly_name!r} went unanswered "
                        f"and no new hostname appeared within "
                        f"{self.settings().late_apply_seconds:g}s (kalix:lateApplySeconds); "
                        "asking again. Should the first request still be applied, the project "
                        "gets one generated hostname no stack holds: remove it with "
                        "`akka project hostname remove`",
                    )
        raise ProviderError(
            f"asked project {project.friendly_name!r} for a generated hostname twice and "
            "none appeared in its hostname list"
        )

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
        try:
            project = self._project(project_name)
            host = self._find(self._list(project), name)
            if host is None:
                raise ProviderError(
                    f"hostname {name!r} no longer exists in project {project_name!r}; "
                    "run `pulumi refresh` and `pulumi up` to create it again"
                )
            host = self._apply_flags(project, host, news)
        except KalixError as exc:
            raise self.explain(exc, "updating", name, project_name) from exc
        claim = self.claim_for_update(olds, news)
        news = {**news, CLAIM_KEY: claim.text() if claim else None}
        return UpdateResult(self.outputs(host, project, news, adopted=bool(olds.get("adopted"))))

    def read(self, id_: str, props: Props) -> ReadResult:
        project_name, _, name = id_.partition("/")
        try:
            project = self._project(project_name)
            host = self._find(self._list(project), name)
        except KalixError as exc:
            raise self.explain(exc, "reading", name, project_name) from exc
        if host is None:
            return ReadResult("", {})
        outs = self.outputs(host, project, props, adopted=bool(props.get("adopted")))
        stored = StateClaim.of(props).claim
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
        if props.get("adopted") and not props.get("delete_adopted"):
            self.note(
                props,
                f"left hostname {name!r} in project {project_name!r} in place: it was reserved "
                "before this stack adopted it (set delete_adopted=True to delete it with the "
                "resource)",
            )
            return
        try:
            project = self._project(project_name)
            self.session().federation.delete_hostname(project.id, name)
        except NotFoundError:
            return  # already gone
        except KalixError as exc:
            raise self.explain(exc, "deleting", name, project_name) from exc
