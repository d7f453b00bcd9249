"""After a credential rotation: `refresh` and `destroy` run no program, so the engine
configures the provider with the stack config stored at the last `up` (the harness
models that: Engine.stored_config)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pulumi_kalix as kalix
from tests.harness import Engine, EngineError
from tests.harness.engine import PROVIDER_CONFIG_KEY
from tests.harness.provider import seal
from tests.lifecycle.conftest import Stack, make_engine

REJECTED = "klx_rotated_away_0000000000000000"


def program() -> None:
    kalix.Secret("creds", data={"password": "hunter2"})


def store_rejected_token(engine: Engine) -> None:
    """As if kalix:token had been revoked after the last `up` stored it."""
    data = json.loads(engine.state_path.read_text())
    stored = seal(data[PROVIDER_CONFIG_KEY], False)
    stored["kalix:token"] = {**stored["kalix:token"], "value": REJECTED}
    data[PROVIDER_CONFIG_KEY] = seal(stored, True)
    engine.state_path.write_text(json.dumps(data))


def test_up_stores_the_config_and_destroy_uses_it(stack: Stack) -> None:
    stack.engine.up(program)
    stored = stack.engine.stored_config()
    assert stored is not None and stored["kalix:token"] == stack.server.token
    assert stack.server.token not in stack.state_text()  # stored as a secret
    store_rejected_token(stack.engine)
    # The current config holds a good token, but destroy does not read it.
    with pytest.raises(EngineError) as err:
        stack.engine.destroy()
    details = err.value.details
    assert "was rejected (401)" in details
    assert "stored at the last `pulumi up`" in details and "AKKA_TOKEN" in details
    assert stack.api.secrets.get_or_none("creds") is not None
    # `pulumi up` stores the current config again; then destroy works.
    stack.engine.up(program)
    stack.engine.destroy()
    assert stack.api.secrets.get_or_none("creds") is None


def test_a_credential_from_the_environment_wins_over_a_rejected_stored_one(
    stack: Stack, tmp_path: Path
) -> None:
    engine = make_engine(stack.server, tmp_path / "s.json")
    engine.up(program)
    store_rejected_token(engine)
    engine.provider_env["AKKA_TOKEN"] = stack.server.token
    engine.refresh()
    engine.destroy()
    assert stack.api.secrets.get_or_none("creds") is None
    warnings = engine.warnings()
    assert len(warnings) == 1 and "kalix:token was rejected (401), so AKKA_TOKEN" in warnings[0]
    assert stack.server.token not in warnings[0]
