"""A tiny dynamic provider for testing the engine harness itself.

Items live in the JSON file named by ``$TOY_ITEMS_FILE``; every call the provider receives is
appended as one JSON line to ``$TOY_CALL_LOG``. The class lives in an importable module, so
``__provider`` is pickled by reference (the provider process imports this module).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

ITEMS_ENV, LOG_ENV = "TOY_ITEMS_FILE", "TOY_CALL_LOG"
USER_KEYS = ("name", "value", "parent_id", "fail", "dbr", "delete_sleep", "log_warning_on_delete")
_LOCK = threading.Lock()  # the server runs 4 RPCs at once; items.json is read-modify-written


def _log(method: str, **data: Any) -> None:
    line = json.dumps({"method": method, **data}, default=lambda o: "<unknown>")
    with _LOCK, open(os.environ[LOG_ENV], "a") as f:
        f.write(line + "\n")


def _engine_warning(message: str, urn: str) -> None:
    """Log to the engine, whose address the engine passes as argv[1]. (pulumi.dynamic does not
    connect ``pulumi.log`` to it, so a provider that wants its messages shown does this.)"""
    with grpc.insecure_channel(sys.argv[1]) as channel:
        request = engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn)
        engine_pb2_grpc.EngineStub(channel).Log(request, timeout=10)


def _load() -> dict[str, Any]:
    path = Path(os.environ[ITEMS_ENV])
    return json.loads(path.read_text()) if path.exists() else {"next": 1, "items": {}}


def _save(data: dict[str, Any]) -> None:
    Path(os.environ[ITEMS_ENV]).write_text(json.dumps(data))


def _user(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in USER_KEYS if k in props}


def _sleep(props: dict[str, Any], method: str) -> None:
    """``sleeps={"check": 0.2, ...}``: hold the call that long (to see what overlaps)."""
    time.sleep(float((props.get("sleeps") or {}).get(method) or 0))


def _kept(props: dict[str, Any]) -> dict[str, Any]:
    """What create and update return beyond the user keys (`sleeps`, so Read sees it)."""
    return {"sleeps": props["sleeps"]} if props.get("sleeps") else {}


class ItemProvider(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        # Log which keys arrived and whether the secret came through as plain text, never its value.
        _log("configure", keys=sorted(req.config._props), token_plain=req.config.get("toy:token"))

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        unknown = sorted(k for k, v in news.items() if isinstance(v, Unknown))
        t0 = time.time()
        _sleep(news, "check")
        _log("check", name=news.get("name"), olds=bool(olds), unknown=unknown, t0=t0, t=time.time())
        failures = [CheckFailure("name", "name is required")] if not news.get("name") else []
        if news.get("value") == "bad":
            failures.append(CheckFailure("value", "value must not be 'bad'"))
        return CheckResult(news, failures)

    def diff(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Only user-owned inputs count; Unknown compares unequal, so it shows as a change.
        changed = [k for k in USER_KEYS if k in news or k in olds if olds.get(k) != news.get(k)]
        _log("diff", id=id, changed=changed)
        if news.get("diff_unknown"):  # DIFF_UNKNOWN: the engine compares the inputs itself
            return DiffResult()
        replaces = [k for k in changed if k == "name"]
        return DiffResult(bool(changed), replaces, delete_before_replace=bool(news.get("dbr")))

    def create(self, props: dict[str, Any]) -> CreateResult:
        t0 = time.time()
        _sleep(props, "create")
        _log("create", name=props["name"], t0=t0, t=time.time())
        if props.get("fail") == "create":
            raise RuntimeError("toy create failed: boom")
        with _LOCK:
            data = _load()
            id_ = f"item-{data['next']}"
            data["next"] += 1
            data["items"][id_] = _user(props)
            _save(data)
        return CreateResult(id_, {**_user(props), "item_id": id_, **_kept(props)})

    def update(self, id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _log("update", id=id, name=news["name"])
        if news.get("fail") == "update":
            raise RuntimeError("toy update failed: boom")
        with _LOCK:
            data = _load()
            data["items"][id] = _user(news)
            _save(data)
        return UpdateResult({**_user(news), "item_id": id, **_kept(news)})

    def delete(self, id: str, props: dict[str, Any]) -> None:
        _log("delete", id=id, name=props.get("name"), t=time.time())
        if props.get("fail") == "delete":
            raise RuntimeError("toy delete failed: boom")
        time.sleep(float(props.get("delete_sleep") or 0))
        if props.get("log_warning_on_delete"):  # the URN to put the warning on
            _engine_warning(f"toy: deleting {id}", props["log_warning_on_delete"])
        with _LOCK:
            data = _load()
            data["items"].pop(id, None)
            _save(data)
        _log("deleted", id=id, name=props.get("name"), t=time.time())

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        t0 = time.time()
        _sleep(props, "read")
        _log("read", id=id, name=props.get("name"), t0=t0, t=time.time())
        with _LOCK:
            item = _load()["items"].get(id)
        if item is None:
            return ReadResult("", {})  # gone: the engine drops it from state
        return ReadResult(id, {**item, "item_id": id}, inputs=dict(item))


class Item(Resource, module="toy", name="Item"):
    """``pulumi-python:dynamic/toy:Item``; ``name`` defaults to the resource name."""

    item_id: pulumi.Output[str]
    value: pulumi.Output[Any]

    def __init__(
        self,
        resource_name: str,
        value: pulumi.Input[Any] = None,
        parent_id: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        fail: str | None = None,
        dbr: bool | None = None,
        diff_unknown: bool | None = None,
        delete_sleep: float | None = None,
        log_warning_on_delete: str | None = None,
        sleeps: dict[str, float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "name": resource_name if name is None else name,
            "value": value,
            "parent_id": parent_id,
            "fail": fail,
            "dbr": dbr,
            "diff_unknown": diff_unknown,
            "delete_sleep": delete_sleep,
            "log_warning_on_delete": log_warning_on_delete,
            "sleeps": sleeps,
            "item_id": None,
        }
        super().__init__(ItemProvider(), resource_name, props, opts)


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The call log as a list of dicts (empty if the provider was never called)."""
    p = Path(path)
    return [json.loads(ln) for ln in p.read_text().splitlines()] if p.exists() else []
