"""``kalix.projects.v1alpha.Projects``: projects (UUIDs and friendly names), their one
region, and hostnames on the same storage as the HTTP hostnames API."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from google.protobuf import empty_pb2

from kalix_local.backend import Backend
from kalix_local.backend.projects import is_uuid
from kalix_local.backend.tokens import LOCAL_ORGANIZATION, local_organization
from kalix_local.errors import BadRequest, Forbidden
from kalix_local.federation.calls import authorization
from kalix_local.store import AccessTokenRow, ProjectRow
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: UpdateHostname's field mask paths (the hostname flags; the name cannot change).
UPDATABLE_HOSTNAME_FIELDS = ("global", "skip_provision_cert")


def _page_token(after: ProjectRow) -> str:
    # Opaque to clients; a cursor (not an offset) so a project created while a client
    # pages neither repeats nor hides one.
    raw = json.dumps([after.name, after.id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _after(page_token: str) -> tuple[str, str] | None:
    if not page_token:
        return None
    try:
        name, id_ = json.loads(base64.urlsafe_b64decode(page_token.encode("ascii")))
        return str(name), str(id_)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        raise BadRequest("page_token is not valid: pass a next_page_token as it came") from None


def _page_size(value: int) -> int:
    if value < 0:
        raise BadRequest(f"page_size must not be negative (got {value})")
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _hostname(body: dict[str, Any]) -> projects_pb2.Hostname:
    hostname = projects_pb2.Hostname(
        name=str(body["name"]),
        is_generated=bool(body.get("isGenerated")),
        skip_provision_cert=bool(body.get("skipProvisionCert")),
    )
    setattr(hostname, "global", bool(body.get("global")))  # a Python keyword
    return hostname


class ProjectsService:
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
        size = _page_size(request.page_size)
        after = _after(request.page_token)
        with self.backend.core.store.tx() as tx:
            organization = local_organization(tx)
            visible = [p for p in tx.list_projects() if p.id in caller.projects]
        if request.organization_filter not in ("", organization):
            visible = []
        if after is not None:
            visible = [p for p in visible if (p.name, p.id) > after]
        page = visible[:size]
        more = len(visible) > size
        return projects_pb2.ListProjectsResponse(
            projects=[self._message(p, full=False) for p in page],
            next_page_token=_page_token(page[-1]) if more else "",
        )

    def GetProject(
        self, request: projects_pb2.GetProjectRequest, context: Any
    ) -> projects_pb2.Project:
        return self._message(self._project(context, request.name, "name"), full=True)

    def ListRegions(
        self, request: projects_pb2.ListRegionsRequest, context: Any
    ) -> projects_pb2.ListRegionsResponse:
        project = self._project(context, request.parent, "parent")
        _page_size(request.page_size)
        if request.page_token:  # one region: there is never a second page
            raise BadRequest("page_token is not valid: pass a next_page_token as it came")
        return projects_pb2.ListRegionsResponse(regions=[self._region(project)])

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
