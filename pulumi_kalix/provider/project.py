"""CRUD of Akka projects for the `Project` resource, on the federation plane.

`CreateProject` (the server makes the UUID, which is the resource id), `GetProject`,
`UpdateProject` (friendly name and description, in place) and `DeleteProject`.
Ownership is the state's: a project this resource created is deleted only with
`allow_delete=True`; one it adopted (`adopt=True`, an existing project of that name)
is never deleted. A project carries no annotations, so a create whose state write was
lost cannot be told from a foreign project of the same name: the retry says so and
asks for `adopt=True` (see the README's "Ownership").
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from .._proto.kalix.projects.v1alpha import projects_pb2
from ..claims import CLAIM_KEY
from ..errors import (
    AlreadyExistsError,
    ForbiddenError,
    KalixError,
    NotFoundError,
)
from ._base import (
    KalixProvider,
    Props,
    ProviderError,
    check_name,
    check_type,
    create_then_look,
    failure,
)


class ProjectProvider(KalixProvider):
    noun = "project"
    diff_keys = ("name", "description", "region", "organization", "allow_delete")
    #: a project cannot move region or organization: that is a new project
    replace_keys = ("region", "organization")

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        out += check_type(news, "description", str, "a string")
        out += check_type(news, "region", str, 'a region id such as "gcp-us-east1"')
        out += check_type(news, "organization", str, 'a string ("organizations/<id>" or a name)')
        out += check_type(news, "adopt", bool, "true or false")
        out += check_type(news, "allow_delete", bool, "true or false")
        settings = self.settings()
        if news.get("region") is None and not (settings.region or settings.project):
            out.append(
                failure(
                    "region",
                    "region is required: the region id to create the project in (see "
                    "`akka regions list`), or set kalix:region",
                )
            )
        return out

    def normalize(self, news: Props) -> Props:
        news["description"] = news.get("description") or ""
        news["adopt"] = bool(news.get("adopt"))
        news["allow_delete"] = bool(news.get("allow_delete"))
        return news

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        changed = super().changed_keys(olds, news)
        # Defaults resolved at create are outputs: leaving them out changes nothing.
        for key in ("region", "organization"):
            if key in changed and news.get(key) is None:
                changed.remove(key)
        if "organization" in changed and news.get("organization") in (
            olds.get("organization_name"),
            olds.get("organization"),
        ):
            changed.remove("organization")  # named by its friendly name instead
        return changed

    def diff(self, _id: str, olds: Props, news: Props) -> DiffResult:
        changed = self.changed_keys(olds, news)
        replaces = [k for k in changed if k in self.replace_keys]
        if replaces and not olds.get("allow_delete"):
            raise ProviderError(
                f"changing {' and '.join(replaces)} of project {olds.get('name')!r} would "
                "replace it, deleting the project and everything in it; that needs "
                "allow_delete=True in place first (`pulumi up` with only that change), or "
                "create a new Project resource instead"
            )
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=[k for k in self.diff_keys if k not in changed],
            delete_before_replace=False,
        )

    def describe(self, action: str, name: str, project: str) -> str:
        return f"{action} project {name!r}" + (f" ({project})" if project != name else "")

    # -- helpers ---------------------------------------------------------------------

    def _organization(self, wanted: str | None) -> str:
        """The resource name of the organization `wanted` names (a resource name or a
        friendly name), or of the default project's organization."""
        if wanted and wanted.startswith("organizations/"):
            return wanted
        # The federation plane publishes no organization lookup we use; the owners of
        # the projects this credential sees name the organizations it can reach.
        owners = {
            (p.owner.friendly_name, p.owner.name)
            for p in self.session().federation.list_projects()
            if p.owner.name
        }
        if wanted:
            found = sorted(name for friendly, name in owners if friendly == wanted)
            if len(found) == 1:
                return found[0]
            raise ProviderError(
                f"organization {wanted!r} is not the owner of any project this credential "
                "sees; pass its resource name, organization='organizations/<id>' "
                "(`akka organizations list`)"
            )
        settings = self.settings()
        if settings.project:
            default = self.session().federation.get_project(
                self.session().project(settings.project).id
            )
            return str(default.owner.name)
        names = sorted({name for _, name in owners})
        if len(names) == 1:
            return names[0]
        raise ProviderError(
            "organization is required: pass organization='organizations/<id>' (see `akka "
            "organizations list`); this credential sees projects of "
            f"{len(names)} organizations ({', '.join(names) or 'none'})"
        )

    def _region(self, wanted: str | None) -> str:
        if wanted:
            return wanted
        settings = self.settings()
        if settings.region:
            return settings.region.rsplit("/", 1)[-1]
        return self.session().region_of(self.session().project(settings.require_project())).name

    def _named(self, name: str, organization: str) -> projects_pb2.Project | None:
        found = [
            p
            for p in self.session().federation.list_projects()
            if p.friendly_name == name and p.owner.name == organization
        ]
        return found[0] if found else None

    def outputs(self, project: projects_pb2.Project, props: Props, adopted: bool) -> Props:
        regions = [
            {
                "name": r.name.rsplit("/", 1)[-1],
                "endpoint": r.endpoint,
                "ingress_cname_address": r.ingress_cname_address,
                "apps_domain_name": r.apps_domain_name,
                "primary": bool(r.primary),
            }
            for r in project.regions
        ]
        primary = next((r["name"] for r in regions if r["primary"]), None)
        return {
            "name": project.friendly_name,
            "description": project.description,
            "project_id": project.name.removeprefix("projects/"),
            "organization": project.owner.name,
            "organization_name": project.owner.friendly_name,
            "region": props.get("region") or primary or (regions[0]["name"] if regions else ""),
            "regions": regions,
            "adopt": bool(props.get("adopt")),
            "allow_delete": bool(props.get("allow_delete")),
            "adopted": adopted,
            CLAIM_KEY: props.get(CLAIM_KEY),
        }

    # -- CRUD ------------------------------------------------------------------------

    def create(self, props: Props) -> CreateResult:
        name = str(props["name"])
        description = str(props.get("description") or "")
        try:
            federation = self.session().federation
            organization = self._organization(props.get("organization"))
            region = self._region(props.get("region"))
            existing = self._named(name, organization)
            adopted = False
            if existing is not None:
                if not props.get("adopt"):
                    raise ProviderError(
                        f"a project named {name!r} already exists in {organization} "
                        f"({existing.name}); pass adopt=True to manage it with this stack "
                        "(an adopted project is never deleted by it), or choose another name"
                    )
                adopted = True
                project_id = existing.name.removeprefix("projects/")
                if existing.description != description:
                    federation.update_project(project_id, description=description)
            else:
                try:
                    # Not there before: one there after a lost answer is ours.
                    made = create_then_look(
                        lambda: federation.create_project(
                            name,
                            description=description,
                            region_id=region,
                            organization_name=organization,
                        ),
                        lambda: self._named(name, organization),
                    )
                except AlreadyExistsError:
                    raise ProviderError(
                        f"a project named {name!r} already exists but is not visible to this "
                        "credential; choose another name, or use a credential that may act on "
                        "it and pass adopt=True"
                    ) from None
                project_id = made.name.removeprefix("projects/")
            project = federation.get_project(project_id)
        except KalixError as exc:
            raise self.explain(exc, "creating", name, name) from exc
        outs = self.outputs(project, {**props, "region": region}, adopted)
        return CreateResult(outs["project_id"], outs)

    def read(self, id_: str, props: Props) -> ReadResult:
        try:
            project = self.session().federation.get_project(id_)
        except (NotFoundError, ForbiddenError):
            return ReadResult("", {})  # deleted (the platform answers both for a gone one)
        except KalixError as exc:
            raise self.explain(exc, "reading", str(props.get("name") or id_), id_) from exc
        outs = self.outputs(project, props, bool(props.get("adopted")))
        inputs = {
            "name": outs["name"],
            "description": outs["description"],
            "region": props.get("region"),
            "organization": props.get("organization"),
            "adopt": outs["adopt"],
            "allow_delete": outs["allow_delete"],
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        name = str(news["name"])
        changes: dict[str, Any] = {}
        if news.get("name") != olds.get("name"):
            changes["friendly_name"] = name
        if (news.get("description") or "") != (olds.get("description") or ""):
            changes["description"] = news.get("description") or ""
        try:
            session = self.session()
            if changes:
                session.federation.update_project(id_, **changes)
                session.forget_project(id_)  # a rename: the cached friendly name is stale
            project = session.federation.get_project(id_)
        except KalixError as exc:
            raise self.explain(exc, "updating", name, id_) from exc
        props = {**news, "region": olds.get("region")}
        return UpdateResult(self.outputs(project, props, bool(olds.get("adopted"))))

    def delete(self, id_: str, props: Props) -> None:
        name = str(props.get("name") or id_)
        if props.get("adopted"):
            self.note(props, f"left project {name!r} ({id_}) in place: it was adopted")
            return
        if not props.get("allow_delete"):
            raise ProviderError(
                f"project {name!r} ({id_}) was not deleted: deleting a project deletes "
                "everything in it, so it needs allow_delete=True (set it and run `pulumi up` "
                "first), or remove the resource from the stack without deleting the project "
                "(`pulumi state delete <urn>`, or retain_on_delete=True)"
            )
        session = self.session()
        try:
            session.federation.delete_project(id_)
        except NotFoundError:
            pass  # already gone
        except KalixError as exc:
            raise self.explain(exc, "deleting", name, id_) from exc
        finally:
            session.forget_project(id_)
