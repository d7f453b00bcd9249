"""Real Pulumi programs through the engine harness against kalix-local."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pulumi_kalix.client import ControlPlane
from tests.harness import Engine, Step
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    engine: Engine
    server: KalixLocalServer
    api: ControlPlane
    state_path: Path

    def state_text(self) -> str:
        return self.state_path.read_text()


def make_engine(
    server: KalixLocalServer,
    state_path: Path,
    config: dict[str, str] | None = None,
    **kwargs: object,
) -> Engine:
    """An Engine for project `shop`, stack `dev`, reaching `server` (plus `config`)."""
    return Engine(
        state_path,
        project="shop",
        stack="dev",
        config={**server.pulumi_config(), **(config or {})},
        secret_keys={"kalix:token"},
        program_dir=REPO,
        provider_env={"PYTHONPATH": str(REPO)},
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def stack(kalix: KalixLocalServer, tmp_path: Path) -> Iterator[Stack]:
    state = tmp_path / "state.json"
    with control_plane(kalix) as api:
        yield Stack(make_engine(kalix, state), kalix, api, state)


#: The implicit resource every kalix program gets (pulumi_kalix.stack_identity).
STACK_IDENTITY_TYPE = "pulumi-python:dynamic/kalix:StackIdentity"


def kinds(steps: list[Step]) -> list[Step]:
    """The steps of the program's own resources (without the stack identity's)."""
    return [s for s in steps if s.type != STACK_IDENTITY_TYPE]


def ops(steps: list[Step]) -> list[tuple[str, str]]:
    """(op, name) of the steps, sorted, without the stack identity's."""
    return sorted((s.op, s.name) for s in steps if s.type != STACK_IDENTITY_TYPE)
