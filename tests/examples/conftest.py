"""Fixtures for running `examples/<name>/__main__.py` through the engine harness."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from tests.harness import Engine, ResourceHandler, Step
from tests.harness.aws import MotoServer, moto_server, moto_session
from tests.lifecycle.conftest import kinds
from tests.support.local_server import KalixLocalServer

__all__ = ["moto_server", "moto_session"]  # fixtures, re-exported for pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def project_name(example: str) -> str:
    """The project name in the example's Pulumi.yaml: it namespaces the stack config."""
    return str(yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())["name"])


def example_engine(
    example: str,
    server: KalixLocalServer,
    state_path: Path,
    config: Mapping[str, str] | None = None,
    handlers: Mapping[str, ResourceHandler] | None = None,
) -> Engine:
    """An Engine for one example: kalix config pointing at ``server``, the example's
    project name, and ``config`` given without the project namespace."""
    project = project_name(example)
    return Engine(
        state_path,
        project=project,
        stack="dev",
        config={
            **server.pulumi_config(),
            **{k if ":" in k else f"{project}:{k}": v for k, v in (config or {}).items()},
        },
        secret_keys={"kalix:token"},
        program_dir=EXAMPLES / example,
        # The provider process imports pulumi_kalix from the repo, as an installed package.
        provider_env={"PYTHONPATH": str(REPO)},
        handlers=handlers,
    )


def program(example: str) -> Path:
    return EXAMPLES / example / "__main__.py"


def ops(steps: list[Step]) -> list[tuple[str, str]]:
    """(op, name) of the steps, sorted, without the implicit stack identity's."""
    return sorted((s.op, s.name) for s in kinds(steps))


def op_set(steps: list[Step]) -> set[str]:
    return {s.op for s in kinds(steps)}


@pytest.fixture
def kalix_route53(moto_server: MotoServer) -> Iterator[KalixLocalServer]:
    """A kalix-local of its own per test: its route53 resolver caches the zone list for a
    few seconds, and zone ids change when moto is reset. Rechecks DNS every 0.5 s."""
    with KalixLocalServer(
        rollout_step_seconds=0.05,
        dns_resolver="route53",
        extra_args=["--route53-endpoint", moto_server.url, "--dns-recheck-seconds", "0.5"],
    ) as server:
        yield server
