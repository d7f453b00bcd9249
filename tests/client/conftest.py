from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

import pulumi_kalix.client.control_plane as client_module

from .helpers import FakeClock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock behind `time.monotonic` in the client module (retry and wait budgets)."""
    fake = FakeClock()
    monkeypatch.setattr(client_module, "time", fake)
    return fake


@pytest.fixture
def async_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record `asyncio.sleep` delays of the async client instead of sleeping."""
    slept: list[float] = []
    real_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def fake_sleep(delay: float, result: object = None) -> object:
        slept.append(delay)
        await real_sleep(0)
        return result

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)  # what the client module calls
    return slept
