"""CRUD of project role bindings for the `RoleBinding` resource, on the federation
plane: `CreateRoleBinding`, `ListRoleBindings` (there is no get: a binding is read by
listing) and `DeleteRoleBinding`. There is no update: any change is a new binding
(created before the old one is deleted, so the principal never loses the role in
between when only the resource moved).

A binding carries no annotations: ownership is the state's. A binding of the same role
and principal made before this resource needs `adopt=True` and is then left in place on
delete; one whose create answer was lost is recognised as ours by appearing in the list
after our create (it was not there before).
"""

from __future__ import annotations

import re

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from .._proto.kalix.projects.v1alpha import projects_pb2
from ..claims import CLAIM_KEY
from ..errors import KalixError, NotFoundError
from ._base import (
    KalixProvider,
    Props,
    ProviderError,
    check_type,
    create_then_look,
    failure,
    is_unknown,
)

#: The project roles the Akka documentation lists ("Managing project users").
ROLES = ("admin", "developer", "viewer", "backoffice")
#: A resource name such as users/<user-id> (the published field: "a user resource name
#: or a group resource name"; the group form is not spelled out).
PRINCIPAL_RE = re.compile(r"^[a-z][a-z-]*/[^/\s]+(/[a-z][a-z-]*/[^/\s]+)*$")


def binding_role(binding: projects_pb2.RoleBinding) -> str:
    """The role of projects/<id>/roles/<role>/bindings/<binding-id>."""
    return binding.name.partition("/roles/")[2].partition("/")[0]


class RoleBindingProvider(KalixProvider):
    noun = "role binding"
    diff_keys = ("role", "principal")
    replace_keys = ("role", "principal", "project")

    def failures(self, news: Props) -> list[CheckFailure]:
        out: list[CheckFailure] = []
        role, principal = news.get("role"), news.get("principal")
        if not is_unknown(role) and role not in ROLES:
            out.append(failure("role", f"role must be one of {', '.join(ROLES)}, got {role!r}"))
        if not is_unknown(principal) and not (
            isinstance(principal, str) and PRINCIPAL_RE.match(principal)
        ):
            hint = (
                " (an e-mail address cannot be bound through the published API: use the "
                "user's resource name, users/<user-id>)"
                if isinstance(principal, str) and "@" in principal
                else ""
            )
            out.append(
                failure(
                    "principal",
                    "principal must be a user or group resource name such as "
                    f"'users/<user-id>', got {principal!r}{hint}",
                )
            )
        out += check_type(news, "adopt", bool, "true or false")
        return out

    def normalize(self, news: Props) -> Props:
        news["adopt"] = bool(news.get("adopt"))
        return news

    def describe(self, action: str, name: str, project: str) -> str:
        return f"{action} role binding {name} in project {project!r}"

    def outputs(self, binding: projects_pb2.RoleBinding, props: Props, adopted: bool) -> Props:
        return {
            "binding_name": binding.name,
            "role": binding_role(binding),
            "principal": binding.principal,
            "principal_friendly_name": binding.principal_friendly_name,
            "user_email": binding.user_email,
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            "adopted": adopted,
            CLAIM_KEY: props.get(CLAIM_KEY),
        }

    def _find(self, project_id: str, role: str, principal: str) -> projects_pb2.RoleBinding | None:
        for binding in self.session().federation.list_role_bindings(project_id):
            if binding_role(binding) == role and binding.principal == principal:
                return binding
        return None

    def create(self, props: Props) -> CreateResult:
        role, principal = str(props["role"]), str(props["principal"])
        project = self.project_of(props)
        label = f"{role!r} for {principal!r}"
        try:
            session = self.session()
            project_id = session.project(project).id
            existing = self._find(project_id, role, principal)
            adopted = existing is not None
            if existing is not None and not props.get("adopt"):
                raise ProviderError(
                    f"{principal!r} already holds the role {role!r} in project {project!r} "
                    f"({existing.name}); pass adopt=True to manage that binding with this stack "
                    "(an adopted binding is left in place on delete)"
                )
            binding = existing
            if binding is None:
                # Not there before: one there after a lost answer is ours.
                binding = create_then_look(
                    lambda: session.federation.create_role_binding(project_id, role, principal),
                    lambda: self._find(project_id, role, principal),
                )
        except KalixError as exc:
            raise self.explain(exc, "creating", label, project) from exc
        return CreateResult(binding.name, self.outputs(binding, props, adopted))

    def read(self, id_: str, props: Props) -> ReadResult:
        project = self.project_of(props)
        project_id = id_.removeprefix("projects/").partition("/")[0]
        try:
            bindings = self.session().federation.list_role_bindings(project_id)
        except NotFoundError:
            return ReadResult("", {})
        except KalixError as exc:
            raise self.explain(exc, "reading", id_, project) from exc
        found = next((b for b in bindings if b.name == id_), None)
        if found is None:
            return ReadResult("", {})
        outs = self.outputs(found, props, bool(props.get("adopted")))
        inputs = {k: outs[k] for k in ("role", "principal", "project", "adopt")}
        inputs[CLAIM_KEY] = props.get(CLAIM_KEY)
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        # Only `adopt` and the claim move in place (everything else replaces).
        return UpdateResult(
            {**olds, "adopt": bool(news.get("adopt")), CLAIM_KEY: news.get(CLAIM_KEY)}
        )

    def delete(self, id_: str, props: Props) -> None:
        if props.get("adopted"):
            self.note(props, f"left role binding {id_} in place: it was adopted")
            return
        try:
            self.session().federation.delete_role_binding(id_)
        except NotFoundError:
            pass
        except KalixError as exc:
            raise self.explain(exc, "deleting", id_, self.project_of(props)) from exc
