"""No secret value, nor anything derived from one, in state, logs or what `preview
--diff` shows: after `up`, `refresh`, a failed check and `destroy`. Derivatives are
what an attacker could test guesses against offline: the base64 the platform gets, our
change detector's digest, an HTTP basic password's hash."""

from __future__ import annotations

import base64
import hashlib

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.provider.secret import data_digest
from tests.harness import EngineError
from tests.harness.display import render
from tests.lifecycle.conftest import Stack

PASSWORD = "hunter2-very-secret"
BASIC = "open-sesame-basic"


def derivatives() -> dict[str, str]:
    basic_hash = base64.b64encode(hashlib.sha256(BASIC.encode()).digest()).decode()
    return {
        "value": PASSWORD,
        "base64": base64.b64encode(PASSWORD.encode()).decode(),
        "digest": data_digest("creds", {"password": base64.b64encode(PASSWORD.encode()).decode()}),
        "digest of plain": data_digest("creds", {"password": PASSWORD}),
        "basic password": BASIC,
        "basic hash": basic_hash,
    }


def program(invalid: bool = False) -> None:
    kalix.Secret("creds", data={"password": pulumi.Output.secret(PASSWORD)})
    svc = kalix.Service(
        "cart",
        image="registry.example/cart:1.0",
        secret_env={"PW": "creds/password"},
        min_instances=-1 if invalid else 1,  # invalid: a check failure on the same run
    )
    kalix.Route(
        "shop",
        hostname=kalix.Hostname("shop").hostname,
        paths={"/": svc.name},
        http_basic=kalix.HttpBasic("shop", {"admin": pulumi.Output.secret(BASIC)}),
    )


def leaks(stack: Stack, where: str) -> list[str]:
    texts = {
        "state": stack.state_text(),
        "logs": "\n".join(e.message for e in stack.engine.logs),
        "diff": render(stack.engine.steps, stack.engine.inputs_diffed),
    }
    provider = stack.engine.last_provider
    if provider is not None:
        texts["provider stderr"] = provider.stderr_text
    return [
        f"{where}: {kind} of a secret in {place}"
        for kind, value in derivatives().items()
        for place, text in texts.items()
        if value in text
    ]


def test_no_secret_or_derivative_after_up_refresh_failed_check_and_destroy(
    stack: Stack,
) -> None:
    found: list[str] = []
    stack.engine.up(program)
    found += leaks(stack, "up")
    stack.engine.preview(program)
    found += leaks(stack, "preview")
    stack.engine.refresh()
    found += leaks(stack, "refresh")
    with pytest.raises(EngineError, match="min_instances"):
        stack.engine.up(lambda: program(invalid=True))
    found += leaks(stack, "failed check")
    stack.engine.destroy()
    found += leaks(stack, "destroy")
    assert found == []
