"""ServiceProvider against kalix-local on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from pulumi_kalix.client import ControlPlane
from pulumi_kalix.provider._base import ProviderError
from pulumi_kalix.provider.service import ServiceProvider
from tests.provider.conftest import configured, inputs, owner
from tests.support.local_server import KalixLocalServer


def cart(**extra: Any) -> dict[str, Any]:
    return {
        "name": "cart",
        "image": "registry.example/cart:1.2",
        "min_instances": 2,
        "env": {"MODE": "prod"},
        "secret_env": {"DB_PASSWORD": "db-creds/password"},
        "labels": {"team": "shop"},
        "paused": False,
        "__claim": owner("cart"),
        **extra,
    }


@pytest.fixture
def provider(make: Callable[..., ServiceProvider]) -> ServiceProvider:
    return make(ServiceProvider)


def test_create_returns_once_accepted_with_every_input_as_output(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    props = inputs(provider, cart())
    result = provider.create(props)
    assert result.id == "default/cart"
    # No waiting in the provider: the controller has not even looked yet.
    assert result.outs["status"] == "Pending"
    assert result.outs["last_write"]["rollout"] is True
    assert result.outs["generation"] == 1
    for key in ("name", "image", "env", "secret_env", "min_instances", "labels"):
        assert result.outs[key] == props[key]
    live = api.services.get("cart")
    claim = Claim.parse((live.metadata.annotations or {})[CLAIM_ANNOTATION])
    assert claim is not None and claim.instance  # each create makes its own instance
    assert claim.text() == result.outs["__claim"]
    assert claim.same_resource(Claim.parse(owner("cart")))
    env = {e.name: e for e in live.spec.containers[0].env or []}
    assert env["MODE"].value == "prod"
    ref = env["DB_PASSWORD"].value_from
    assert ref is not None
    assert (ref.secret_key_ref.name, ref.secret_key_ref.key) == ("db-creds", "password")


def test_create_again_takes_our_own_object_over_with_a_restart(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    props = inputs(provider, cart(secret_env=None))
    first = provider.create(props)
    # The same resource again: a `--replace`, or a create whose state write was lost.
    second = provider.create(props)
    assert second.outs["uid"] == first.outs["uid"]
    assert len(api.services.list()) == 1
    assert second.outs["__claim"] != first.outs["__claim"]  # the new entry's claim
    live = api.services.get("cart")
    assert (live.metadata.annotations or {})[CLAIM_ANNOTATION] == second.outs["__claim"]
    assert live.spec.restart_requested is not None  # a replacement restarts, rolling
    assert second.outs["last_write"]["expect"] == {
        "lastAppliedRestartTime": live.spec.restart_requested
    }


def test_create_refuses_a_foreign_object_and_names_adopt(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    # Another stack with the same project and stack names: same URN, other identity.
    twin = owner("cart", stack="fedcba9876543210")
    provider.create(inputs(provider, cart(secret_env=None, __claim=twin)))
    with pytest.raises(ProviderError) as err:
        provider.create(inputs(provider, cart(secret_env=None)))
    assert "already exists in project 'default'" in str(err.value)
    assert "identity fedcba9876543210" in str(err.value)
    assert "adopt=True" in str(err.value)
    adopted = provider.create(inputs(provider, cart(secret_env=None, adopt=True)))
    assert adopted.outs["uid"] == api.services.get("cart").metadata.uid
    marks = api.services.get("cart").metadata.annotations or {}
    assert marks[CLAIM_ANNOTATION] == adopted.outs["__claim"]


def test_update_returns_every_output_and_bumps_generation_only_on_spec_change(
    provider: ServiceProvider,
) -> None:
    props = inputs(provider, cart(secret_env=None))
    created = provider.create(props)
    same = provider.update(created.id, created.outs, props)
    assert same.outs["generation"] == 1
    changed = provider.update(created.id, created.outs, {**props, "image": "x/cart:2"})
    assert changed.outs["generation"] == 2
    assert changed.outs["image"] == "x/cart:2"
    assert changed.outs["last_write"]["rollout"] is True
    assert same.outs["last_write"]["rollout"] is False
    assert set(changed.outs) >= set(created.outs)


def test_read_reports_drift_and_404_as_gone(provider: ServiceProvider, api: ControlPlane) -> None:
    created = provider.create(inputs(provider, cart(secret_env=None)))
    api.services.patch("cart", {"spec": {"containers": [{"name": "main", "image": "hand/edit:9"}]}})
    read = provider.read(created.id, created.outs)
    assert read.outs["image"] == "hand/edit:9"
    assert read.inputs is not None and read.inputs["image"] == "hand/edit:9"
    api.services.delete("cart", hard="true")
    gone = provider.read(created.id, created.outs)
    assert (gone.id, gone.outs) == ("", {})


def test_delete_waits_until_the_name_is_free_and_treats_404_as_done(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    props = inputs(provider, cart(secret_env=None))
    created = provider.create(props)
    provider.delete(created.id, created.outs)
    assert api.services.get_or_none("cart") is None
    provider.delete(created.id, created.outs)  # already gone: fine
    again = provider.create(props)
    assert again.outs["uid"] != created.outs["uid"]


def test_unreachable_endpoint_says_which_key_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALIX_RETRY_SECONDS", "1")  # the unreachable case: a short outage budget
    provider = configured(ServiceProvider, "http://127.0.0.1:9", "t")
    from pulumi_kalix.client.control_plane import NO_RETRIES

    provider.session().federation.retry = NO_RETRIES
    with pytest.raises(ProviderError) as err:
        provider.create(inputs(provider, cart(secret_env=None)))
    assert "could not reach the Akka platform at http://127.0.0.1:9" in str(err.value)
    assert "kalix:apiHost" in str(err.value)


def test_missing_token_names_the_config_key(kalix: KalixLocalServer) -> None:
    provider = configured(ServiceProvider, kalix.url, None)
    with pytest.raises(Exception) as err:
        provider.create(inputs(provider, cart(secret_env=None)))
    assert "kalix:token" in str(err.value)


def test_token_of_another_project_is_forbidden(kalix: KalixLocalServer) -> None:
    other = kalix.new_project("p2")
    provider = configured(ServiceProvider, kalix.api_host, other)
    with pytest.raises(ProviderError) as err:
        provider.create(inputs(provider, cart(secret_env=None)))
    assert "no project named 'default' is visible to this credential (kalix:token)" in str(
        err.value
    )
    assert "it sees: 'p2'" in str(err.value)


def test_faults_during_create_are_absorbed_without_duplicates(
    provider: ServiceProvider, api: ControlPlane, kalix: KalixLocalServer
) -> None:
    kalix.admin(
        "POST",
        "/faults",
        {"mode": "status", "status": 429, "retryAfter": 1, "rate": 1.0, "count": 2},
    )
    kalix.admin(
        "POST",
        "/faults",
        {"mode": "drop-after", "rate": 1.0, "count": 1, "methods": ["POST"]},
    )
    started = time.monotonic()
    result = provider.create(inputs(provider, cart(secret_env=None)))
    assert time.monotonic() - started < 30
    assert result.outs["generation"] == 1
    assert [s.metadata.name for s in api.services.list()] == ["cart"]
    injected = sum(rule["injected"] for rule in kalix.admin("GET", "/faults")["faults"])
    assert injected == 3


def test_descriptor_fields_round_trip_without_a_diff(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    props = inputs(
        provider,
        cart(
            secret_env=None,
            cpu_usage_threshold=70.0,  # protobuf sends numbers as floats
            volume_mounts=[{"mount_path": "/etc/certs", "secret": "certs", "default_mode": 420.0}],
            jwt_keys=[{"key_id": "k1", "algorithm": "HS256", "secret": "jwt-secret"}],
            tracing=True,
        ),
    )
    created = provider.create(props)
    live = api.services.get("cart")
    assert live.spec.jwt is not None and live.spec.jwt.keys is not None
    assert live.spec.jwt.keys[0].key_id == "k1"
    mounts = live.spec.containers[0].volume_mounts or []
    assert mounts[0].secret is not None and mounts[0].secret.default_mode == 420
    assert live.spec.telemetry is not None and live.spec.telemetry.tracing is not None
    read = provider.read(created.id, created.outs)
    assert read.inputs is not None
    assert provider.diff(created.id, read.outs, props).changes is False
    cleared = provider.update(created.id, created.outs, {**props, "jwt_keys": None})
    assert cleared.outs["generation"] == 2
    assert api.services.get("cart").spec.jwt is None


def test_descriptor_fields_are_checked(provider: ServiceProvider) -> None:
    result = provider.check(
        {},
        cart(
            cpu_usage_threshold=0,
            volume_mounts=[{"mount_path": "etc:x", "secret": "certs", "mode": 1}],
            jwt_keys=[{"key_id": "k", "algorithm": "HS999", "secret": "s"}],
        ),
    )
    found = {f.property: f.reason for f in result.failures}
    assert "must be 1..100, got 0" in found["cpu_usage_threshold"]
    assert "unknown keys ['mode']" in found["volume_mounts[0]"]
    assert "absolute path" in found["volume_mounts[0].mount_path"]
    assert "'HS999' is not supported" in found["jwt_keys[0].algorithm"]


def test_a_wrong_credential_fails_the_first_check_in_one_line(kalix: KalixLocalServer) -> None:
    provider = configured(ServiceProvider, kalix.api_host, "klx_not-a-token")
    with pytest.raises(ProviderError) as err:
        provider.check({}, cart(secret_env=None))
    message = str(err.value)
    assert message.startswith("checking the Akka credential and project 'default' failed: ")
    assert "rejected (401)" in message and "\n" not in message
    with pytest.raises(ProviderError):  # decided once per process, asked again: same answer
        provider.check({}, cart(secret_env=None))


class _ClaimedMeanwhile:
    """The provider's collection, with another writer claiming the object right after
    the provider read it: the race delete's preconditions are there for."""

    def __init__(self, objects: Any, thief: ControlPlane, claim: str) -> None:
        self._objects, self._thief, self._claim = objects, thief, claim
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._objects, name)

    def get_or_none(self, name: str) -> Any:
        found = self._objects.get_or_none(name)
        self.reads += 1
        if self.reads == 1:

            def steal(svc: Any) -> Any:
                svc.metadata.annotations = {CLAIM_ANNOTATION: self._claim}
                return svc

            self._thief.services.update(name, steal)
        return found


