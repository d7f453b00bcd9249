"""The hostname claims ledger: who holds each project hostname, kept in the project.

A hostname lives on the federation plane and carries no annotations, so a stack cannot
mark the ones it holds. Without a mark a stack that created a hostname would delete it
on destroy even after another stack adopted it (`pulumi-kalix import`), and a create
whose state write was lost could not tell its own hostname from someone else's. The
ledger is that mark, kept where annotations exist: one `KalixSecret` per project,
`pulumi-kalix-hostnames` in the project's region, whose annotations say

- ``hostnames.pulumi-kalix.io/<hostname>: <hostname> created|adopted <claim>``: the
  claim (see :mod:`pulumi_kalix.claims`) of the resource that holds the hostname, and
  whether a stack created it or adopted one reserved before. Create and adopt
  write it, delete removes the hostname only while it holds our exact claim, and then
  the entry. A name longer than an annotation key allows is keyed by its digest.
- ``pending.pulumi-kalix.io/<digest of stack and URN>: {claim, before, unanswered,
  since}``: a generated-hostname create in flight. A generated name is known only from
  the answer; when the answer is lost (or the process dies first) the record lets the
  next call of the same resource tell its own late or orphaned name from others: a
  generated name that is not in `before` and that no ledger entry holds.

The secret's data is a constant note (the platform keeps secret data write-only, and a
secret may need a key); everything is in the annotations, written read-modify-write with
the object's `resourceVersion`, so concurrent stacks never lose each other's entries.
Our own assumptions, kept here: the object's name (`LEDGER_NAME`) and how long a pending
create may still be applied late (`PENDING_SECONDS`). A ledger someone deleted is made
again on the next write; entries missing from it fall back to what the state says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from ..api import KalixSecret, ObjectMeta, Preconditions, SecretSpec
from ..claims import HOSTNAME_LEDGER, Claim
from ..client.control_plane import SyncObjects
from ..errors import AlreadyExistsError, ConflictError, NotFoundError

LEDGER_NAME = HOSTNAME_LEDGER
#: On the ledger itself, so `akka secrets list` readers learn what it is.
LEDGER_MARK = "pulumi-kalix.io/ledger"
ENTRY_PREFIX = "hostnames.pulumi-kalix.io/"
PENDING_PREFIX = "pending.pulumi-kalix.io/"
#: How long after an unanswered generated create a new generated name may still be
#: its late result (not published; our assumption). Past it the record is dropped and
#: a stray name is only reported, never deleted.
PENDING_SECONDS = 15 * 60
_NOTE = "pulumi-kalix: who holds each project hostname is in this secret's annotations."
_MAX_KEY_NAME = 63  # an annotation key's name part (after the prefix)


def entry_key(hostname: str) -> str:
    if len(hostname) <= _MAX_KEY_NAME:
        return ENTRY_PREFIX + hostname  # hostnames are valid key names when short enough
    return ENTRY_PREFIX + "sha-" + hashlib.sha256(hostname.encode()).hexdigest()[:40]


def pending_key(claim: Claim) -> str:
    digest = hashlib.sha256(f"{claim.stack} {claim.urn}".encode()).hexdigest()[:40]
    return PENDING_PREFIX + digest


@dataclass(frozen=True)
class Pending:
    """A generated create of one resource whose name was not (surely) learned."""

    claim: Claim
    #: the generated names the project had before the create
    before: frozenset[str]
    #: requests whose answers were lost (each may still add a name)
    unanswered: int
    since: float

    def text(self) -> str:
        return json.dumps(
            {
                "claim": self.claim.text(),
                "before": sorted(self.before),
                "unanswered": self.unanswered,
                "since": self.since,
            },
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, text: str) -> Pending | None:
        try:
            data = json.loads(text)
            claim = Claim.parse(data["claim"])
            before = frozenset(str(n) for n in data["before"])
            unanswered, since = int(data["unanswered"]), float(data["since"])
        except (ValueError, KeyError, TypeError):
            return None
        return cls(claim, before, unanswered, since) if claim else None

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.since > PENDING_SECONDS


@dataclass(frozen=True)
class Entry:
    claim: Claim
    #: reserved before a stack adopted it: destroy leaves it unless asked
    adopted: bool = False

    def text(self, hostname: str) -> str:
        return f"{hostname} {'adopted' if self.adopted else 'created'} {self.claim.text()}"

    @classmethod
    def parse(cls, value: str) -> tuple[str, Entry] | None:
        hostname, _, rest = value.partition(" ")
        how, _, claim_text = rest.partition(" ")
        claim = Claim.parse(claim_text)
        if not hostname or how not in ("created", "adopted") or claim is None:
            return None
        return hostname, cls(claim, how == "adopted")


@dataclass(frozen=True)
class Snapshot:
    """The ledger as read once."""

    entries: dict[str, Entry]
    pending: dict[str, Pending]  # by pending_key

    def holder(self, hostname: str) -> Claim | None:
        entry = self.entries.get(hostname)
        return entry.claim if entry else None

    def held_by_resource(self, asking: Claim) -> list[str]:
        """Names held by this resource of this stack (any instance)."""
        return sorted(n for n, e in self.entries.items() if asking.same_resource(e.claim))

    def pending_of(self, asking: Claim) -> Pending | None:
        return self.pending.get(pending_key(asking))

    def strays(self, pending: Pending, generated: Iterable[str]) -> list[str]:
        """Generated names that appeared since `pending` began and no entry holds."""
        return sorted(n for n in generated if n not in pending.before and n not in self.entries)


def _snapshot(secret: KalixSecret | None) -> Snapshot:
    annotations = (secret.metadata.annotations or {}) if secret else {}
    entries: dict[str, Entry] = {}
    pending: dict[str, Pending] = {}
    for key, value in annotations.items():
        if key.startswith(ENTRY_PREFIX):
            parsed = Entry.parse(value)
            if parsed is not None:
                entries[parsed[0]] = parsed[1]
        elif key.startswith(PENDING_PREFIX):
            record = Pending.parse(value)
            if record is not None:
                pending[key] = record
    return Snapshot(entries, pending)


Edit = Callable[[Snapshot, dict[str, str]], bool]


class HostnameLedger:
    """The ledger of one project, read and written through its control plane."""

    #: One writer at a time per project in this process: the 4 provider threads would
    #: otherwise mostly collide on the one object (other processes are handled by the
    #: resourceVersion check and re-read).
    _locks: ClassVar[dict[str, threading.Lock]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, secrets: SyncObjects[KalixSecret], project_id: str) -> None:
        self._secrets = secrets
        with self._guard:
            self._lock = self._locks.setdefault(project_id, threading.Lock())

    def read(self) -> Snapshot:
        return _snapshot(self._secrets.get_or_none(LEDGER_NAME))

    # -- writes ---------------------------------------------------------------------

    def record(self, hostname: str, entry: Entry, *, unless_held_by_other: bool = False) -> bool:
        """Write `entry` for `hostname`. With `unless_held_by_other`, only when nobody
        else (another resource or stack) holds it; returns whether written."""

        def edit(snap: Snapshot, annotations: dict[str, str]) -> bool:
            now = snap.holder(hostname)
            if unless_held_by_other and now is not None and not entry.claim.same_resource(now):
                return False
            annotations[entry_key(hostname)] = entry.text(hostname)
            return True

        return self._edit(edit)

    def forget(self, hostname: str, claim: Claim) -> bool:
        """Remove `hostname`'s entry while it still holds exactly `claim`."""

        def edit(snap: Snapshot, annotations: dict[str, str]) -> bool:
            if not claim.holds(snap.holder(hostname)):
                return False
            annotations.pop(entry_key(hostname), None)
            return True

        return self._edit(edit, create=False)

    def expect(self, pending: Pending) -> None:
        """Record a generated create about to be sent (or still unanswered)."""

        def edit(_snap: Snapshot, annotations: dict[str, str]) -> bool:
            annotations[pending_key(pending.claim)] = pending.text()
            return True

        self._edit(edit)

    def settle(self, asking: Claim, *, took: str | None = None, answered: int = 1) -> None:
        """`answered` of this resource's unanswered generated creates are accounted
        for (the record goes when none is left; `answered=0` keeps the count); with
        `took`, record that name as held by `asking`, in the same write."""

        def edit(snap: Snapshot, annotations: dict[str, str]) -> bool:
            key = pending_key(asking)
            record = snap.pending.get(key)
            changed = False
            if record is not None:
                left = record.unanswered - answered
                if left > 0 and not record.expired():
                    kept = Pending(record.claim, record.before, left, record.since)
                    changed = annotations.get(key) != kept.text()
                    annotations[key] = kept.text()
                else:
                    changed = annotations.pop(key, None) is not None
            if took is not None:
                annotations[entry_key(took)] = Entry(asking).text(took)
                changed = True
            return changed

        self._edit(edit, create=took is not None)

    #: read-modify-write rounds before giving up on a ledger others keep changing
    attempts: ClassVar[int] = 12

    def _edit(self, edit: Edit, *, create: bool = True) -> bool:
        """Apply `edit` to the annotations, read-modify-write with the object's
        `resourceVersion`: made first when missing and `create`; deleted (only the
        version just read) when nothing is left in it, so a destroyed stack leaves no
        trace. Returns what `edit` returned."""
        with self._lock:
            for attempt in range(self.attempts):
                if attempt:
                    time.sleep(min(0.05 * attempt, 0.5))  # another writer: let it finish
                current = self._secrets.get_or_none(LEDGER_NAME)
                annotations = dict(current.metadata.annotations or {}) if current else {}
                if current is None and not create:
                    return False
                if not edit(_snapshot(current), annotations):
                    return False
                _drop_expired(annotations)
                try:
                    if current is None:
                        annotations.setdefault(LEDGER_MARK, "hostname-claims")
                        self._secrets.create(_ledger(annotations), retry_uncertain=True)
                    elif not any(k.startswith((ENTRY_PREFIX, PENDING_PREFIX)) for k in annotations):
                        meta = current.metadata
                        self._secrets.delete(
                            LEDGER_NAME,
                            preconditions=Preconditions(
                                uid=meta.uid, resource_version=meta.resource_version
                            ),
                        )
                    else:
                        meta = current.metadata.model_copy(update={"annotations": annotations})
                        # Secret data is write-only: send the note again rather than rely
                        # on a PUT without data keeping it.
                        self._secrets.replace(
                            current.model_copy(update={"metadata": meta, "spec": _spec()})
                        )
                except (AlreadyExistsError, ConflictError, NotFoundError):
                    continue  # made, changed or deleted since our read: read again
                return True
        raise ConflictError(
            f"the hostname claims ledger {LEDGER_NAME!r} kept changing while being written; "
            "run the command again",
            status_code=409,
        )


def _drop_expired(annotations: dict[str, str]) -> None:
    """Housekeeping on every write: pending records past `PENDING_SECONDS` prove nothing."""
    now = time.time()
    for key in [k for k in annotations if k.startswith(PENDING_PREFIX)]:
        record = Pending.parse(annotations[key])
        if record is None or record.expired(now):
            del annotations[key]


def _spec() -> SecretSpec:
    return SecretSpec(type="generic", data={"about": base64.b64encode(_NOTE.encode()).decode()})


def _ledger(annotations: dict[str, str]) -> KalixSecret:
    return KalixSecret(metadata=ObjectMeta(name=LEDGER_NAME, annotations=annotations), spec=_spec())
