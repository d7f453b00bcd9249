"""Watch stream events: one JSON object per line."""

from __future__ import annotations

from typing import Any, Literal

from ._base import WireModel

WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]


class WatchEvent(WireModel):
    type: WatchEventType
    object: dict[str, Any]
