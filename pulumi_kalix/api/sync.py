"""`resourceSync`: how an object is synced across the regions of a project (every kind)."""

from __future__ import annotations

from typing import Literal

from ._base import WireModel

#: OAS `ResourceSync.mode`.
RESOURCE_SYNC_MODES: tuple[str, ...] = ("global", "regional")


class ResourceSync(WireModel):
    mode: Literal["global", "regional"] | None = None
