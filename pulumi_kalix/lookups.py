"""Lookups: read what the program references but does not manage (data sources).

A dynamic provider cannot serve Pulumi invokes, so these call the platform from the
program process, through the same session (credentials, token cache, region routing)
and the same shared control-plane client the awaits use. Each returns an `Output`:

- while an input is unknown (a preview of a value another resource will produce) no
  call is made and the result is unknown too;
- otherwise the platform is read, also during a preview (reading changes nothing);
- a failure raises a `pulumi.RunError` naming the lookup, never a traceback.

Results are plain dicts and lists (snake_case keys) so they can be exported and passed
on as inputs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
from pulumi import Input, Output

from ._program import program_settings, shared_clients
from .client.session import ProjectInfo, RegionInfo
from .errors import KalixError


class LookupFailedError(KalixError, pulumi.RunError):
    """A lookup could not be answered (the message says which and why)."""


def get_project(project: Input[str] | None = None) -> Output[dict[str, Any]]:
    """The project `project` (friendly name or UUID; default `kalix:project`): `id` (the
    UUID every control-plane path uses), `name`, `organization` and `regions` (see
    :func:`get_regions`). No call while `project` is unknown in a preview."""
    return Output.from_input(project).apply(_project)


def get_regions(project: Input[str] | None = None) -> Output[list[dict[str, Any]]]:
    """The regions of `project`: `name`, `endpoint` (its control plane), `primary`,
    `cname` (the ingress address a custom hostname's CNAME points at) and
    `apps_domain` (of generated hostnames). No call while `project` is unknown."""
    return get_project(project).apply(lambda p: p["regions"])


def get_service(name: Input[str], project: Input[str] | None = None) -> Output[dict[str, Any]]:
    """The service `name` of `project` as the control plane publishes it (`apiVersion`,
    `kind`, `metadata`, `spec`, `status`: the wire form, camelCase), for one a program
    does not manage. Fails when it does not exist. No call while an input is unknown."""
    return Output.all(name, project).apply(lambda args: _service(str(args[0]), args[1]))


def get_hostnames(project: Input[str] | None = None) -> Output[list[dict[str, Any]]]:
    """The hostnames of `project`: `hostname`, `generated`, `global_`,
    `skip_provision_cert`. No call while `project` is unknown."""
    return Output.from_input(project).apply(_hostnames)


# -- the calls --------------------------------------------------------------------------


def _region(region: RegionInfo) -> dict[str, Any]:
    return {
        "name": region.name,
        "endpoint": region.endpoint,
        "primary": region.primary,
        "cname": region.ingress_cname_address,
        "apps_domain": region.apps_domain_name,
    }


async def _resolve(project: str | None, what: str) -> tuple[ProjectInfo, list[RegionInfo]]:
    settings = program_settings()
    try:
        name = project or settings.require_project()
        session = settings.session()
        info = await asyncio.to_thread(session.project, name)
        regions = list(info.regions) or [
            RegionInfo.of(r)
            for r in await asyncio.to_thread(session.federation.list_regions, info.id)
        ]
    except KalixError as exc:
        raise LookupFailedError(f"{what}: {exc}") from None
    return info, regions


async def _project(project: str | None) -> dict[str, Any]:
    info, regions = await _resolve(project, f"get_project({project!r})")
    return {
        "id": info.id,
        "name": info.friendly_name,
        "organization": info.organization,
        "regions": [_region(r) for r in regions],
    }


async def _service(name: str, project: str | None) -> dict[str, Any]:
    what = f"get_service({name!r})"
    info, _ = await _resolve(project, what)
    settings = program_settings()
    clients = shared_clients()
    try:
        client = await clients.acquire(settings, info.id)
        try:
            obj = await client.services.get_or_none(name)
        finally:
            await clients.release(settings, info.id)
    except KalixError as exc:
        raise LookupFailedError(f"{what}: {exc}") from None
    if obj is None:
        raise LookupFailedError(f"{what}: no service {name!r} in project {info.describe()}")
    wire: dict[str, Any] = obj.to_wire()
    return wire


async def _hostnames(project: str | None) -> list[dict[str, Any]]:
    what = f"get_hostnames({project!r})"
    info, _ = await _resolve(project, what)
    session = program_settings().session()
    try:
        hosts = await asyncio.to_thread(session.federation.list_hostnames, info.id)
    except KalixError as exc:
        raise LookupFailedError(f"{what}: {exc}") from None
    return [
        {
            "hostname": h.name,
            "generated": bool(h.is_generated),
            "global_": bool(getattr(h, "global")),
            "skip_provision_cert": bool(h.skip_provision_cert),
        }
        for h in sorted(hosts, key=lambda h: h.name)
    ]
