"""CRUD of project hostnames for the `Hostname` resource.

Hostnames cannot be updated: any change replaces, deleting first when the name is
fixed (it is unique across all projects, so the new one could not be created first).
A generated hostname carries our ownership annotation, so a create whose answer was
lost is found again instead of generating a second name.
"""

from __future__ import annotations

import re

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult

from ..api import OWNER_ANNOTATION, Hostname
from ..client import ControlPlane
from ..errors import AlreadyExistsError, APIConnectionError, KalixError, ServerError
from ._base import OWNER_KEY, KalixProvider, Props, ProviderError, check_type, failure, is_unknown

USER_KEYS = ("hostname", "global_")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"
)


class HostnameProvider(KalixProvider):
    noun = "hostname"
    diff_keys = USER_KEYS
    replace_keys = USER_KEYS

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
        return out

    def normalize(self, news: Props) -> Props:
        news["global_"] = bool(news.get("global_"))
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        # A generated name is an output: not asking for one is not a change.
        if "hostname" in changed and news.get("hostname") is None and olds.get("generated"):
            changed.remove("hostname")
        return changed

    def delete_before_replace(self, olds: Props, news: Props, replaces: list[str]) -> bool:
        return (
            bool(replaces)
            and news.get("hostname") is not None
            and (news.get("hostname") == olds.get("hostname"))
        )

    def outputs(self, host: Hostname, props: Props) -> Props:
        return {
            "hostname": host.name,
            "global_": bool(host.global_),
            "generated": host.is_generated,
            "region": host.region or "",
            "cname": host.cname or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            OWNER_KEY: props.get(OWNER_KEY),
        }

    # -- CRUD ----------------------------------------------------------------------

    def create(self, props: Props) -> CreateResult:
        project = self.project_of(props)
        name = props.get("hostname")
        api = self.client(project)
        try:
            host = (
                self._create_fixed(api, str(name), props)
                if name
                else self._create_generated(api, props)
            )
        except KalixError as exc:
            raise self.explain(exc, "creating", str(name or "(generated)"), project) from exc
        return CreateResult(f"{project}/{host.name}", self.outputs(host, props))

    def _create_fixed(self, api: ControlPlane, name: str, props: Props) -> Hostname:
        annotations = self.owner_annotations(props)
        if props.get("adopt"):
            # Adopting looks first: a generated name (imported as a fixed one) cannot be
            # "created" again, the control plane refuses it as Invalid, not AlreadyExists.
            existing = api.hostnames.get_or_none(name)
            if existing is not None:
                return existing
        try:
            return api.hostnames.create(
                name, annotations=annotations, global_=props.get("global_"), retry_uncertain=True
            )
        except AlreadyExistsError:
            existing = api.hostnames.get_or_none(name)
            if existing is None:
                raise ProviderError(
                    f"hostname {name!r} is already in use by another Kalix project; "
                    "remove it there first or choose another hostname"
                ) from None
            self.check_ownership(name, api.project, existing.annotations, props)
            return existing

    def _create_generated(self, api: ControlPlane, props: Props) -> Hostname:
        mine = self._find_mine(api, props)
        if mine is not None:
            return mine
        annotations = self.owner_annotations(props)
        try:
            return api.hostnames.create(annotations=annotations, global_=props.get("global_"))
        except (APIConnectionError, ServerError):
            # The answer was lost: the name may have been generated. Look before retrying.
            mine = self._find_mine(api, props)
            if mine is not None:
                return mine
            return api.hostnames.create(annotations=annotations, global_=props.get("global_"))

    @staticmethod
    def _find_mine(api: ControlPlane, props: Props) -> Hostname | None:
        mark = props.get(OWNER_KEY)
        if not mark:
            return None
        for host in api.hostnames.list():
            if host.is_generated and (host.annotations or {}).get(OWNER_ANNOTATION) == mark:
                return host
        return None

    def read(self, id_: str, props: Props) -> ReadResult:
        project, _, name = id_.partition("/")
        try:
            host = self.client(project).hostnames.get_or_none(name)
        except KalixError as exc:
            raise self.explain(exc, "reading", name, project) from exc
        if host is None:
            return ReadResult("", {})
        outs = self.outputs(host, props)
        inputs = {
            "hostname": None if host.is_generated else host.name,
            "global_": outs["global_"],
            "project": outs["project"],
            "adopt": outs["adopt"],
            OWNER_KEY: props.get(OWNER_KEY),
        }
        return ReadResult(id_, outs, inputs)

    def delete(self, id_: str, props: Props) -> None:
        project, _, name = id_.partition("/")
        try:
            self.client(project).hostnames.delete(name)
        except KalixError as exc:
            raise self.explain(exc, "deleting", name, project) from exc