def test_delete_checks_the_claim_of_the_version_it_deletes(
    provider: ServiceProvider, api: ControlPlane, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = provider.create(inputs(provider, cart(secret_env=None)))
    other = Claim.parse(owner("cart", stack="fedcba9876543210"))
    assert other is not None
    racing = _ClaimedMeanwhile(provider.api("default"), api, other.with_new_instance().text())
    monkeypatch.setattr(provider, "api", lambda project: racing)
    warnings: list[str] = []
    monkeypatch.setattr(provider, "warn", lambda props, message: warnings.append(message))
    provider.delete(created.id, created.outs)
    assert racing.reads == 2  # the delete was refused (409), so it looked again
    assert api.services.get_or_none("cart") is not None  # and left the other stack's object
    assert len(warnings) == 1 and "identity fedcba9876543210" in warnings[0]


def test_an_entry_from_before_claims_still_updates_and_deletes_its_object(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    from pulumi_kalix.claims import LEGACY_OWNER_ANNOTATION

    created = provider.create(inputs(provider, cart(secret_env=None)))

    def old_mark(svc: Any) -> Any:
        svc.metadata.annotations = {LEGACY_OWNER_ANNOTATION: "proj/dev/cart"}
        return svc

    api.services.update("cart", old_mark)
    legacy_outs = {k: v for k, v in created.outs.items() if k != "__claim"}
    legacy_outs["__owner"] = "proj/dev/cart"
    updated = provider.update(created.id, legacy_outs, inputs(provider, cart(secret_env=None)))
    marks = api.services.get("cart").metadata.annotations or {}
    assert LEGACY_OWNER_ANNOTATION not in marks  # migrated to a claim
    assert marks[CLAIM_ANNOTATION] == updated.outs["__claim"]
    provider.delete(created.id, updated.outs)
    assert api.services.get_or_none("cart") is None


def test_every_spec_field_is_applied_read_back_and_kept_when_unset(
    provider: ServiceProvider, api: ControlPlane
) -> None:
    from tests.provider.test_check_diff import EVERY_SPEC_FIELD

    props = inputs(provider, cart(secret_env=None, **EVERY_SPEC_FIELD))
    created = provider.create(props)
    live = api.services.get("cart")
    spec = live.spec
    assert spec.resources is not None and spec.resources.runtime is not None
    assert spec.resources.runtime.mode == "embedded"
    assert spec.replication is not None and spec.replication.replicated_read is not None
    assert spec.replication.replicated_read.primary_selection_mode == "pinned-region"
    assert spec.labels == {"team": "commerce"} and live.metadata.labels == {"team": "shop"}
    assert spec.telemetry is not None and spec.telemetry.resource_attributes == ["team"]
    assert spec.service_config is not None and spec.service_config.name == "cart-config"
    assert spec.resource_sync is not None and spec.resource_sync.mode == "global"
    kinds = [
        (m.secret is not None, m.external_secret is not None, m.workload_identity_token is not None)
        for m in spec.containers[0].volume_mounts or []
    ]
    assert kinds == [(True, False, False), (False, True, False), (False, False, True)]
    # Read back as the same inputs: no diff, no drift.
    read = provider.read(created.id, created.outs)
    assert read.inputs is not None
    for key, value in EVERY_SPEC_FIELD.items():
        assert read.outs[key] == value, key
    assert provider.diff(created.id, read.outs, props).changes is False
    # A program that does not name them leaves them as they are.
    plain = inputs(provider, cart(secret_env=None, volume_mounts=props["volume_mounts"]))
    assert provider.diff(created.id, read.outs, plain).changes is False
    provider.update(created.id, created.outs, {**plain, "image": "registry.example/cart:1.3"})
    after = api.services.get("cart").spec
    assert after.image == "registry.example/cart:1.3"
    assert after.model_copy(update={"containers": spec.containers}) == spec
