"""Program-side helpers shared by the resource classes: ownership marks, settings,
and the asynchronous awaits that run in the program process.

Awaiting here rather than in the provider keeps the provider's 4 worker threads free
(each call returns as soon as the control plane accepted it) and lets every rollout
of a stack proceed at once on the program's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pulumi

from .client import AsyncControlPlane
from .config import Settings, unreachable_hint
from .errors import (
    APIConnectionError,
    ConfigurationError,
    KalixError,
    ResourceFailedError,
    WaitTimeoutError,
)

T = TypeVar("T")


def claim_input(
    resource: type[Any], resource_name: str, opts: pulumi.ResourceOptions | None
) -> pulumi.Output[str]:
    """The hidden `__claim` input of a dynamic resource class: who asks to hold the
    object (this stack's identity and the resource's URN; see :mod:`.claims`)."""
    from .stack_identity import claimant

    return claimant(resource_name, f"pulumi-python:{resource._resource_type_name}", opts)


def program_settings() -> Settings:
    config = pulumi.Config("kalix")
    return Settings.load(lambda key: config.get(key.split(":", 1)[1]))


class AwaitError(KalixError):
    """A resource was applied but did not reach the awaited state."""


async def await_state(
    *,
    kind: str,
    name: str,
    project: str,
    timeout: float,
    run: Callable[[AsyncControlPlane], Awaitable[T]],
    describe: Callable[[Any], str],
) -> T:
    """Run one await with a client for `project`, turning failures into one clear error."""
    settings = program_settings()
    try:
        session = settings.session()
        # Resolving the project may call the federation plane: off the event loop.
        client = await asyncio.to_thread(session.async_control_plane, project)
    except ConfigurationError as exc:
        raise AwaitError(f"waiting for {kind} {name!r}: {exc}") from None
    except APIConnectionError:
        raise AwaitError(
            f"waiting for {kind} {name!r}: {unreachable_hint(settings.api_host)}"
        ) from None
    try:
        return await run(client)
    except WaitTimeoutError as exc:
        raise AwaitError(
            f"{kind} {name!r} in project {project!r} did not become ready within {timeout:g}s: "
            f"{describe(exc.last)}"
        ) from None
    except ResourceFailedError as exc:
        raise AwaitError(
            f"{kind} {name!r} in project {project!r} failed: {exc}; {describe(exc.last)}"
        ) from None
    except APIConnectionError as exc:
        raise AwaitError(
            f"waiting for {kind} {name!r}: {unreachable_hint(exc.url or settings.api_host)}"
        ) from None
    finally:
        await client.aclose()


def progress_logger(resource: pulumi.Resource) -> Callable[[str], None]:
    """Ephemeral progress on the resource's row, each distinct message once."""
    last: list[str] = []

    def log(message: str) -> None:
        if last and last[-1] == message:
            return
        last.append(message)
        pulumi.log.info(message, resource=resource, ephemeral=True)

    return log
