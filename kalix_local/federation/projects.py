"""``kalix.projects.v1alpha.Projects``: projects (UUIDs and friendly names, created,
renamed and deleted), their one region, hostnames on the same storage as the HTTP
hostnames API, role bindings and service tokens (``role_bindings.py``,
``service_tokens.py``)."""

from __future__ import annotations

from typing import Any

from google.protobuf import empty_pb2

from kalix_local.backend import Backend
from kalix_local.backend.projects import is_uuid
from kalix_local.backend.tokens import LOCAL_ORGANIZATION, local_organization, local_user
from kalix_local.errors import BadRequest, Forbidden
from kalix_local.federation.calls import authorization
from kalix_local.federation.paging import page, page_size
from kalix_local.federation.role_bindings import RoleBindingCalls
from kalix_local.federation.service_tokens import ServiceTokenCalls
from kalix_local.store import AccessTokenRow, ProjectRow
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2

#: UpdateHostname's field mask paths (the hostname flags; the name cannot change).
UPDATABLE_HOSTNAME_FIELDS = ("global", "skip_provision_cert")
#: UpdateProject's field mask paths kalix-local can set.
UPDATABLE_PROJECT_FIELDS = ("friendly_name", "description")


def _hostname(body: dict[str, Any]) -> projects_pb2.Hostname:
    hostname = projects_pb2.Hostname(
        name=str(body["name"]),
        is_generated=bool(body.get("isGenerated")),
        skip_provision_cert=bool(body.get("skipProvisionCert")),
    )
    setattr(hostname, "global", bool(body.get("global")))  # a Python keyword
    return hostname


