"""Service and ServiceExposure through the whole lifecycle, as `pulumi up` runs them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

import pulumi_kalix as kalix
from tests.harness import EngineError
from tests.lifecycle.conftest import Stack, kinds, make_engine, ops
from tests.support.federation import control_plane


def cart(image: str = "registry.example/cart:1.0", name: str | None = None, **kw: object):
    def program() -> None:
        svc = kalix.Service("cart", image=image, name=name, min_instances=2, **kw)  # type: ignore[arg-type]
        pulumi.export("status", svc.status)
        pulumi.export("ready", svc.ready_instances)
        pulumi.export("generation", svc.generation)

    return program


def test_up_awaits_the_rollout_and_a_second_up_is_all_same(stack: Stack) -> None:
    assert ops(stack.engine.up(cart())) == [("create", "cart")]
    assert stack.engine.stack_outputs == {"status": "Ready", "ready": 2, "generation": 1}
    live = stack.api.services.get("cart")
    assert live.status is not None and live.status.summary == "Ready"
    assert ops(stack.engine.up(cart())) == [("same", "cart")]


def test_image_change_is_an_in_place_rolling_update(stack: Stack) -> None:
    stack.engine.up(cart())
    uid = stack.api.services.get("cart").metadata.uid
    assert ops(stack.engine.up(cart(image="registry.example/cart:2.0"))) == [("update", "cart")]
    live = stack.api.services.get("cart")
    assert live.metadata.uid == uid
    assert live.spec.containers[0].image == "registry.example/cart:2.0"
    assert stack.engine.stack_outputs["generation"] == 2
    assert stack.engine.stack_outputs["status"] == "Ready"


def test_name_change_replaces_create_before_delete(stack: Stack) -> None:
    stack.engine.up(cart())
    steps = stack.engine.up(cart(name="cart-v2"))
    assert [s.op for s in kinds(steps)] == ["replace", "delete-replaced"]
    assert [s.metadata.name for s in stack.api.services.list()] == ["cart-v2"]


def test_preview_never_writes_and_never_waits(stack: Stack) -> None:
    assert ops(stack.engine.preview(cart())) == [("create", "cart")]
    assert stack.api.services.list() == []


def test_refresh_sees_an_out_of_band_image_change_then_up_restores_it(stack: Stack) -> None:
    stack.engine.up(cart())
    stack.api.services.patch(
        "cart", {"spec": {"containers": [{"name": "main", "image": "hand/edit:9"}]}}
    )
    assert ops(stack.engine.refresh()) == [("update", "cart")]
    assert stack.engine.outputs("cart")["image"] == "hand/edit:9"
    assert ops(stack.engine.up(cart())) == [("update", "cart")]
    assert stack.api.services.get("cart").spec.containers[0].image == "registry.example/cart:1.0"


def test_refresh_after_an_out_of_band_delete_drops_it_and_up_recreates(stack: Stack) -> None:
    stack.engine.up(cart())
    stack.api.services.delete("cart", hard="true")
    assert ops(stack.engine.refresh()) == [("deleted", "cart")]
    assert ops(stack.engine.up(cart())) == [("create", "cart")]


def test_destroy_leaves_nothing_behind(stack: Stack) -> None:
    stack.engine.up(cart())
    assert ops(stack.engine.destroy()) == [("delete", "cart")]
    assert stack.api.services.list() == []
    assert stack.api.services.list(includeDeleted="true") != []  # soft delete, like Kalix


def test_failed_rollout_fails_the_up_naming_status_and_condition(stack: Stack) -> None:
    stack.server.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*:broken": {"reason": "ImagePullBackOff", "message": "image not found"}}},
    )
    with pytest.raises(EngineError) as err:
        stack.engine.up(cart(image="registry.example/cart:broken"))
    text = str(err.value)
    assert "service 'cart' in project 'default' failed" in text
    assert "Unavailable" in text
    assert "image not found" in text
    # Each said once: the failure is not followed by a description repeating it.
    assert text.count("Unavailable") == 1 and text.count("image not found") == 1, text
    # The service was created, so it stays in state: nothing is orphaned.
    assert "cart" in {u.rsplit("::", 1)[-1] for u in stack.engine.load()}
    assert ops(stack.engine.up(cart())) == [("update", "cart")]
    assert stack.engine.stack_outputs["status"] == "Ready"


def test_wait_timeout_names_the_service_and_its_progress(stack: Stack) -> None:
    stack.server.admin("PATCH", "/settings", {"rolloutStepSeconds": 5})
    with pytest.raises(EngineError) as err:
        stack.engine.up(cart(wait_timeout=0.5))
    assert "did not become ready within 0.5s" in str(err.value)
    assert "instances ready" in str(err.value)


def test_wait_false_returns_before_the_rollout(stack: Stack) -> None:
    stack.server.admin("PATCH", "/settings", {"rolloutStepSeconds": 5})
    stack.engine.up(cart(wait=False))
    assert stack.engine.stack_outputs["status"] == "Pending"  # as the create left it


def test_exposure_gives_a_url_on_a_generated_hostname(stack: Stack) -> None:
    def program() -> None:
        svc = kalix.Service("cart", image="registry.example/cart:1.0")
        exposure = kalix.ServiceExposure("cart", service=svc.name, enable_cors=True)
        pulumi.export("url", exposure.url)
        pulumi.export("route_status", exposure.status)

    stack.engine.up(program)
    url = stack.engine.stack_outputs["url"]
    assert url.startswith("https://") and url.endswith(".us-east1.kalix.app")
    assert stack.engine.stack_outputs["route_status"] == "Ready"
    route = stack.api.routes.get("cart")
    assert route.spec.routes[0].prefix == "/"
    assert route.spec.cors_policy is not None and route.spec.cors_policy.allow_origins == ["*"]
    assert {op for op, _ in ops(stack.engine.up(program))} == {"same"}


def test_exposure_adopts_a_hostname_the_project_already_has(stack: Stack) -> None:
    generated = stack.api.hostnames.create().name  # as `akka service expose` made it

    def program() -> None:
        svc = kalix.Service("cart", image="registry.example/cart:1.0")
        exposure = kalix.ServiceExposure("cart", service=svc.name, hostname=generated, adopt=True)
        pulumi.export("url", exposure.url)

    stack.engine.up(program)
    assert stack.engine.stack_outputs["url"] == f"https://{generated}"
    assert stack.engine.outputs("cart-host")["adopted"] is True
    assert stack.api.routes.get("cart").spec.host == generated
    stack.engine.destroy()
    # Reserved before the stack took it: left in place (delete_adopted was not asked).
    assert [h.name for h in stack.api.hostnames.list()] == [generated]


def test_exposure_routes_from_a_hostname_resource_of_the_program(stack: Stack) -> None:
    def program() -> None:
        host = kalix.Hostname("shop", hostname="shop.example.com")
        svc = kalix.Service("cart", image="registry.example/cart:1.0")
        exposure = kalix.ServiceExposure("cart", service=svc.name, hostname=host)
        pulumi.export("hostname", exposure.hostname)

    steps = stack.engine.up(program)
    assert ("create", "cart-host") not in ops(steps)  # no second Hostname for the name
    assert stack.engine.stack_outputs["hostname"] == "shop.example.com"
    assert stack.api.routes.get("cart").spec.host == "shop.example.com"
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []


def test_token_never_reaches_state_or_provider_logs(stack: Stack) -> None:
    stack.engine.up(cart())
    assert stack.server.token not in stack.state_text()
    provider = stack.engine.last_provider
    assert provider is not None and stack.server.token not in provider.stderr_text


def test_provider_pickle_is_small_and_stable_across_runs(stack: Stack) -> None:
    stack.engine.up(cart())
    first = stack.engine.load()
    stack.engine.up(cart(image="registry.example/cart:2.0"))
    second = stack.engine.load()

    def blobs(state: dict) -> set[str]:
        return {
            json.dumps(r["outputs"].get("__provider"))
            for r in state.values()
            if r.get("type", "").startswith("pulumi-python:dynamic")
        }

    assert blobs(first) == blobs(second)
    assert all(len(b) < 1024 for b in blobs(first))


def test_rollout_progress_is_reported_on_the_way(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    # Under mocks the engine's Log RPC lands in Python logging; in a real run it is
    # the ephemeral status of the resource's row.
    stack.server.admin("PATCH", "/settings", {"rolloutStepSeconds": 0.3})
    with caplog.at_level(logging.INFO):
        stack.engine.up(cart())
    messages = [r.getMessage() for r in caplog.records]
    assert "UpdateInProgress: 1/2 instances ready" in messages
    assert messages.index("UpdateInProgress: 1/2 instances ready") < messages.index(
        "Ready: 2/2 instances ready"
    )


def test_a_secret_env_value_stays_secret_in_state(stack: Stack) -> None:
    value = "sk-live-0123456789abcdef"

    def program() -> None:
        kalix.Service(
            "cart",
            image="registry.example/cart:1.0",
            env={"MODE": "prod", "API_KEY": pulumi.Output.secret(value)},
        )

    stack.engine.up(program)
    env = stack.api.services.get("cart").spec.containers[0].env or []
    assert {e.name: e.value for e in env}["API_KEY"] == value  # the service gets it
    assert value not in stack.state_text()  # the state keeps it only as a secret
    assert {op for op, _ in ops(stack.engine.up(program))} == {"same"}


@pytest.mark.parametrize("kind", ["secret_env", "tls_key"])
def test_a_check_failure_does_not_show_a_secret_value(stack: Stack, kind: str) -> None:
    value = "sk-live-0123456789abcdef"

    def program() -> None:
        secret = pulumi.Output.secret(value)
        if kind == "secret_env":  # the value itself where a 'secret/key' reference belongs
            kalix.Service("cart", image="registry.example/cart:1.0", secret_env={"DB": secret})
        else:
            kalix.Secret("tls", type="tls", data={"tls.crt": secret, "tls.key": secret})

    with pytest.raises(EngineError) as err:
        stack.engine.up(program)
    fragment = "'secret-name/key'" if kind == "secret_env" else "must be PEM text"
    assert fragment in str(err.value)
    assert value not in str(err.value)


def test_one_stack_spans_projects(stack: Stack, tmp_path: Path) -> None:
    token = stack.server.new_token("default", "team-b")
    engine = make_engine(stack.server, tmp_path / "multi.json")
    engine.config["kalix:token"] = token

    def program() -> None:
        kalix.Service("cart", image="registry.example/cart:1.0")
        kalix.Service("cart-b", name="cart", image="registry.example/cart:1.0", project="team-b")

    assert ops(engine.up(program)) == [("create", "cart"), ("create", "cart-b")]
    with control_plane(stack.server, "team-b", token) as team_b:
        assert [s.metadata.name for s in team_b.services.list()] == ["cart"]
    assert [s.metadata.name for s in stack.api.services.list()] == ["cart"]
    assert {op for op, _ in ops(engine.up(program))} == {"same"}
    engine.destroy()
    with control_plane(stack.server, "team-b", token) as team_b:
        assert team_b.services.list() == []


def test_optional_secret_refs_do_not_block_the_rollout(stack: Stack) -> None:
    def program(optional: bool) -> Callable[[], None]:
        refs = {"FLAGS": "feature-flags/json"}

        def run() -> None:
            kalix.Service(
                "cart",
                image="registry.example/cart:1.0",
                wait_timeout=5,
                **({"optional_secret_env": refs} if optional else {"secret_env": refs}),
            )

        return run

    stack.engine.up(program(optional=True))  # the secret does not exist: fine
    ref = (stack.api.services.get("cart").spec.containers[0].env or [])[0].value_from
    assert ref is not None and ref.secret_key_ref.optional is True
    with pytest.raises(EngineError) as err:
        stack.engine.up(program(optional=False))
    assert 'secret "feature-flags" not found' in str(err.value)


def test_a_new_restart_time_rolls_the_service(stack: Stack) -> None:
    def program(at: str | None) -> Callable[[], None]:
        def run() -> None:
            svc = kalix.Service("cart", image="registry.example/cart:1.0", restart_requested=at)
            pulumi.export("generation", svc.generation)

        return run

    stack.engine.up(program(None))
    assert ops(stack.engine.up(program("2026-11-23T18:00:00Z"))) == [("update", "cart")]
    assert stack.engine.stack_outputs["generation"] == 2
    assert stack.api.services.get("cart").spec.restart_requested == "2026-11-23T18:00:00Z"
    with pytest.raises(EngineError) as err:
        stack.engine.up(program("yesterday"))
    assert "restart_requested must be an RFC 3339 time" in str(err.value)


def test_a_failed_rollout_is_a_run_error_logged_on_the_services_row(stack: Stack) -> None:
    stack.server.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*:broken": {"reason": "ImagePullBackOff", "message": "image not found"}}},
    )
    stack.engine.config.update({"kalix:failureGraceSeconds": "1", "kalix:staleSeconds": "2"})
    with pytest.raises(EngineError) as err:
        stack.engine.up(cart(image="registry.example/cart:broken"))
    assert "RunError" not in str(err.value) and "Traceback" not in str(err.value)
    errors = [e for e in stack.engine.logs if e.severity == "error"]
    assert len(errors) == 1 and errors[0].urn.endswith("kalix:Service::cart")
    assert "service 'cart' in project 'default' failed" in errors[0].message


def test_an_unchanged_unhealthy_service_is_reported_not_awaited(stack: Stack) -> None:
    """A no-op `up` after a failed rollout (or a targeted `up` elsewhere) succeeds and
    says on the service's row that it is not healthy."""
    stack.server.admin(
        "PATCH",
        "/settings",
        {"failImages": {"*:broken": {"reason": "ImagePullBackOff", "message": "image not found"}}},
    )
    stack.engine.config.update({"kalix:failureGraceSeconds": "1", "kalix:staleSeconds": "2"})
    broken = cart(image="registry.example/cart:broken")
    with pytest.raises(EngineError):
        stack.engine.up(broken)
    assert ops(stack.engine.up(broken)) == [("same", "cart")]  # nothing applied: no failure
    warnings = stack.engine.warnings("cart")
    assert len(warnings) == 1
    assert "service 'cart' in project 'default' is not healthy: Unavailable" in warnings[0]
    assert "image not found" in warnings[0]
    assert stack.engine.stack_outputs["status"] == "Unavailable"


