"""Creating, renaming and deleting projects, role bindings and service tokens over real
gRPC, and what each does to access."""

from __future__ import annotations

import uuid

import grpc
import httpx
import pytest
from google.protobuf import field_mask_pb2

from kalix_local.config import DEFAULT_REGION
from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.support.federation import access_token, call, channel, rpc_error
from tests.support.local_server import KalixLocalServer


def _name() -> str:
    return f"made-{uuid.uuid4().hex[:10]}"


def _own_token(kalix: KalixLocalServer) -> str:
    """A refresh token of a project of its own: the projects a test creates with it are
    seen by it only (the session's server keeps projects, other tests count the default
    token's)."""
    return kalix.new_token(_name())


def _organization(chan: grpc.Channel, token: str) -> str:
    (project, *_) = call(
        rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token
    ).projects
    return str(project.owner.name)


def _create(chan: grpc.Channel, token: str, name: str, **fields: str) -> projects_pb2.Project:
    request = projects_pb2.CreateProjectRequest(
        friendly_name=name,
        region_id=fields.pop("region_id", DEFAULT_REGION),
        organization_name=fields.pop("organization_name", _organization(chan, token)),
        **fields,
    )
    project: projects_pb2.Project = call(rpc.CREATE_PROJECT, chan, request, token)
    return project


def _services(kalix: KalixLocalServer, project_id: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{kalix.url}/apis/kalix.io/v1alpha1/namespaces/{project_id}/kalixservices",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_a_created_project_is_the_callers_at_once_with_an_admin_binding(
    kalix: KalixLocalServer,
) -> None:
    name = _name()
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        project = _create(chan, token, name, description="made by a test")
        project_id = project.name.removeprefix("projects/")
        assert str(uuid.UUID(project_id)) == project_id
        assert (project.friendly_name, project.description) == (name, "made by a test")
        assert [r.name for r in project.regions] == [
            f"projects/{project_id}/regions/{DEFAULT_REGION}"
        ]
        # The access token made before the project existed already reaches it.
        assert _services(kalix, project_id, token).status_code == 200
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
        assert name in [p.friendly_name for p in listed.projects]
        bindings = call(
            rpc.LIST_ROLE_BINDINGS,
            chan,
            projects_pb2.ListRoleBindingsRequest(parent=project.name),
            token,
        ).role_bindings
        me = call(rpc.GET_CURRENT_TOKEN, chan, auth_pb2.GetCurrentTokenRequest(), token).name
        assert [(b.name.split("/")[3], b.principal) for b in bindings] == [("admin", me)]
        # Another refresh token (of other projects) does not see it.
        other = access_token(chan, kalix.new_token(_name())).token
        error = rpc_error(
            rpc.GET_PROJECT, chan, projects_pb2.GetProjectRequest(name=project.name), other
        )
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"region_id": "mars-1"}, grpc.StatusCode.INVALID_ARGUMENT, 'region_id "mars-1"'),
        ({"region_id": ""}, grpc.StatusCode.INVALID_ARGUMENT, "region_id is required"),
        (
            {"organization_name": "organizations/nope"},
            grpc.StatusCode.PERMISSION_DENIED,
            "organizations/nope",
        ),
    ],
)
def test_create_project_refuses_a_wrong_region_or_organization(
    kalix: KalixLocalServer, fields: dict[str, str], code: grpc.StatusCode, words: str
) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        with pytest.raises(grpc.RpcError) as caught:
            _create(chan, token, _name(), **fields)
    assert caught.value.code() == code
    assert words in (caught.value.details() or "")


