"""State every backend shares: the store, the settings and the runtime knobs."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from kalix_local.config import (
    DEFAULT_DNS_RECHECK_SECONDS,
    DEFAULT_ROLLOUT_STEP_SECONDS,
    DEFAULT_STATUS_LAG_SECONDS,
    Settings,
)
from kalix_local.dns import Resolver
from kalix_local.store import Store

#: Runtime knobs the admin API may change (stored, so they survive a restart).
RUNTIME_KEYS = ("rolloutStepSeconds", "dnsRecheckSeconds", "statusLagSeconds", "failImages")


class Core:
    def __init__(self, settings: Settings, store: Store, resolver: Resolver) -> None:
        self.settings = settings
        self.store = store
        self.resolver = resolver
        self.rng = random.Random(settings.seed)
        self._lock = threading.Lock()
        given = {
            "rolloutStepSeconds": settings.rollout_step_seconds,
            "dnsRecheckSeconds": settings.dns_recheck_seconds,
            "statusLagSeconds": settings.status_lag_seconds,
        }
        with store.tx() as tx:
            stored = tx.settings()
            # A value given on the command line replaces the stored one.
            for key, value in given.items():
                if value is not None and key in stored:
                    del stored[key]
                    tx.delete_setting(key)
            self._overrides = {k: v for k, v in stored.items() if k in RUNTIME_KEYS}
        # Set by the background loops so writes can wake them at once.
        self.wake_rollouts: Callable[[], None] = lambda: None
        self.wake_routes: Callable[[], None] = lambda: None
        self.clock: Callable[[], float] = time.time

    def defaults(self) -> dict[str, Any]:
        s = self.settings
        return {
            "rolloutStepSeconds": (
                s.rollout_step_seconds
                if s.rollout_step_seconds is not None
                else DEFAULT_ROLLOUT_STEP_SECONDS
            ),
            "dnsRecheckSeconds": (
                s.dns_recheck_seconds
                if s.dns_recheck_seconds is not None
                else DEFAULT_DNS_RECHECK_SECONDS
            ),
            "statusLagSeconds": (
                s.status_lag_seconds
                if s.status_lag_seconds is not None
                else DEFAULT_STATUS_LAG_SECONDS
            ),
            "failImages": {},
        }

    def runtime(self) -> dict[str, Any]:
        """The effective knobs: what the admin API stored, else the command line, else
        the built-in default."""
        with self._lock:
            return {**self.defaults(), **self._overrides}

    def set_overrides(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._overrides.update(values)

    def clear_overrides(self) -> None:
        with self._lock:
            self._overrides = {}

    @property
    def rollout_step(self) -> float:
        return float(self.runtime()["rolloutStepSeconds"])

    @property
    def status_lag(self) -> float:
        """Seconds between a spec write and the controller's first reaction to it."""
        return float(self.runtime()["statusLagSeconds"])

    @property
    def dns_recheck(self) -> float:
        return float(self.runtime()["dnsRecheckSeconds"])
