"""The client of the Akka platform: the control plane (REST, per region) today, and the
federation plane (gRPC: tokens, projects, regions, hostnames) beside it.

- :mod:`.control_plane`: `ControlPlane` / `AsyncControlPlane`, typed httpx clients of
  one project's Kubernetes-style collections (services, routes, secrets).

Errors of every part come from one tree, :mod:`pulumi_kalix.errors`. Nothing here
imports `pulumi`.
"""

from .control_plane import (
    DEFAULT_API_URL,
    DEFAULT_POLL,
    DEFAULT_TIMEOUT,
    NO_RETRIES,
    AsyncControlPlane,
    AsyncObjects,
    Call,
    ControlPlane,
    PollPolicy,
    RetryPolicy,
    SyncObjects,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_POLL",
    "DEFAULT_TIMEOUT",
    "NO_RETRIES",
    "AsyncControlPlane",
    "AsyncObjects",
    "Call",
    "ControlPlane",
    "PollPolicy",
    "RetryPolicy",
    "SyncObjects",
]
