"""`program_settings()` reads stack config and the environment once per program run (its
event loop) and hands the same settings to every later await of that run; another run
reads them afresh, and a bad setting is reported each time rather than kept."""

from __future__ import annotations

import asyncio

import pytest

from pulumi_kalix._program import program_settings
from pulumi_kalix.errors import ConfigurationError


async def _twice() -> tuple[object, object]:
    return program_settings(), program_settings()


def test_one_read_per_run_and_a_fresh_one_for_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKKA_PROJECT", "first")
    a, b = asyncio.run(_twice())
    assert a is b
    assert getattr(a, "project") == "first"  # noqa: B009 - object-typed on purpose

    monkeypatch.setenv("AKKA_PROJECT", "second")
    c, _ = asyncio.run(_twice())
    assert getattr(c, "project") == "second"  # noqa: B009


def test_outside_a_running_loop_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKKA_PROJECT", "first")
    assert program_settings().project == "first"
    monkeypatch.setenv("AKKA_PROJECT", "second")
    assert program_settings().project == "second"


def test_a_bad_setting_fails_every_await_not_just_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AKKA_PROJECT", "p")
    from pulumi_kalix.config import RETRY

    monkeypatch.setenv(RETRY[1][0], "soon")

    async def both() -> list[str]:
        errors = []
        for _ in range(2):
            with pytest.raises(ConfigurationError) as info:
                program_settings()
            errors.append(str(info.value))
        return errors

    first, second = asyncio.run(both())
    assert first == second and "soon" in first
