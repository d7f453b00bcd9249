"""Shared fixtures: kalix-local as a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.local_server import KalixLocalServer


@pytest.fixture(scope="session")
def kalix_server() -> Iterator[KalixLocalServer]:
    """One server for the session: 0.05 s rollout steps, static DNS resolver."""
    with KalixLocalServer(rollout_step_seconds=0.05, dns_resolver="static") as server:
        yield server


@pytest.fixture
def kalix(kalix_server: KalixLocalServer) -> KalixLocalServer:
    """The session server, reset to no objects, no hostnames, no faults."""
    kalix_server.reset()
    return kalix_server
