"""`kalix.Project`, `kalix.RoleBinding` and `kalix.ServiceToken` through the engine: a
stack that makes a project and what lives in it, in-place changes, replacements, drift,
adoption, and a project deleted only when the user opted in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, make_engine, ops
from tests.support.federation import access_token, call, channel, control_plane
from tests.support.local_server import KalixLocalServer

IMAGE = "registry.example/cart:1.0"


def _name() -> str:
    return f"proj-{uuid.uuid4().hex[:10]}"


@dataclass
class Home(Stack):
    """A stack whose credential is a refresh token of its own, for a home project of its
    own: the projects it creates are seen by that token only (the session's server keeps
    projects across tests, and other tests count the default token's)."""

    token: str
    home: str


@pytest.fixture
def stack(kalix: KalixLocalServer, tmp_path: Path) -> Iterator[Home]:
    home = _name()
    token = kalix.new_token(home)
    state = tmp_path / "state.json"
    engine = make_engine(kalix, state, kalix.pulumi_config(home, token))
    with control_plane(kalix, home, token) as api:
        yield Home(engine, kalix, api, state, token, home)


def whole_project(name: str, **kw: Any) -> Callable[[], None]:
    """A project, a role binding, a service token and a service in that project."""
    token_kw = kw.pop("token", {})
    binding_kw = kw.pop("binding", {"role": "developer", "principal": "users/dev-1"})

    def run() -> None:
        proj = kalix.Project("proj", name=name, **kw)
        kalix.RoleBinding("dev", project=proj.id, **binding_kw)
        token = kalix.ServiceToken("ci", description="ci deploys", project=proj.id, **token_kw)
        svc = kalix.Service("cart", name="cart", image=IMAGE, project=proj.id)
        pulumi.export("project_id", proj.id)
        pulumi.export("token", token.value)
        pulumi.export("status", svc.status)

    return run


def _project(stack: Home, project_id: str) -> projects_pb2.Project | None:
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        try:
            found: projects_pb2.Project = call(
                rpc.GET_PROJECT,
                chan,
                projects_pb2.GetProjectRequest(name=f"projects/{project_id}"),
                token,
            )
        except grpc.RpcError:
            return None
        return found


def _bindings(stack: Home, project_id: str) -> list[tuple[str, str]]:
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        listed = call(
            rpc.LIST_ROLE_BINDINGS,
            chan,
            projects_pb2.ListRoleBindingsRequest(parent=f"projects/{project_id}"),
            token,
        )
    return sorted((b.name.split("/")[3], b.principal) for b in listed.role_bindings)


def _token_works(stack: Home, value: str) -> bool:
    with channel(stack.server) as chan:
        try:
            access_token(chan, value)
        except grpc.RpcError:
            return False
    return True


def test_one_stack_makes_a_project_and_everything_in_it(stack: Home) -> None:
    name = _name()
    steps = ops(stack.engine.up(whole_project(name)))
    assert steps == [("create", n) for n in ("cart", "ci", "dev", "proj")]
    project_id = stack.engine.stack_outputs["project_id"]
    project = _project(stack, project_id)
    assert project is not None and project.friendly_name == name
    outputs = stack.engine.outputs("proj")
    assert outputs["project_id"] == project_id and outputs["adopted"] is False
    assert [r["primary"] for r in outputs["regions"]] == [True]
    assert outputs["regions"][0]["endpoint"] == stack.server.url
    assert ("developer", "users/dev-1") in _bindings(stack, project_id)
    assert stack.engine.stack_outputs["status"] == "Ready"
    with control_plane(stack.server, name, stack.token) as api:
        assert api.services.get("cart").metadata.namespace == project_id
    # The token is a secret: usable, and never in the state file in plain text.
    value = stack.engine.stack_outputs["token"]
    assert _token_works(stack, value)
    assert value not in stack.state_text()
    assert ops(stack.engine.up(whole_project(name))) == [
        ("same", n) for n in ("cart", "ci", "dev", "proj")
    ]


def test_destroy_leaves_the_project_unless_allow_delete_then_deletes_it(stack: Home) -> None:
    name = _name()
    stack.engine.up(whole_project(name))
    project_id = stack.engine.stack_outputs["project_id"]
    value = stack.engine.stack_outputs["token"]
    with pytest.raises(EngineError) as refused:
        stack.engine.destroy()
    assert "allow_delete=True" in str(refused.value)
    assert _project(stack, project_id) is not None  # what lives in it went first
    assert not _token_works(stack, value)
    stack.engine.up(whole_project(name, allow_delete=True))  # opting in is an update
    steps = ops(stack.engine.destroy())
    assert ("delete", "proj") in steps
    assert _project(stack, project_id) is None


def test_rename_and_description_change_in_place(stack: Home) -> None:
    name, renamed = _name(), _name()

    def program(project_name: str, description: str) -> Callable[[], None]:
        def run() -> None:
            kalix.Project("proj", name=project_name, description=description, allow_delete=True)

        return run

    stack.engine.up(program(name, "first"))
    project_id = stack.engine.outputs("proj")["project_id"]
    assert ops(stack.engine.up(program(renamed, "second"))) == [("update", "proj")]
    project = _project(stack, project_id)
    assert project is not None
    assert (project.friendly_name, project.description) == (renamed, "second")
    stack.engine.destroy()


def test_a_region_change_is_refused_in_the_preview_without_allow_delete(stack: Home) -> None:
    name = _name()
    stack.engine.up(lambda: kalix.Project("proj", name=name))
    with pytest.raises(EngineError) as refused:
        stack.engine.preview(lambda: kalix.Project("proj", name=name, region="elsewhere-1"))
    assert "would replace it" in str(refused.value) and "allow_delete=True" in str(refused.value)
    stack.engine.up(lambda: kalix.Project("proj", name=name, allow_delete=True))
    stack.engine.destroy()


def test_an_existing_project_needs_adopt_and_is_never_deleted(stack: Home) -> None:
    name, hidden = _name(), _name()
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
        made = call(
            rpc.CREATE_PROJECT,
            chan,
            projects_pb2.CreateProjectRequest(
                friendly_name=name,
                region_id=listed.projects[0].regions[0].name.rsplit("/", 1)[-1]
                if listed.projects[0].regions
                else "us-east1",
                organization_name=listed.projects[0].owner.name,
            ),
            token,
        )
    project_id = made.name.removeprefix("projects/")
    with pytest.raises(EngineError) as refused:
        stack.engine.up(lambda: kalix.Project("proj", name=name))
    assert "adopt=True" in str(refused.value)
    # One this credential cannot see: the platform's answer, with what to do.
    stack.server.new_project(hidden)
    with pytest.raises(EngineError) as invisible:
        stack.engine.up(lambda: kalix.Project("other", name=hidden))
    assert "not visible to this credential" in str(invisible.value)
    stack.engine.up(lambda: kalix.Project("proj", name=name, adopt=True, allow_delete=True))
    assert stack.engine.outputs("proj")["adopted"] is True
    assert stack.engine.outputs("proj")["project_id"] == project_id
    stack.engine.destroy()
    assert _project(stack, project_id) is not None


def test_a_role_binding_change_replaces_it_and_drift_is_refreshed(stack: Home) -> None:
    project_id = stack.server.project_id(stack.home)

    def program(role: str) -> Callable[[], None]:
        return lambda: kalix.RoleBinding("b", role=role, principal="users/someone")

    stack.engine.up(program("viewer"))
    first = stack.engine.outputs("b")["binding_name"]
    assert ("viewer", "users/someone") in _bindings(stack, project_id)
    assert ops(stack.engine.up(program("developer"))) == [
        ("delete-replaced", "b"),
        ("replace", "b"),
    ]
    assert ("viewer", "users/someone") not in _bindings(stack, project_id)
    assert ("developer", "users/someone") in _bindings(stack, project_id)
    second = stack.engine.outputs("b")["binding_name"]
    assert second != first
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        call(
            rpc.DELETE_ROLE_BINDING, chan, projects_pb2.DeleteRoleBindingRequest(name=second), token
        )
    stack.engine.refresh()
    assert ops(stack.engine.up(program("developer"))) == [("create", "b")]
    stack.engine.destroy()
    assert ("developer", "users/someone") not in _bindings(stack, project_id)


def test_an_existing_binding_needs_adopt_and_is_left_on_delete(stack: Home) -> None:
    project_id = stack.server.project_id(stack.home)
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        call(
            rpc.CREATE_ROLE_BINDING,
            chan,
            projects_pb2.CreateRoleBindingRequest(
                parent=f"projects/{project_id}/roles/viewer",
                role_binding=projects_pb2.RoleBinding(principal="users/held"),
            ),
            token,
        )
    with pytest.raises(EngineError) as refused:
        stack.engine.up(lambda: kalix.RoleBinding("b", role="viewer", principal="users/held"))
    assert "adopt=True" in str(refused.value)
    stack.engine.up(
        lambda: kalix.RoleBinding("b", role="viewer", principal="users/held", adopt=True)
    )
    assert stack.engine.outputs("b")["adopted"] is True
    stack.engine.destroy()
    assert ("viewer", "users/held") in _bindings(stack, project_id)


def test_rotation_makes_a_new_token_then_revokes_the_old_one(stack: Home) -> None:
    def program(rotation: str) -> Callable[[], None]:
        def run() -> None:
            token = kalix.ServiceToken("ci", description="ci", rotation=rotation)
            pulumi.export("token", token.value)

        return run

    stack.engine.up(program("2026-11"))
    old = stack.engine.stack_outputs["token"]
    assert _token_works(stack, old)
    stack.engine.refresh()  # no call returns the value again: refresh keeps it
    assert stack.engine.outputs("ci")["value"] == old
    assert ops(stack.engine.up(program("2026-11"))) == [("same", "ci")]
    assert ops(stack.engine.up(program("2026-12"))) == [
        ("delete-replaced", "ci"),
        ("replace", "ci"),
    ]
    new = stack.engine.stack_outputs["token"]
    assert new != old and _token_works(stack, new) and not _token_works(stack, old)
    # Nor in the harness's step journal, nor anything else beside the state file.
    stored = "".join(f.read_text() for f in stack.state_path.parent.glob("state.json*"))
    assert old not in stored and new not in stored
    stack.engine.destroy()
    assert not _token_works(stack, new)


@pytest.mark.parametrize(
    ("program", "words"),
    [
        (lambda: kalix.Project("p", name="Not_A_Label"), "name 'Not_A_Label' is not valid"),
        (
            lambda: kalix.RoleBinding("b", role="owner", principal="users/x"),
            "role must be one of admin, developer, viewer, backoffice",
        ),
        (
            lambda: kalix.RoleBinding("b", role="viewer", principal="jane@example.com"),
            "users/<user-id>",
        ),
        (
            lambda: kalix.ServiceToken("t", scopes=["everything"]),
            "scopes[0] must be one of all, projects",
        ),
    ],
)
def test_bad_inputs_fail_the_check_naming_the_property(
    stack: Home, program: Callable[[], None], words: str
) -> None:
    with pytest.raises(EngineError) as refused:
        stack.engine.preview(program)
    assert words in str(refused.value)


def _fault(stack: Home, method: str, mode: str) -> None:
    stack.server.admin("POST", "/federation/faults", {"method": method, "mode": mode, "count": 1})


def test_lost_or_refused_creates_make_one_project_and_one_binding(stack: Home) -> None:
    name = _name()
    _fault(stack, "CreateProject", "unavailable")  # refused before acting: sent again
    _fault(stack, "CreateRoleBinding", "lost-answer")  # applied, answer lost: found

    def run() -> None:
        proj = kalix.Project("proj", name=name, allow_delete=True)
        kalix.RoleBinding("b", role="viewer", principal="users/late", project=proj.id)

    stack.engine.up(run)
    injected = [f["injected"] for f in stack.server.admin("GET", "/federation/faults")["faults"]]
    assert injected == [1, 1]
    project_id = stack.engine.outputs("proj")["project_id"]
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
    assert [p.friendly_name for p in listed.projects].count(name) == 1
    assert _bindings(stack, project_id).count(("viewer", "users/late")) == 1
    stack.engine.destroy()


def test_a_token_whose_answer_was_lost_is_named_to_revoke_not_repeated(stack: Home) -> None:
    _fault(stack, "CreateToken", "lost-answer")
    with pytest.raises(EngineError) as lost:
        stack.engine.up(lambda: kalix.ServiceToken("ci", description="lost one"))
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        listed = call(
            rpc.LIST_TOKENS,
            chan,
            projects_pb2.ListTokensRequest(
                parent=f"projects/{stack.server.project_id(stack.home)}"
            ),
            token,
        )
    made = [t.name for t in listed.tokens if t.description == "lost one"]
    assert len(made) == 1  # not repeated
    assert made[0] in str(lost.value) and "revoke" in str(lost.value)


def test_a_first_preview_of_a_new_project_and_its_contents_passes_with_unknowns(
    stack: Home,
) -> None:
    name = _name()
    steps = ops(stack.engine.preview(whole_project(name)))
    assert steps == [("create", n) for n in ("cart", "ci", "dev", "proj")]
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
    assert name not in [p.friendly_name for p in listed.projects]  # a preview makes nothing


def test_a_rename_by_hand_is_refreshed_and_the_next_up_puts_it_back(stack: Home) -> None:
    name, by_hand = _name(), _name()
    program = lambda: kalix.Project("proj", name=name, allow_delete=True)  # noqa: E731
    stack.engine.up(program)
    project_id = stack.engine.outputs("proj")["project_id"]
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        call(
            rpc.UPDATE_PROJECT,
            chan,
            projects_pb2.UpdateProjectRequest(
                project=projects_pb2.Project(name=f"projects/{project_id}", friendly_name=by_hand)
            ),
            token,
        )
    stack.engine.refresh()
    assert stack.engine.outputs("proj")["name"] == by_hand
    assert ops(stack.engine.up(program)) == [("update", "proj")]
    project = _project(stack, project_id)
    assert project is not None and project.friendly_name == name
    stack.engine.destroy()


def test_a_token_revoked_by_hand_is_dropped_by_refresh_and_made_again(stack: Home) -> None:
    program = lambda: kalix.ServiceToken("ci", description="ci")  # noqa: E731
    stack.engine.up(program)
    name = stack.engine.outputs("ci")["token_name"]
    with channel(stack.server) as chan:
        token = access_token(chan, stack.token).token
        call(rpc.DELETE_TOKEN, chan, projects_pb2.DeleteTokenRequest(name=name), token)
    stack.engine.refresh()
    assert ops(stack.engine.up(program)) == [("create", "ci")]
    assert stack.engine.outputs("ci")["token_name"] != name
    stack.engine.destroy()


def test_a_new_project_holds_everything_project_apply_manages(stack: Home) -> None:
    """Issue 16's "done when": a program makes a project and every kind `akka project
    apply` manages in it, and destroys it again once the user opted in."""
    name = _name()

    def run() -> None:
        proj = kalix.Project("proj", name=name, allow_delete=True)
        p = proj.id
        kalix.Secret("kafka", data={"password": "s3cr3t"}, project=p)
        kalix.ServiceConfig("cart-config", config="shop.greeting = hello", project=p)
        kalix.ExternalSecret(
            "db-secrets",
            gcp={"project_id": "acme", "objects": [{"name": "db", "path": "db/password"}]},
            project=p,
        )
        kalix.Broker(
            "events",
            type="kafka",
            kafka={
                "servers": ["kafka.internal:9092"],
                "username": "svc",
                "auth_mechanism": "SCRAM-SHA-512",
                "password_secret": {"name": "kafka", "key": "password"},
            },
            project=p,
        )
        kalix.Observability(
            "telemetry", exporters=[{"otlp": {"endpoint": "collector.internal:4317"}}], project=p
        )
        kalix.RoleBinding("dev", role="developer", principal="users/dev-2", project=p)
        svc = kalix.Service("cart", name="cart", image=IMAGE, project=p)
        host = kalix.Hostname("shop", project=p)
        kalix.Route("shop", hostname=host.hostname, paths={"/": svc.name}, project=p)

    created = ops(stack.engine.up(run))
    assert {op for op, _ in created} == {"create"} and len(created) == 10
    project_id = stack.engine.outputs("proj")["project_id"]
    with control_plane(stack.server, name, stack.token) as api:
        assert api.services.get("cart").metadata.namespace == project_id
        assert [r.metadata.name for r in api.routes.list()] == ["shop"]
        assert api.service_configs.get("cart-config") is not None
        assert api.brokers.get("events") is not None
        assert api.observabilities.get("telemetry") is not None
    assert {op for op, _ in ops(stack.engine.up(run))} == {"same"}
    assert {op for op, _ in ops(stack.engine.destroy())} == {"delete"}
    assert _project(stack, project_id) is None