def test_a_healthy_unchanged_service_reads_once_and_stays_quiet(stack: Stack) -> None:
    stack.engine.up(cart())
    assert ops(stack.engine.up(cart())) == [("same", "cart")]
    assert stack.engine.warnings("cart") == []
    assert stack.engine.stack_outputs["status"] == "Ready"


def test_import_option_fails_before_any_call_and_names_what_works(stack: Stack) -> None:
    def program() -> None:
        kalix.Service(
            "cart", image="registry.example/cart:1.0", opts=pulumi.ResourceOptions(import_="x")
        )

    with pytest.raises(EngineError) as err:
        stack.engine.up(program)
    text = str(err.value)
    assert "service 'cart': import_= is not supported for kalix resources" in text
    assert "adopt=True" in text and "pulumi-kalix import" in text
    assert stack.api.services.list() == []


def test_a_secrets_data_digest_is_a_secret_in_state_and_preview(stack: Stack) -> None:
    def program() -> None:
        kalix.Secret("creds", data={"password": "hunter2"})

    stack.engine.up(program)
    entry = next(e for u, e in stack.engine.load().items() if u.endswith("::creds"))
    digest = entry["inputs"]["data_digest"]
    assert isinstance(digest, dict) and "value" in digest  # the harness's secret wrapper
    assert digest["value"] not in stack.state_text()  # stored only as ciphertext
    assert "inputs.data_digest" in entry["secret_paths"]


def test_concurrent_awaits_share_one_client(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_kalix.client.session import Session

    made: list[str] = []
    real = Session.async_control_plane

    def counting(self: Session, project: str) -> kalix.AsyncControlPlane:
        made.append(project)
        return real(self, project)

    monkeypatch.setattr(Session, "async_control_plane", counting)

    def program() -> None:
        for i in range(5):
            kalix.Service(f"svc-{i}", image="registry.example/cart:1.0")

    stack.engine.up(program)
    assert len(stack.api.services.list()) == 5
    assert made == ["default"]  # five rollouts awaited at once, one pool