def test_create_project_refuses_a_taken_or_invalid_name(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        with pytest.raises(grpc.RpcError) as taken:
            _create(chan, token, "default")
        with pytest.raises(grpc.RpcError) as invalid:
            _create(chan, token, "Not_A_Label")
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "friendly_name" in (invalid.value.details() or "")


def test_update_project_sets_what_the_mask_names(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        project = _create(chan, token, _name(), description="before")
        renamed = _name()
        request = projects_pb2.UpdateProjectRequest(
            project=projects_pb2.Project(
                name=project.name, friendly_name=renamed, description="ignored"
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["friendly_name"]),
        )
        updated = call(rpc.UPDATE_PROJECT, chan, request, token)
        assert (updated.friendly_name, updated.description) == (renamed, "before")
        request.update_mask.paths[:] = ["owner"]
        error = rpc_error(rpc.UPDATE_PROJECT, chan, request, token)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "'owner'" in (error.details() or "")


def test_delete_project_removes_it_and_its_contents(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        project = _create(chan, token, _name())
        project_id = project.name.removeprefix("projects/")
        made = call(
            rpc.CREATE_TOKEN, chan, projects_pb2.CreateTokenRequest(parent=project.name), token
        )
        service_access = access_token(chan, made.value).token
        call(rpc.DELETE_PROJECT, chan, projects_pb2.DeleteProjectRequest(name=project.name), token)
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
        assert project.friendly_name not in [p.friendly_name for p in listed.projects]
        assert _services(kalix, project_id, token).status_code == 403
        # The project's service tokens went with it.
        assert _services(kalix, project_id, service_access).status_code == 401
        error = rpc_error(
            rpc.CREATE_ACCESS_TOKEN, chan, auth_pb2.CreateAccessTokenRequest(), made.value
        )
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        # The name is free again.
        again = _create(chan, token, project.friendly_name)
        assert again.name != project.name


def test_role_bindings_are_created_listed_paged_and_deleted(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, _own_token(kalix)).token
        project = _create(chan, token, _name())
        made = []
        for i, role in enumerate(("developer", "viewer", "backoffice")):
            request = projects_pb2.CreateRoleBindingRequest(
                parent=f"{project.name}/roles/{role}",
                role_binding=projects_pb2.RoleBinding(principal=f"users/{i}-{uuid.uuid4()}"),
            )
            binding = call(rpc.CREATE_ROLE_BINDING, chan, request, token)
            assert binding.name.startswith(f"{project.name}/roles/{role}/bindings/")
            made.append(binding.name)
        again = rpc_error(rpc.CREATE_ROLE_BINDING, chan, request, token)
        assert again.code() == grpc.StatusCode.ALREADY_EXISTS
        seen: list[str] = []
        page_token = ""
        for _ in range(10):
            page = call(
                rpc.LIST_ROLE_BINDINGS,
                chan,
                projects_pb2.ListRoleBindingsRequest(
                    parent=project.name, page_size=2, page_token=page_token
                ),
                token,
            )
            assert len(page.role_bindings) <= 2
            seen += [b.name for b in page.role_bindings]
            page_token = page.next_page_token
            if not page_token:
                break
        assert set(made) <= set(seen) and len(seen) == 4  # and the creator's admin binding
        call(
            rpc.DELETE_ROLE_BINDING,
            chan,
            projects_pb2.DeleteRoleBindingRequest(name=made[0]),
            token,
        )
        left = call(
            rpc.LIST_ROLE_BINDINGS,
            chan,
            projects_pb2.ListRoleBindingsRequest(parent=project.name),
            token,
        ).role_bindings
        assert made[0] not in [b.name for b in left] and len(left) == 3
        gone = rpc_error(
            rpc.DELETE_ROLE_BINDING,
            chan,
            projects_pb2.DeleteRoleBindingRequest(name=made[0]),
            token,
        )
        assert gone.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("role", "principal", "words"),
    [
        ("owner", "users/x", 'role "owner" is not a project role'),
        ("viewer", "someone@example.com", "is not a resource name"),
    ],
)
def test_a_role_binding_needs_a_known_role_and_a_resource_name(
    kalix: KalixLocalServer, role: str, principal: str, words: str
) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        parent = f"projects/{kalix.project_id()}/roles/{role}"
        error = rpc_error(
            rpc.CREATE_ROLE_BINDING,
            chan,
            projects_pb2.CreateRoleBindingRequest(
                parent=parent, role_binding=projects_pb2.RoleBinding(principal=principal)
            ),
            token,
        )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in (error.details() or "")


def test_a_service_token_acts_on_its_project_only_until_it_is_deleted(
    kalix: KalixLocalServer,
) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        parent = f"projects/{kalix.project_id()}"
        made = call(
            rpc.CREATE_TOKEN,
            chan,
            projects_pb2.CreateTokenRequest(
                parent=parent, description="ci deploys", scopes=[auth_pb2.PROJECTS]
            ),
            token,
        )
        assert made.token.name.startswith(f"{parent}/tokens/")
        assert (made.token.description, list(made.token.scopes)) == (
            "ci deploys",
            [auth_pb2.PROJECTS],
        )
        assert not made.token.HasField("expire_time")
        exchanged = access_token(chan, made.value)
        assert exchanged.subject == made.token.name
        who = call(rpc.GET_CURRENT_TOKEN, chan, auth_pb2.GetCurrentTokenRequest(), exchanged.token)
        assert who.name == parent
        assert _services(kalix, kalix.project_id(), exchanged.token).status_code == 200
        other = _name()
        kalix.new_project(other)
        assert _services(kalix, kalix.project_id(other), exchanged.token).status_code == 403
        listed = call(rpc.LIST_TOKENS, chan, projects_pb2.ListTokensRequest(parent=parent), token)
        assert made.token.name in [t.name for t in listed.tokens]
        assert made.value not in str(listed)  # shown once: lists carry no value
        call(rpc.DELETE_TOKEN, chan, projects_pb2.DeleteTokenRequest(name=made.token.name), token)
        assert _services(kalix, kalix.project_id(), exchanged.token).status_code == 401
        refused = rpc_error(
            rpc.CREATE_ACCESS_TOKEN, chan, auth_pb2.CreateAccessTokenRequest(), made.value
        )
        assert refused.code() == grpc.StatusCode.UNAUTHENTICATED
        listed = call(rpc.LIST_TOKENS, chan, projects_pb2.ListTokensRequest(parent=parent), token)
        assert made.token.name not in [t.name for t in listed.tokens]


def test_a_service_token_cannot_create_projects(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        made = call(
            rpc.CREATE_TOKEN,
            chan,
            projects_pb2.CreateTokenRequest(parent=f"projects/{kalix.project_id()}"),
            token,
        )
        assert list(made.token.scopes) == [auth_pb2.ALL]  # the CLI's default
        service = access_token(chan, made.value).token
        with pytest.raises(grpc.RpcError) as caught:
            _create(chan, service, _name())
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
