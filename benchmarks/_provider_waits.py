"""The baseline of bench_scale's deploy figures: a service provider that waits for
Ready inside `create`, as most providers do, on one of the dynamic provider's 4 worker
threads (importable by the provider process: bench_scale puts this directory on its
PYTHONPATH)."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult

from pulumi_kalix.provider.service import ServiceProvider


class WaitingServiceProvider(ServiceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        result = super().create(props)
        name = str(props["name"])

        def ready(obj: Any) -> bool:
            return bool(obj is not None and obj.status and obj.status.summary == "Ready")

        self.api(self.project_of(props)).wait_for(name, ready, timeout=600)
        return result
