"""What every federation-plane call shares: the caller's token, domain errors as gRPC
status codes, and one log line per call (method, code, milliseconds; never metadata)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kalix_local.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    KalixError,
    NotFound,
    TooLarge,
    Unauthorized,
)
from kalix_local.federation.faults import GrpcFaults
from pulumi_kalix._proto.rpc import Method

log = logging.getLogger("kalix_local.federation")

_CODES: tuple[tuple[type[KalixError], grpc.StatusCode], ...] = (
    (Unauthorized, grpc.StatusCode.UNAUTHENTICATED),
    (Forbidden, grpc.StatusCode.PERMISSION_DENIED),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    # A hostname still used by a route, or no free generated name: the state, not the
    # request, is what is wrong.
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (Invalid, grpc.StatusCode.INVALID_ARGUMENT),
    (BadRequest, grpc.StatusCode.INVALID_ARGUMENT),
    (TooLarge, grpc.StatusCode.RESOURCE_EXHAUSTED),
)


def status_code(exc: KalixError) -> grpc.StatusCode:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.INTERNAL


def authorization(context: Any) -> str | None:
    """The call's ``authorization`` metadata (gRPC lower-cases metadata keys)."""
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return str(value)
    return None


def timestamp(seconds: float) -> Timestamp:
    whole = int(seconds)
    return Timestamp(seconds=whole, nanos=int((seconds - whole) * 1e9))


class _Answered:
    """The context a late call runs with: its call was answered long ago, so only what
    the behaviours read (the metadata) is kept; an abort is raised to the caller."""

    def __init__(self, context: Any) -> None:
        self._metadata = tuple(context.invocation_metadata() or ())

    def invocation_metadata(self) -> tuple[Any, ...]:
        return self._metadata

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise _LateAbort(code, details)


class _LateAbort(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code


def _carry_out(
    method: Method[Any, Any], behaviour: Callable[[Any, Any], Any], request: Any, context: Any
) -> Callable[[], None]:
    """The late half of a `late` fault: the same behaviour on the same request, logged
    like a call (``grpc late <path> <code>``); its answer goes nowhere."""

    def run() -> None:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            behaviour(request, context)
        except KalixError as exc:
            code = status_code(exc)
        except _LateAbort as exc:
            code = exc.code
        except Exception:
            code = grpc.StatusCode.INTERNAL
            log.exception("unhandled error in late %s", method.path)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("grpc late %s %s %.1fms", method.path, code.name, elapsed)

    return run


def serve_call(
    method: Method[Any, Any], behaviour: Callable[[Any, Any], Any], faults: GrpcFaults | None
) -> Any:
    """``behaviour`` with its domain errors turned into status codes, injected faults
    applied, and logged."""

    def call(request: Any, context: Any) -> Any:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        fault = faults.take(method.name) if faults is not None else None
        mode = fault.mode if fault is not None else None
        if fault is not None:
            code = grpc.StatusCode.UNAVAILABLE
        try:
            if mode == "unavailable":
                return None  # aborted below, before anything happened
            if mode == "late":
                assert faults is not None and fault is not None
                work = _carry_out(method, behaviour, request, _Answered(context))
                if not faults.carry_out_later(fault, work):
                    log.warning("late %s not scheduled (stopping, or too many)", method.path)
                return None  # aborted below; the call runs later
            return behaviour(request, context)
        except KalixError as exc:
            code = status_code(exc)
            context.abort(code, exc.message)
        except Exception as exc:
            # Behaviours raise domain errors only; anything else is a bug.
            code = grpc.StatusCode.INTERNAL
            log.exception("unhandled error in %s", method.path)
            context.abort(code, f"internal error: {type(exc).__name__}")
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("grpc %s %s %.1fms", method.path, code.name, elapsed)
            if fault is not None and code == grpc.StatusCode.UNAVAILABLE:
                # Refused before acting, acted and "lost" the answer (lost-answer), or
                # answered before acting (late).
                context.abort(code, f"injected fault: {mode}")

    return call
