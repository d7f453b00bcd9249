"""The watch hub on a real store (in process): a commit's events reach only the streams
of their project, kind and name, in resourceVersion order, and a stream that fell too
far behind is told to catch up from the events table instead of being fed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from kalix_local import watch
from kalix_local.store import Store
from kalix_local.watch import WatchHub

KIND = "KalixService"


def write(store: Store, *events: tuple[str, str, str]) -> None:
    with store.tx() as tx:
        for project, kind, name in events:
            tx.add_event(
                tx.next_rv(), project, kind, name, "MODIFIED", {"metadata": {"name": name}}
            )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "kalix.db")


def test_events_reach_only_their_scope(store: Store) -> None:
    hub = WatchHub(store)

    async def run() -> dict[str, list[int]]:
        with (
            hub.subscribe("p", KIND, "a") as only_a,
            hub.subscribe("p", KIND, None) as every,
            hub.subscribe("q", KIND, None) as other_project,
            hub.subscribe("p", "KalixRoute", None) as other_kind,
        ):
            write(store, ("p", KIND, "b"), ("p", KIND, "a"))
            write(store, ("p", KIND, "a"))
            await asyncio.sleep(0.05)  # the pushes are scheduled on this loop
            subs = {"a": only_a, "all": every, "q": other_project, "route": other_kind}
            assert not other_project.changed.is_set() and not other_kind.changed.is_set()
            return {k: [rv for rv, *_ in s.queue] for k, s in subs.items()}

    seen = asyncio.run(run())
    assert seen["all"] == [1, 2, 3]
    assert seen["a"] == [2, 3]
    assert seen["q"] == [] and seen["route"] == []


def test_a_stream_that_falls_behind_catches_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "_QUEUE_MAX", 3)
    hub = WatchHub(store)

    async def run() -> tuple[bool, int]:
        with hub.subscribe("p", KIND, None) as sub:
            for _ in range(5):
                write(store, ("p", KIND, "a"))
            await asyncio.sleep(0.05)
            return sub.overflowed, len(sub.queue)

    assert asyncio.run(run()) == (True, 0)
    # Unsubscribed streams are forgotten (no scope left behind).
    assert hub._subscribers == {}


def test_with_debug_logging_each_event_s_fan_out_is_timed(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kalix_local.watch")
    hub = WatchHub(store)
    assert hub.timed

    async def run() -> list[int]:
        with hub.subscribe("p", KIND, None) as one, hub.subscribe("p", KIND, "a") as two:
            write(store, ("p", KIND, "a"))
            await asyncio.sleep(0.05)
            rvs = [rv for rv, *_ in one.queue]
            hub.written(rvs)
            assert "written to" not in caplog.text  # one of the two streams wrote it
            hub.written([rv for rv, *_ in two.queue])
            return rvs

    (rv,) = asyncio.run(run())
    assert f"watch event {rv}: written to 2 streams" in caplog.text
    assert hub._timing == {}


def test_without_debug_logging_nothing_is_timed(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kalix_local.watch")
    hub = WatchHub(store)
    assert not hub.timed
    write(store, ("p", KIND, "a"))
    assert hub._timing == {}
