"""Our protos say what the published ones say, and the committed modules are current."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2

REPO = Path(__file__).resolve().parents[2]

# Written from akka/platform-api schemas/federation-plane/protobuf/kalix/auth/v1alpha/
# auth.proto (2684194e) and .../projects/v1alpha/projects.proto (82287fba): for each
# message we use, field -> (number, type); "[]" marks a repeated field.
TS = "google.protobuf.Timestamp"
PUBLISHED_MESSAGES: dict[str, dict[str, tuple[int, str]]] = {
    "kalix.auth.v1alpha.CreateOAuthTokenRequest": {
        "grant_type": (1, "string"),
        "audience": (9, "string"),
        "requested_token_type": (10, "string"),
        "subject_token": (11, "string"),
        "subject_token_type": (12, "string"),
    },
    "kalix.auth.v1alpha.CreateOAuthTokenResponse": {
        "access_token": (1, "string"),
        "token_type": (2, "string"),
        "expires_in": (3, "int64"),
        "issued_token_type": (6, "string"),
    },
    "kalix.auth.v1alpha.CreateAccessTokenRequest": {},
    "kalix.auth.v1alpha.AccessToken": {
        "subject": (1, "string"),
        "token": (2, "string"),
        "created_time": (3, TS),
        "expire_time": (4, TS),
        "scopes": (5, "[]kalix.auth.v1alpha.TokenScope"),
    },
    "kalix.auth.v1alpha.GetCurrentTokenRequest": {},
    "kalix.auth.v1alpha.CurrentToken": {
        "name": (1, "string"),
        "token_type": (2, "kalix.auth.v1alpha.TokenType"),
        "token_name": (3, "string"),
        "created_time": (4, TS),
        "expire_time": (5, TS),
        "scopes": (6, "[]kalix.auth.v1alpha.TokenScope"),
        "description": (7, "string"),
    },
    "kalix.projects.v1alpha.Project": {
        "name": (1, "string"),
        "friendly_name": (2, "string"),
        "description": (3, "string"),
        "owner": (5, "kalix.projects.v1alpha.OrganizationOwner"),
        "hostnames": (8, "[]kalix.projects.v1alpha.Hostname"),
        "deleted": (13, TS),
        "suspended": (16, TS),
        "regions": (17, "[]kalix.projects.v1alpha.Region"),
    },
    "kalix.projects.v1alpha.OrganizationOwner": {
        "friendly_name": (2, "string"),
        "name": (3, "string"),
    },
    "kalix.projects.v1alpha.Hostname": {
        "name": (1, "string"),
        "is_generated": (2, "bool"),
        "global": (3, "bool"),
        "skip_provision_cert": (4, "bool"),
    },
    "kalix.projects.v1alpha.ListProjectsRequest": {
        "page_size": (1, "int32"),
        "page_token": (2, "string"),
        "include_deleted": (3, "bool"),
        "include_system_deleted": (4, "bool"),
        "organization_filter": (5, "string"),
    },
    "kalix.projects.v1alpha.ListProjectsResponse": {
        "projects": (1, "[]kalix.projects.v1alpha.Project"),
        "next_page_token": (2, "string"),
    },
    "kalix.projects.v1alpha.GetProjectRequest": {"name": (1, "string")},
    "kalix.projects.v1alpha.CreateHostnameRequest": {
        "parent": (1, "string"),
        "hostname": (2, "kalix.projects.v1alpha.Hostname"),
    },
    "kalix.projects.v1alpha.DeleteHostnameRequest": {"name": (1, "string")},
    "kalix.projects.v1alpha.UpdateHostnameRequest": {
        "name": (1, "string"),
        "hostname": (2, "kalix.projects.v1alpha.Hostname"),
        "update_mask": (3, "google.protobuf.FieldMask"),
    },
    "kalix.projects.v1alpha.ListHostnamesRequest": {"parent": (1, "string")},
    "kalix.projects.v1alpha.ListHostnamesResponse": {
        "hostnames": (1, "[]kalix.projects.v1alpha.Hostname"),
        "next_page_token": (2, "string"),
    },
    "kalix.projects.v1alpha.ListRegionsRequest": {
        "parent": (1, "string"),
        "page_size": (2, "int32"),
        "page_token": (3, "string"),
    },
    "kalix.projects.v1alpha.ListRegionsResponse": {
        "regions": (1, "[]kalix.projects.v1alpha.Region"),
        "next_page_token": (2, "string"),
    },
    "kalix.projects.v1alpha.Region": {
        "name": (1, "string"),
        "endpoint": (2, "string"),
        "certificate_authority": (3, "string"),
        "insecure_skip_tls_verify": (4, "bool"),
        "web_endpoint": (5, "string"),
        "ingress_cname_address": (6, "string"),
        "apps_domain_name": (7, "string"),
        "container_registry": (9, "string"),
        "api_host": (11, "string"),
        "provider": (13, "string"),
        "data_center": (14, "string"),
        "primary": (15, "bool"),
        "global_routes_domain_name": (16, "string"),
    },
    "kalix.projects.v1alpha.CreateProjectRequest": {
        "friendly_name": (1, "string"),
        "description": (2, "string"),
        "region_id": (4, "string"),
        "organization_name": (6, "string"),
    },
    "kalix.projects.v1alpha.DeleteProjectRequest": {"name": (1, "string")},
    "kalix.projects.v1alpha.UpdateProjectRequest": {
        "project": (1, "kalix.projects.v1alpha.Project"),
        "update_mask": (2, "google.protobuf.FieldMask"),
    },
    "kalix.projects.v1alpha.RoleBinding": {
        "name": (1, "string"),
        "principal": (2, "string"),
        "user_email": (3, "string"),
        "user_full_name": (4, "string"),
        "principal_friendly_name": (5, "string"),
        "mfa_enabled": (6, "bool"),
    },
    "kalix.projects.v1alpha.ListRoleBindingsRequest": {
        "parent": (1, "string"),
        "page_size": (2, "int32"),
        "page_token": (3, "string"),
    },
    "kalix.projects.v1alpha.ListRoleBindingsResponse": {
        "role_bindings": (1, "[]kalix.projects.v1alpha.RoleBinding"),
        "next_page_token": (2, "string"),
    },
    "kalix.projects.v1alpha.CreateRoleBindingRequest": {
        "parent": (1, "string"),
        "role_binding": (2, "kalix.projects.v1alpha.RoleBinding"),
    },
    "kalix.projects.v1alpha.DeleteRoleBindingRequest": {"name": (1, "string")},
    "kalix.projects.v1alpha.CreateTokenRequest": {
        "parent": (1, "string"),
        "description": (2, "string"),
        "scopes": (3, "[]kalix.auth.v1alpha.TokenScope"),
    },
    "kalix.projects.v1alpha.ListTokensRequest": {
        "parent": (1, "string"),
        "page_size": (2, "int32"),
        "page_token": (3, "string"),
    },
    "kalix.projects.v1alpha.ListTokensResponse": {
        "tokens": (1, "[]kalix.projects.v1alpha.ServiceToken"),
        "next_page_token": (2, "string"),
    },
    "kalix.projects.v1alpha.DeleteTokenRequest": {"name": (1, "string")},
    "kalix.projects.v1alpha.ServiceToken": {
        "name": (1, "string"),
        "description": (2, "string"),
        "created_time": (3, TS),
        "expire_time": (4, TS),
        "scopes": (5, "[]kalix.auth.v1alpha.TokenScope"),
    },
    "kalix.projects.v1alpha.ServiceTokenValue": {
        "token": (1, "kalix.projects.v1alpha.ServiceToken"),
        "value": (2, "string"),
    },
}

PUBLISHED_ENUMS: dict[str, dict[str, int]] = {
    "kalix.auth.v1alpha.TokenScope": {
        "ALL": 0,
        "PROJECTS": 1,
        "USER": 2,
        "EXECUTION": 3,
        "ORGANIZATIONS": 4,
        "CONTAINER_REGISTRY": 5,
    },
    "kalix.auth.v1alpha.TokenType": {"REFRESH": 0, "ACCESS": 1, "SESSION": 2, "SERVICE": 3},
}

# service -> method -> (request, response), as published.
PUBLISHED_METHODS: dict[str, dict[str, tuple[str, str]]] = {
    "kalix.auth.v1alpha.Auth": {
        "CreateAccessToken": ("CreateAccessTokenRequest", "AccessToken"),
        "GetCurrentToken": ("GetCurrentTokenRequest", "CurrentToken"),
        "CreateOAuthToken": ("CreateOAuthTokenRequest", "CreateOAuthTokenResponse"),
    },
    "kalix.projects.v1alpha.Projects": {
        "ListProjects": ("ListProjectsRequest", "ListProjectsResponse"),
        "GetProject": ("GetProjectRequest", "Project"),
        "ListRegions": ("ListRegionsRequest", "ListRegionsResponse"),
        "CreateHostname": ("CreateHostnameRequest", "ListHostnamesResponse"),
        "ListHostnames": ("ListHostnamesRequest", "ListHostnamesResponse"),
        "DeleteHostname": ("DeleteHostnameRequest", "google.protobuf.Empty"),
        "UpdateHostname": ("UpdateHostnameRequest", "google.protobuf.Empty"),
        "CreateProject": ("CreateProjectRequest", "Project"),
        "DeleteProject": ("DeleteProjectRequest", "google.protobuf.Empty"),
        "UpdateProject": ("UpdateProjectRequest", "Project"),
        "ListRoleBindings": ("ListRoleBindingsRequest", "ListRoleBindingsResponse"),
        "CreateRoleBinding": ("CreateRoleBindingRequest", "RoleBinding"),
        "DeleteRoleBinding": ("DeleteRoleBindingRequest", "google.protobuf.Empty"),
        "CreateToken": ("CreateTokenRequest", "ServiceTokenValue"),
        "ListTokens": ("ListTokensRequest", "ListTokensResponse"),
        "DeleteToken": ("DeleteTokenRequest", "google.protobuf.Empty"),
    },
}

_SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
}


def _all_messages() -> dict[str, Descriptor]:
    found: dict[str, Descriptor] = {}
    for module in (auth_pb2, projects_pb2):
        for desc in module.DESCRIPTOR.message_types_by_name.values():
            found[desc.full_name] = desc
    return found


def _field_type(field: FieldDescriptor) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        kind = field.message_type.full_name
    elif field.type == FieldDescriptor.TYPE_ENUM:
        kind = field.enum_type.full_name
    else:
        kind = _SCALARS.get(field.type, f"type{field.type}")
    # protobuf 6 deprecates ``label`` for ``is_repeated``; older ones only have ``label``.
    repeated = (
        field.is_repeated
        if hasattr(field, "is_repeated")
        else field.label == FieldDescriptor.LABEL_REPEATED
    )
    return f"[]{kind}" if repeated else kind


def test_file_names_and_packages_are_the_published_ones() -> None:
    assert auth_pb2.DESCRIPTOR.name == "kalix/auth/v1alpha/auth.proto"
    assert auth_pb2.DESCRIPTOR.package == "kalix.auth.v1alpha"
    assert projects_pb2.DESCRIPTOR.name == "kalix/projects/v1alpha/projects.proto"
    assert projects_pb2.DESCRIPTOR.package == "kalix.projects.v1alpha"


def test_every_message_we_define_is_in_the_published_table() -> None:
    assert set(_all_messages()) == set(PUBLISHED_MESSAGES)


@pytest.mark.parametrize("full_name", sorted(PUBLISHED_MESSAGES))
def test_message_fields_match_the_published_numbers_and_types(full_name: str) -> None:
    desc = _all_messages()[full_name]
    ours = {f.name: (f.number, _field_type(f)) for f in desc.fields}
    assert ours == PUBLISHED_MESSAGES[full_name]


def test_enums_match_the_published_values() -> None:
    ours = {
        e.full_name: {v.name: v.number for v in e.values}
        for e in auth_pb2.DESCRIPTOR.enum_types_by_name.values()
    }
    assert ours == PUBLISHED_ENUMS
    assert not projects_pb2.DESCRIPTOR.enum_types_by_name


def test_oauth_response_keeps_the_published_json_names() -> None:
    desc = auth_pb2.CreateOAuthTokenResponse.DESCRIPTOR
    assert {f.name: f.json_name for f in desc.fields} == {
        "access_token": "access_token",
        "token_type": "token_type",
        "expires_in": "expires_in",
        "issued_token_type": "issued_token_type",
    }


def _qualified(service: str, name: str) -> str:
    return name if "." in name else f"{service.rsplit('.', 1)[0]}.{name}"


def test_services_in_the_protos_are_the_published_ones() -> None:
    ours: dict[str, dict[str, tuple[str, str]]] = {}
    for module in (auth_pb2, projects_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            ours[service.full_name] = {
                m.name: (m.input_type.full_name, m.output_type.full_name) for m in service.methods
            }
    expected = {
        service: {
            name: (_qualified(service, req), _qualified(service, resp))
            for name, (req, resp) in methods.items()
        }
        for service, methods in PUBLISHED_METHODS.items()
    }
    assert ours == expected


def test_the_method_table_matches_the_descriptors() -> None:
    pool_services = {
        s.full_name: s
        for module in (auth_pb2, projects_pb2)
        for s in module.DESCRIPTOR.services_by_name.values()
    }
    assert {s.name for s in rpc.SERVICES} == set(pool_services)
    for service in rpc.SERVICES:
        desc = pool_services[service.name]
        assert {m.name for m in service.methods} == {m.name for m in desc.methods}
        for method in service.methods:
            assert method.service == service.name
            assert method.path == f"/{service.name}/{method.name}"
            published = desc.methods_by_name[method.name]
            assert method.request.DESCRIPTOR.full_name == published.input_type.full_name
            assert method.response.DESCRIPTOR.full_name == published.output_type.full_name
    assert rpc.CREATE_ACCESS_TOKEN.path == "/kalix.auth.v1alpha.Auth/CreateAccessToken"
    assert rpc.LIST_PROJECTS.path == "/kalix.projects.v1alpha.Projects/ListProjects"


def test_a_servicer_missing_a_method_fails_at_start() -> None:
    class Partial:
        def CreateAccessToken(self, request: Any, context: Any) -> Any:
            return None

    with pytest.raises(TypeError, match="GetCurrentToken, CreateOAuthToken"):
        rpc.AUTH.handler(Partial())


def _gen_protos() -> ModuleType:
    path = REPO / "scripts" / "gen-protos"
    loader = importlib.machinery.SourceFileLoader("gen_protos", str(path))
    spec = importlib.util.spec_from_loader("gen_protos", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_committed_modules_match_a_fresh_generation() -> None:
    gen = _gen_protos()
    if not gen.generator_installed():
        pytest.fail(
            f"grpcio-tools {gen.GRPCIO_TOOLS_VERSION} is not installed for this interpreter; "
            "run: python scripts/gen-protos --install-generator (scripts/test does)"
        )
    assert gen.drift() == []


def test_generated_modules_carry_no_runtime_version_check() -> None:
    # A version check would make the modules fail on protobuf majors pulumi allows.
    for path in (REPO / "pulumi_kalix" / "_proto").rglob("*_pb2.py"):
        text = path.read_text()
        assert "runtime_version" not in text, path
        assert "import kalix" not in text and "from kalix" not in text, path


def test_the_proto_package_imports_nothing_but_protobuf_and_grpc() -> None:
    code = (
        "import sys; import pulumi_kalix._proto.rpc; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pulumi', 'kalix_local', 'pydantic', 'httpx') "
        "or m.startswith('pulumi_kalix.') and not m.startswith('pulumi_kalix._proto')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
