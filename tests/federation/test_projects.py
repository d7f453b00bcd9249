"""Projects and regions over real gRPC: UUIDs, paging, visibility, the region endpoint."""

from __future__ import annotations

import uuid

import grpc

from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.support.federation import access_token, call, channel, rpc_error
from tests.support.local_server import KalixLocalServer
from tests.support.objects import service


def _list_all(chan: grpc.Channel, token: str, page_size: int = 0) -> list[list[str]]:
    """Every page's friendly names, following next_page_token (bounded)."""
    pages: list[list[str]] = []
    page_token = ""
    for _ in range(50):
        request = projects_pb2.ListProjectsRequest(page_size=page_size, page_token=page_token)
        response = call(rpc.LIST_PROJECTS, chan, request, token)
        pages.append([p.friendly_name for p in response.projects])
        page_token = response.next_page_token
        if not page_token:
            return pages
    raise AssertionError("ListProjects never ended")


def test_projects_have_uuids_friendly_names_and_the_local_organization(
    kalix: KalixLocalServer,
) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        (project,) = call(
            rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token
        ).projects
    prefix, _, id_ = project.name.partition("/")
    assert prefix == "projects" and str(uuid.UUID(id_)) == id_
    assert id_ == kalix.project_id()
    assert project.friendly_name == "default"
    assert project.owner.friendly_name == "local"
    assert project.owner.name.startswith("organizations/")
    uuid.UUID(project.owner.name.removeprefix("organizations/"))


def test_list_projects_pages_until_the_token_is_empty(kalix: KalixLocalServer) -> None:
    names = [f"paged-{i:02d}" for i in range(7)]
    refresh = kalix.new_token(*names)
    with channel(kalix) as chan:
        token = access_token(chan, refresh).token
        pages = _list_all(chan, token, page_size=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [n for page in pages for n in page] == sorted(names)  # only this token's projects


def test_list_projects_default_page_size_is_50(kalix: KalixLocalServer) -> None:
    names = [f"many-{i:02d}" for i in range(52)]
    refresh = kalix.new_token(*names)
    with channel(kalix) as chan:
        pages = _list_all(chan, access_token(chan, refresh).token)
    assert [len(p) for p in pages] == [50, 2]


def test_list_projects_bad_paging_is_invalid_argument(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        for request, message in (
            (projects_pb2.ListProjectsRequest(page_token="%%%"), "page_token is not valid"),
            (projects_pb2.ListProjectsRequest(page_size=-1), "page_size must not be negative"),
        ):
            error = rpc_error(rpc.LIST_PROJECTS, chan, request, token)
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert message in (error.details() or "")


def test_organization_filter(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        (project,) = call(
            rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token
        ).projects
        mine = projects_pb2.ListProjectsRequest(organization_filter=project.owner.name)
        other = projects_pb2.ListProjectsRequest(organization_filter="organizations/other")
        assert len(call(rpc.LIST_PROJECTS, chan, mine, token).projects) == 1
        assert not call(rpc.LIST_PROJECTS, chan, other, token).projects


def test_get_project_fills_regions_and_hostnames(kalix: KalixLocalServer) -> None:
    name = f"projects/{kalix.project_id()}"
    with kalix.client() as api:
        api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        project = call(rpc.GET_PROJECT, chan, projects_pb2.GetProjectRequest(name=name), token)
    assert project.name == name and project.friendly_name == "default"
    (region,) = project.regions
    assert region.name == f"{name}/regions/us-east1"
    assert region.endpoint == kalix.url
    assert region.primary
    assert [h.name for h in project.hostnames] == ["shop.example.com"]


def test_list_regions_points_at_the_servers_control_plane(kalix: KalixLocalServer) -> None:
    parent = f"projects/{kalix.project_id()}"
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        response = call(
            rpc.LIST_REGIONS, chan, projects_pb2.ListRegionsRequest(parent=parent), token
        )
    (region,) = response.regions
    assert response.next_page_token == ""
    assert region.name == f"{parent}/regions/us-east1"
    assert region.endpoint == kalix.url
    assert region.ingress_cname_address == "us-east1.kalix.app"
    assert region.apps_domain_name == "us-east1.kalix.app"
    assert region.primary and not region.insecure_skip_tls_verify
    assert region.certificate_authority == ""
    assert region.api_host == kalix.federation_address
    # The endpoint is the control plane of this project, under its UUID.
    with kalix.client(access_token_for(kalix)) as api:
        created = api.post(
            region.endpoint + kalix.api_path("kalixservices", project=kalix.project_id()),
            json=service("cart"),
        )
    assert created.status_code == 201
    assert created.json()["metadata"]["namespace"] == kalix.project_id()


def access_token_for(kalix: KalixLocalServer) -> str:
    with channel(kalix) as chan:
        return access_token(chan, kalix.token).token


def test_another_projects_calls_are_permission_denied(kalix: KalixLocalServer) -> None:
    other = kalix.new_token("elsewhere")
    default = f"projects/{kalix.project_id()}"
    unknown = f"projects/{uuid.uuid4()}"
    with channel(kalix) as chan:
        token = access_token(chan, other).token
        for method, request in (
            (rpc.GET_PROJECT, projects_pb2.GetProjectRequest(name=default)),
            (rpc.GET_PROJECT, projects_pb2.GetProjectRequest(name=unknown)),
            (rpc.LIST_REGIONS, projects_pb2.ListRegionsRequest(parent=default)),
            (rpc.LIST_HOSTNAMES, projects_pb2.ListHostnamesRequest(parent=default)),
        ):
            error = rpc_error(method, chan, request, token)
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED, method.name
            assert "the token has no access to project" in (error.details() or "")


def test_a_friendly_name_where_a_resource_name_belongs_is_invalid(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        for name in ("default", "projects/default", f"{kalix.project_id()}"):
            error = rpc_error(
                rpc.GET_PROJECT, chan, projects_pb2.GetProjectRequest(name=name), token
            )
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert 'must be "projects/<project-id>"' in (error.details() or "")
