"""Page tokens and sizes of the federation plane's list calls."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from kalix_local.errors import BadRequest

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

T = TypeVar("T")


def page_size(value: int) -> int:
    if value < 0:
        raise BadRequest(f"page_size must not be negative (got {value})")
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_cursor(key: Sequence[str]) -> str:
    # Opaque to clients; a cursor (not an offset) so an item created while a client
    # pages neither repeats nor hides one.
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode("ascii")


def decode_cursor(token: str) -> tuple[str, ...] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        if not isinstance(key, list):
            raise ValueError(key)
        return tuple(str(k) for k in key)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        raise BadRequest("page_token is not valid: pass a next_page_token as it came") from None


def page(
    items: Sequence[T], key: Callable[[T], tuple[str, ...]], size: int, token: str
) -> tuple[list[T], str]:
    """One page of `items` (sorted by `key`) after the cursor `token`, and the next token."""
    after = decode_cursor(token)
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [i for i in ordered if key(i) > after]
    chosen = ordered[: page_size(size)]
    more = len(ordered) > len(chosen)
    return chosen, encode_cursor(key(chosen[-1])) if more and chosen else ""
