"""Engine harness: stands in for the Pulumi engine so lifecycle tests need no CLI."""

from .engine import Engine, EngineMonitor
from .engine_log import EngineLogServer, LogEntry, ProgramLog
from .provider import (
    DIFF_NONE,
    DIFF_SOME,
    DIFF_UNKNOWN,
    UNKNOWN,
    CheckResult,
    DiffResult,
    EngineError,
    ProtectedError,
    ProviderError,
    ProviderProcess,
    ReadResult,
    ResourceHandler,
    Step,
    annotate_secrets,
    is_secret,
    plain,
    secret,
)

__all__ = [
    "DIFF_NONE",
    "DIFF_SOME",
    "DIFF_UNKNOWN",
    "UNKNOWN",
    "CheckResult",
    "DiffResult",
    "Engine",
    "EngineError",
    "EngineLogServer",
    "EngineMonitor",
    "LogEntry",
    "ProgramLog",
    "ProtectedError",
    "ProviderError",
    "ProviderProcess",
    "ReadResult",
    "ResourceHandler",
    "Step",
    "annotate_secrets",
    "is_secret",
    "plain",
    "secret",
]
