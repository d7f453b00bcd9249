"""Fixtures of the kalix-local tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.local_server import KalixLocalServer


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[httpx.Client]:
    """A plain HTTP client of the shared kalix-local, with the default project's token."""
    with kalix.client() as client:
        yield client
