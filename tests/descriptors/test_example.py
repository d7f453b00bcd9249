"""examples/descriptors through the engine harness, and `from_descriptor` failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
import yaml

import pulumi_kalix as kalix
from pulumi_kalix import descriptors as d
from pulumi_kalix.client import ControlPlane
from tests.harness import Engine, EngineError
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "descriptors"


@pytest.fixture
def engine(kalix: KalixLocalServer, tmp_path: Path) -> Engine:
    name = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())["name"]
    return Engine(
        tmp_path / "state.json",
        project=name,
        stack="dev",
        config=kalix.pulumi_config(),
        secret_keys={"kalix:token"},
        program_dir=EXAMPLE,
        provider_env={"PYTHONPATH": str(REPO)},
    )


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[ControlPlane]:
    with control_plane(kalix) as client:
        yield client


def test_the_example_deploys_what_its_yaml_files_say(engine: Engine, api: ControlPlane) -> None:
    steps = engine.up(EXAMPLE / "__main__.py")
    ours = [s for s in steps if s.type.startswith("pulumi-python") and "Identity" not in s.type]
    assert sorted((s.op, s.name) for s in ours) == [
        ("create", "orders"),
        ("create", "orders"),
        ("create", "shop"),
    ]
    service_yaml = (EXAMPLE / "service.yaml").read_text()
    live = api.services.get("orders")
    assert d.dump_service(live) == service_yaml
    (host,) = api.hostnames.list()
    assert host.is_generated
    expected = d.load_route(EXAMPLE / "route.yaml")
    expected.host = host.name
    route = api.routes.get("orders")
    assert d.dump_route(route) == d.dump_route(expected)
    assert [r.name for r in route.spec.routes] == ["grpc", None]
    outputs = engine.stack_outputs
    assert outputs["url"] == f"https://{host.name}"
    assert outputs["service_status"] == "Ready"
    # The descriptors of the stack's inputs are those of the live objects.
    assert outputs["service_descriptor"] == d.dump_service(
        live.model_copy(update={"spec": d.load_service(service_yaml).to_spec()})
    )
    assert outputs["route_descriptor"] == d.dump_route(route)
    generation = live.metadata.generation

    second = engine.up(EXAMPLE / "__main__.py")
    assert {s.op for s in second if s.type.startswith("pulumi-python")} == {"same"}
    assert api.services.get("orders").metadata.generation == generation


def test_overrides_win_over_the_descriptor(engine: Engine, api: ControlPlane) -> None:
    def program() -> None:
        svc = kalix.Service.from_descriptor(
            EXAMPLE / "service.yaml", "cart", name="cart-v2", max_instances=3, wait=False
        )
        pulumi.export("name", svc.name)

    engine.up(program)
    live = api.services.get("cart-v2")
    assert live.spec.resources is not None and live.spec.resources.autoscaling is not None
    assert live.spec.resources.autoscaling.max_instances == 3
    assert live.spec.resources.autoscaling.min_instances == 2  # from the descriptor


def test_a_route_descriptor_needs_a_name(engine: Engine) -> None:
    def program() -> None:
        kalix.Route.from_descriptor(EXAMPLE / "route.yaml")

    with pytest.raises(EngineError, match="a route descriptor has no name"):
        engine.up(program)


def test_a_misspelled_key_fails_the_program_with_its_line(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "service.yaml"
    bad.write_text((EXAMPLE / "service.yaml").read_text().replace("  image:", "  imgae:"))

    def program() -> None:
        kalix.Service.from_descriptor(bad)

    with pytest.raises(EngineError, match=r"service\.yaml: line 8: service\.imgae: unknown key"):
        engine.up(program)


def test_resources_from_a_project_descriptor_by_name(
    engine: Engine, api: ControlPlane, tmp_path: Path
) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(
        "resource: Service\nresourceVersion: v1\nmetadata:\n  name: cart\nspec:\n"
        "  image: acme.example/cart:1.0\n  resources:\n    runtime:\n      mode: embedded\n"
        "---\nresource: Service\nresourceVersion: v1\nmetadata:\n  name: other\nspec:\n"
        "  image: acme.example/other:1.0\n"
        "---\nresource: Route\nresourceVersion: v1\nmetadata:\n  name: api\nspec:\n"
        "  routes:\n  - prefix: /\n    route:\n      service: cart\n"
        "---\nresource: Observability\nresourceVersion: v1\nspec:\n  exporter: {}\n"
    )

    def program() -> None:
        cart = kalix.Service.from_descriptor(project, "cart")
        host = kalix.Hostname("api-host")
        # The Route document names no host: it takes the one given.
        kalix.Route.from_descriptor(
            project, "api", hostname=host.hostname, opts=pulumi.ResourceOptions(depends_on=[cart])
        )

    engine.up(program)
    live = api.services.get("cart")
    assert live.spec.resources is not None and live.spec.resources.runtime is not None
    assert live.spec.resources.runtime.mode == "embedded"
    assert api.services.get_or_none("other") is None
    route = api.routes.get("api")
    assert route.spec.host == engine.outputs("api-host")["hostname"]

    def ambiguous() -> None:
        kalix.Service.from_descriptor(project)

    with pytest.raises(EngineError, match="2 Service documents in the project descriptor"):
        engine.up(ambiguous)
