"""Property keys the resource classes need at import time, in a module that imports
nothing: `from pulumi_kalix import Service` must not load the wire models or httpx."""

from __future__ import annotations

#: Hidden input (the claimant) and output (the full claim); see :mod:`.claims`.
CLAIM_KEY = "__claim"
#: Output: the :class:`~pulumi_kalix.awaiting.WriteMark` of the last create or update.
LAST_WRITE_KEY = "last_write"
