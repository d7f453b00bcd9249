"""Providers configured the way the engine configures them, against kalix-local."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_kalix.claims import Claim
from pulumi_kalix.client import ControlPlane
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

P = TypeVar("P")


def configured(cls: type[P], api_host: str, token: str | None, project: str = "default") -> P:
    provider = cls()
    config = {"kalix:apiHost": api_host, "kalix:project": project}
    if token is not None:
        config["kalix:token"] = token
    provider.configure(ConfigureRequest(Config(raw_config=config, project_name="proj")))  # type: ignore[attr-defined]
    return provider


@pytest.fixture
def make(kalix: KalixLocalServer) -> Callable[[type[P]], P]:
    """`make(ServiceProvider)`: a provider configured for the test server."""

    def factory(cls: type[P], token: str | None = None) -> P:
        return configured(cls, kalix.api_host, token if token is not None else kalix.token)

    return factory


@pytest.fixture
def api(kalix: KalixLocalServer) -> ControlPlane:
    """A client to look at (or tamper with) the control plane behind the provider."""
    with control_plane(kalix) as client:
        yield client  # type: ignore[misc]


STACK_ID = "0123456789abcdef"


def owner(name: str, stack: str = STACK_ID) -> str:
    """The claimant a program sends for resource `name` of stack `proj/dev`."""
    urn = f"urn:pulumi:dev::proj::pulumi-python:dynamic/kalix:Service::{name}"
    return Claim(urn=urn, stack=stack).text()


def inputs(provider: Any, news: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, news)
    assert result.failures == [], result.failures
    return dict(result.inputs)