class ProjectsService(RoleBindingCalls, ServiceTokenCalls):
    """One method per RPC, named as published (rpc.PROJECTS serves them by name)."""

    def __init__(self, backend: Backend, federation_address: str) -> None:
        self.backend = backend
        self.federation_address = federation_address

    # -- who may see what -------------------------------------------------------------

    def _caller(self, context: Any) -> AccessTokenRow:
        return self.backend.tokens.caller(authorization(context))

    def _project(self, context: Any, name: str, field: str) -> ProjectRow:
        """The project ``projects/<uuid>`` names, if the caller may act on it."""
        caller = self._caller(context)
        prefix, _, id_ = name.partition("/")
        if prefix != "projects" or not is_uuid(id_):
            raise BadRequest(f'{field} must be "projects/<project-id>" (a UUID), not "{name}"')
        with self.backend.core.store.tx() as tx:
            found = tx.project(id_)
        # Unknown or not the caller's: the same answer, so ids of others never leak.
        if found is None or found.id not in caller.projects:
            raise Forbidden(f'the token has no access to project "{name}"')
        return found

    def _local_user(self) -> str:
        with self.backend.core.store.tx() as tx:
            return local_user(tx)

    def _hostname_of_project(self, context: Any, name: str) -> tuple[ProjectRow, str]:
        parent, sep, host = name.partition("/hostnames/")
        if not sep or not host:
            raise BadRequest(
                f'name must be "projects/<project-id>/hostnames/<hostname>", not "{name}"'
            )
        return self._project(context, parent, "name"), host

    # -- messages ---------------------------------------------------------------------

    def _region(self, project: ProjectRow) -> projects_pb2.Region:
        settings = self.backend.core.settings
        return projects_pb2.Region(
            name=f"projects/{project.id}/regions/{settings.region}",
            endpoint=settings.base_url,
            web_endpoint=settings.base_url,
            ingress_cname_address=settings.ingress_cname,
            apps_domain_name=settings.ingress_cname,
            api_host=self.federation_address,
            provider="local",
            data_center=settings.region,
            primary=True,
        )

    def _message(self, project: ProjectRow, *, full: bool) -> projects_pb2.Project:
        with self.backend.core.store.tx() as tx:
            organization = local_organization(tx)
            hostnames = tx.list_hostnames(project.id) if full else []
        message = projects_pb2.Project(
            name=f"projects/{project.id}",
            friendly_name=project.name,
            description=project.description,
            owner=projects_pb2.OrganizationOwner(
                friendly_name=LOCAL_ORGANIZATION, name=organization
            ),
        )
        if full:  # as published: GetProject fills the regions (and hostnames)
            message.regions.append(self._region(project))
            message.hostnames.extend(_hostname(h) for h in hostnames)
        return message

    def _hostnames(self, project: ProjectRow) -> projects_pb2.ListHostnamesResponse:
        listed = self.backend.hostnames.list_hostnames(project.id)["hostnames"]
        return projects_pb2.ListHostnamesResponse(hostnames=[_hostname(h) for h in listed])

    # -- projects and regions ---------------------------------------------------------

    def ListProjects(
        self, request: projects_pb2.ListProjectsRequest, context: Any
    ) -> projects_pb2.ListProjectsResponse:
        caller = self._caller(context)
        with self.backend.core.store.tx() as tx:
            organization = local_organization(tx)
            visible = [p for p in tx.list_projects() if p.id in caller.projects]
        if request.organization_filter not in ("", organization):
            visible = []
        chosen, token = page(
            visible, lambda p: (p.name, p.id), request.page_size, request.page_token
        )
        return projects_pb2.ListProjectsResponse(
            projects=[self._message(p, full=False) for p in chosen], next_page_token=token
        )

    def GetProject(
        self, request: projects_pb2.GetProjectRequest, context: Any
    ) -> projects_pb2.Project:
        return self._message(self._project(context, request.name, "name"), full=True)

    def ListRegions(
        self, request: projects_pb2.ListRegionsRequest, context: Any
    ) -> projects_pb2.ListRegionsResponse:
        project = self._project(context, request.parent, "parent")
        page_size(request.page_size)
        if request.page_token:  # one region: there is never a second page
            raise BadRequest("page_token is not valid: pass a next_page_token as it came")
        return projects_pb2.ListRegionsResponse(regions=[self._region(project)])

    def CreateProject(
        self, request: projects_pb2.CreateProjectRequest, context: Any
    ) -> projects_pb2.Project:
        caller = self._caller(context)
        with self.backend.core.store.tx() as tx:
            organization = local_organization(tx)
        created = self.backend.project_lifecycle.create(
            caller.subject,
            caller.principal,
            friendly_name=request.friendly_name,
            description=request.description,
            region_id=request.region_id,
            organization=request.organization_name,
            local_organization=organization,
        )
        return self._message(created, full=True)

    def UpdateProject(
        self, request: projects_pb2.UpdateProjectRequest, context: Any
    ) -> projects_pb2.Project:
        """Set the fields the mask names; an empty mask sets both (AIP-134)."""
        project = self._project(context, request.project.name, "project.name")
        paths = list(request.update_mask.paths) or list(UPDATABLE_PROJECT_FIELDS)
        unknown = [p for p in paths if p not in UPDATABLE_PROJECT_FIELDS]
        if unknown:
            raise BadRequest(
                f"update_mask path(s) {', '.join(repr(p) for p in unknown)} cannot be updated "
                f"here: use {' or '.join(UPDATABLE_PROJECT_FIELDS)}"
            )
        self.backend.project_lifecycle.update(
            project,
            name=request.project.friendly_name if "friendly_name" in paths else None,
            description=request.project.description if "description" in paths else None,
        )
        return self._message(self._project(context, request.project.name, "name"), full=True)

    def DeleteProject(
        self, request: projects_pb2.DeleteProjectRequest, context: Any
    ) -> empty_pb2.Empty:
        self.backend.project_lifecycle.delete(self._project(context, request.name, "name"))
        return empty_pb2.Empty()

    # -- hostnames --------------------------------------------------------------------

    def CreateHostname(
        self, request: projects_pb2.CreateHostnameRequest, context: Any
    ) -> projects_pb2.ListHostnamesResponse:
        """Reserve ``hostname.name``. How a generated name is asked for is not
        published; our assumption is an empty ``hostname.name`` (as ``akka project
        hostname add`` with no argument generates one)."""
        project = self._project(context, request.parent, "parent")
        wanted = request.hostname
        self.backend.hostnames.reserve(
            project.id,
            wanted.name or None,
            global_=bool(getattr(wanted, "global")),
            skip_provision_cert=wanted.skip_provision_cert,
        )
        return self._hostnames(project)

    def ListHostnames(
        self, request: projects_pb2.ListHostnamesRequest, context: Any
    ) -> projects_pb2.ListHostnamesResponse:
        return self._hostnames(self._project(context, request.parent, "parent"))

    def DeleteHostname(
        self, request: projects_pb2.DeleteHostnameRequest, context: Any
    ) -> empty_pb2.Empty:
        project, host = self._hostname_of_project(context, request.name)
        self.backend.hostnames.delete_hostname(project.id, host)
        return empty_pb2.Empty()

    def UpdateHostname(
        self, request: projects_pb2.UpdateHostnameRequest, context: Any
    ) -> empty_pb2.Empty:
        """Set the flags the mask names; an empty mask sets both (AIP-134)."""
        project, host = self._hostname_of_project(context, request.name)
        if request.hostname.name not in ("", host):
            raise BadRequest(
                f'hostname.name "{request.hostname.name}" does not match the name "{host}": '
                "a hostname cannot be renamed"
            )
        paths = list(request.update_mask.paths) or list(UPDATABLE_HOSTNAME_FIELDS)
        unknown = [p for p in paths if p not in UPDATABLE_HOSTNAME_FIELDS]
        if unknown:
            raise BadRequest(
                f"update_mask path(s) {', '.join(repr(p) for p in unknown)} cannot be updated: "
                f"use {' or '.join(UPDATABLE_HOSTNAME_FIELDS)}"
            )
        self.backend.hostnames.update_flags(
            project.id,
            host,
            global_=bool(getattr(request.hostname, "global")) if "global" in paths else None,
            skip_provision_cert=(
                request.hostname.skip_provision_cert if "skip_provision_cert" in paths else None
            ),
        )
        return empty_pb2.Empty()
