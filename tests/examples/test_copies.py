"""Every example as a user runs it: copied out of the repository into a directory of its
own, and all of them side by side in one project (their object names must not collide:
a second example would otherwise fail halfway, its names held by the first's stack)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.harness import Engine
from tests.harness.aws import MotoServer, route53_handlers
from tests.lifecycle.conftest import kinds
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

from .conftest import EXAMPLES, example_engine

CONFIG = {
    "grpc-routes": {"version": "1"},
    "custom-domain-route53": {"dnsTimeout": "30"},
    "project-bootstrap": {"allowDelete": "true"},  # its project is kept otherwise
}


def test_all_examples_run_from_copies_side_by_side_in_one_project(
    kalix_route53: KalixLocalServer, moto_server: MotoServer, tmp_path: Path
) -> None:
    examples = sorted(p.parent.name for p in EXAMPLES.glob("*/Pulumi.yaml"))
    assert len(examples) >= 4
    engines: dict[str, Engine] = {}
    for name in examples:
        copy = tmp_path / "projects" / name
        shutil.copytree(EXAMPLES / name, copy, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
        handlers = route53_handlers(moto_server.url) if "route53" in name else None
        eng = example_engine(
            name, kalix_route53, tmp_path / f"{name}.json", CONFIG.get(name), handlers
        )
        eng.program_dir = copy
        steps = eng.up(copy / "__main__.py")
        assert {s.op for s in kinds(steps)} == {"create"}, name
        engines[name] = eng
    with control_plane(kalix_route53) as api:
        services = [s.metadata.name for s in api.services.list()]
        routes = [r.metadata.name for r in api.routes.list()]
    assert len(services) == len(set(services)) and len(routes) == len(set(routes))
    for name in reversed(examples):
        assert {s.op for s in kinds(engines[name].destroy())} == {"delete"}, name
    with control_plane(kalix_route53) as api:
        assert api.services.list() == [] and api.routes.list() == []
        assert api.hostnames.list() == [] and api.secrets.list() == []
