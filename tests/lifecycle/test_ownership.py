"""Ownership through the lifecycle: nothing deleted that is not ours, nothing duplicated.

Each scenario ends by asserting the live objects on kalix-local and the state: exactly
the objects the state says it holds, each carrying the claim the state records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_kalix as kalix
from pulumi_kalix.claims import CLAIM_ANNOTATION, Claim
from pulumi_kalix.provider.hostname_ledger import HostnameLedger, Pending
from tests.harness import Engine, EngineError
from tests.lifecycle.conftest import Stack, make_engine, ops

IMAGE = "registry.example/cart:1.0"


def service(resource: str = "cart", **kw: Any) -> Callable[[], None]:
    def program() -> None:
        kw.setdefault("name", "cart")
        svc = kalix.Service(resource, image=kw.pop("image", IMAGE), **kw)
        pulumi.export("status", svc.status)

    return program


def generated() -> None:
    """A program with one generated hostname, exported as `host`."""
    pulumi.export("host", kalix.Hostname("gen").hostname)


def claim_on(stack: Stack, name: str = "cart") -> Claim | None:
    live = stack.api.services.get(name)
    return Claim.parse((live.metadata.annotations or {}).get(CLAIM_ANNOTATION))


def state_claim(engine: Engine, resource: str) -> Claim | None:
    return Claim.parse(engine.outputs(resource)["__claim"])


def ledger_holder(stack: Stack, hostname: str) -> Claim | None:
    """Who the hostname claims ledger in the project says holds `hostname`."""
    return HostnameLedger(stack.api.secrets, "-").read().holder(hostname)


def messages(engine: Engine, resource: str, severity: str) -> list[str]:
    return [e.message for e in engine.logs if e.severity == severity and e.urn.endswith(resource)]


def test_replace_of_a_service_keeps_one_object_held_by_the_new_entry_and_restarts_it(
    stack: Stack,
) -> None:
    stack.engine.up(service())
    uid = stack.api.services.get("cart").metadata.uid
    before = state_claim(stack.engine, "cart")
    steps = stack.engine.up(service(), replace=["cart"])
    assert ops(steps) == [("delete-replaced", "cart"), ("replace", "cart")]
    live = stack.api.services.get("cart")
    assert live.metadata.uid == uid  # the same object: its data survives
    after = state_claim(stack.engine, "cart")
    assert after is not None and before is not None
    assert after.same_resource(before) and after.instance != before.instance
    assert claim_on(stack) == after
    # What a replacement of a service means: a rolling restart, awaited by the program.
    assert live.spec.restart_requested is not None
    assert live.status is not None and live.status.last_applied_restart_time == (
        live.spec.restart_requested
    )
    assert stack.engine.stack_outputs["status"] == "Ready"
    assert any(
        "its replacement in this stack now holds it" in m
        for m in messages(stack.engine, "cart", "info")
    )
    assert ops(stack.engine.up(service())) == [("same", "cart")]  # the restart is no drift


def test_a_tainted_service_is_replaced_the_same_way(stack: Stack) -> None:
    stack.engine.up(service())
    stack.engine.taint("cart")
    steps = stack.engine.up(service())
    assert ops(steps) == [("delete-replaced", "cart"), ("replace", "cart")]
    assert [s.metadata.name for s in stack.api.services.list()] == ["cart"]
    assert claim_on(stack) == state_claim(stack.engine, "cart")


def test_replace_of_a_route_and_its_fixed_hostname_keeps_both(stack: Stack) -> None:
    def program() -> None:
        svc = kalix.Service("cart", image=IMAGE, wait=False)
        host = kalix.Hostname("shop", hostname="shop.example.com")
        kalix.Route("shop", hostname=host.hostname, paths={"/": svc.name})

    stack.engine.up(program)
    route_uid = stack.api.routes.get("shop").metadata.uid
    both = [u for u in stack.engine.load() if u.endswith("::shop")]  # Route and Hostname
    assert len(both) == 2
    steps = stack.engine.up(program, replace=both)
    assert sorted(s.op for s in steps if s.name == "shop") == [
        "delete-replaced",
        "delete-replaced",
        "replace",
        "replace",
    ]
    assert [h.name for h in stack.api.hostnames.list()] == ["shop.example.com"]
    route = stack.api.routes.get("shop")
    assert route.metadata.uid == route_uid
    annotations = route.metadata.annotations or {}
    route_urn = next(u for u in stack.engine.load() if u.endswith("kalix:Route::shop"))
    assert Claim.parse(annotations[CLAIM_ANNOTATION]) == Claim.parse(
        stack.engine.load()[route_urn]["outputs"]["__claim"]
    )
    assert stack.engine.pending_deletes() == []
    stack.engine.destroy()
    assert stack.api.hostnames.list() == [] and stack.api.routes.list() == []


def test_replace_of_a_generated_hostname_keeps_its_name_held_by_the_new_entry(
    stack: Stack,
) -> None:
    stack.engine.up(generated)
    first = stack.engine.stack_outputs["host"]
    old_claim = state_claim(stack.engine, "gen")
    # Create cannot tell a replacement from a retry after a lost state write: both take
    # back the name the ledger says this resource holds (a rename gets a new one).
    assert ops(stack.engine.up(generated, replace=["gen"])) == [
        ("delete-replaced", "gen"),
        ("replace", "gen"),
    ]
    assert stack.engine.stack_outputs["host"] == first
    assert [h.name for h in stack.api.hostnames.list()] == [first]
    new_claim = state_claim(stack.engine, "gen")
    assert new_claim != old_claim and ledger_holder(stack, first) == new_claim
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []
    assert ledger_holder(stack, first) is None


def test_rename_with_adopt_takes_the_object_and_the_old_entry_leaves_it(stack: Stack) -> None:
    stack.engine.up(service("cart"))
    uid = stack.api.services.get("cart").metadata.uid
    steps = stack.engine.up(service("checkout", adopt=True))
    assert ops(steps) == [("create", "checkout"), ("delete", "cart")]
    live = stack.api.services.get("cart")
    assert live.metadata.uid == uid
    holder = claim_on(stack)
    assert holder == state_claim(stack.engine, "checkout")
    assert holder is not None and holder.urn.endswith("::checkout")
    warnings = messages(stack.engine, "::cart", "warning")
    assert len(warnings) == 1 and "left service 'cart'" in warnings[0]
    assert "resource 'checkout' of stack shop/dev" in warnings[0]
    stack.engine.destroy()
    assert stack.api.services.get_or_none("cart") is None  # the new holder deletes it


def test_rename_with_aliases_is_an_update_that_moves_the_claim(stack: Stack) -> None:
    stack.engine.up(service("cart"))
    uid = stack.api.services.get("cart").metadata.uid
    aliased = service("checkout", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="cart")]))
    steps = stack.engine.up(aliased)
    assert ops(steps) == [("update", "checkout")]
    live = stack.api.services.get("cart")
    assert live.metadata.uid == uid and live.metadata.generation == 1  # no rollout
    holder = claim_on(stack)
    assert holder is not None and holder.urn.endswith("::checkout")
    assert holder == state_claim(stack.engine, "checkout")
    assert ops(stack.engine.up(aliased)) == [("same", "checkout")]


def other_stack(stack: Stack, tmp_path: Path, name: str, stack_name: str = "dev") -> Engine:
    engine = make_engine(stack.server, tmp_path / f"{name}.json")
    engine.stack = stack_name
    engine.stack_urn = engine.stack_urn.replace("urn:pulumi:dev::", f"urn:pulumi:{stack_name}::")
    return engine


def test_two_stacks_with_equal_names_do_not_take_each_others_objects(
    stack: Stack, tmp_path: Path
) -> None:
    stack.engine.up(service())
    twin = other_stack(stack, tmp_path, "twin")  # same project and stack name, other backend
    with pytest.raises(EngineError) as err:
        twin.up(service())
    assert "already exists in project 'default'" in str(err.value)
    assert "held by resource 'cart' of stack shop/dev (identity" in str(err.value)
    assert "adopt=True" in str(err.value)
    # What the user reads is our one line, not a Python traceback (the provider process
    # sends the traceback to the engine's debug log instead).
    details = err.value.details
    assert "Traceback" not in details and details.startswith("service 'cart' already exists")
    assert claim_on(stack) == state_claim(stack.engine, "cart")
    twin.destroy()
    assert stack.api.services.get_or_none("cart") is not None
    stack.engine.destroy()
    assert stack.api.services.get_or_none("cart") is None


def test_destroying_the_old_stack_after_another_adopted_its_objects_deletes_nothing(
    stack: Stack, tmp_path: Path
) -> None:
    def program(adopt: bool) -> Callable[[], None]:
        def run() -> None:
            kalix.Secret("creds", data={"password": "hunter2"}, adopt=adopt)
            kalix.Service("cart", image=IMAGE, secret_env={"PW": "creds/password"}, adopt=adopt)

        return run

    stack.engine.up(program(False))
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")
    new_home.up(program(True))  # what `pulumi-kalix import` writes: adopt=True
    assert ops(stack.engine.destroy()) == [("delete", "cart"), ("delete", "creds")]
    assert stack.api.services.get_or_none("cart") is not None
    assert stack.api.secrets.get_or_none("creds") is not None
    assert len(messages(stack.engine, "::cart", "warning")) == 1
    assert len(messages(stack.engine, "::creds", "warning")) == 1
    new_home.destroy()
    assert stack.api.services.get_or_none("cart") is None
    assert stack.api.secrets.get_or_none("creds") is None


def test_a_create_whose_state_write_was_lost_converges_without_orphan_or_rollout(
    stack: Stack,
) -> None:
    stack.engine.up(service())
    uid = stack.api.services.get("cart").metadata.uid
    # As if the engine died after the Create but before writing its result: the
    # object exists with our claim, the state knows only the stack identity.
    state = json.loads(stack.state_path.read_text())
    urn = next(u for u in state if u.endswith("kalix:Service::cart"))
    del state[urn]
    stack.state_path.write_text(json.dumps(state))
    assert ops(stack.engine.up(service())) == [("create", "cart")]
    live = stack.api.services.get("cart")
    assert [s.metadata.name for s in stack.api.services.list()] == ["cart"]
    assert live.metadata.uid == uid  # taken back, not made again (and restarted: a
    assert claim_on(stack) == state_claim(stack.engine, "cart")  # provider cannot tell it
    assert ops(stack.engine.up(service())) == [("same", "cart")]  # from a replacement)


def test_an_object_whose_claim_was_removed_is_left_alone_on_destroy(stack: Stack) -> None:
    stack.engine.up(service())

    def unclaim(svc: Any) -> Any:
        svc.metadata.annotations = None  # e.g. a tool that rewrote the metadata
        return svc

    stack.api.services.update("cart", unclaim)
    stack.engine.destroy()
    assert stack.api.services.get_or_none("cart") is not None
    warnings = messages(stack.engine, "::cart", "warning")
    assert len(warnings) == 1 and "carries no claim" in warnings[0]


def test_a_replacement_whose_run_failed_is_finished_by_the_next_up(stack: Stack) -> None:
    def program(fail: bool) -> Callable[[], None]:
        def run() -> None:
            kalix.Service("cart", image=IMAGE)
            if fail:
                raise RuntimeError("the program failed after the replacement")

        return run

    stack.engine.up(program(False))
    with pytest.raises(EngineError):
        stack.engine.up(program(True), replace=["cart"])
    pending = stack.engine.pending_deletes()
    assert [urn.rsplit("::", 1)[1] for urn, _ in pending] == ["cart"]
    steps = stack.engine.up(program(False))
    assert ("delete-replaced", "cart") in ops(steps)
    assert stack.engine.pending_deletes() == []
    assert claim_on(stack) == state_claim(stack.engine, "cart")


def test_an_adopted_hostname_is_left_on_destroy_unless_asked(stack: Stack) -> None:
    stack.api.hostnames.create("shop.example.com")  # reserved before any stack
    stack.engine.up(lambda: kalix.Hostname("shop", hostname="shop.example.com", adopt=True))
    assert stack.engine.outputs("shop")["adopted"] is True
    stack.engine.destroy()
    assert [h.name for h in stack.api.hostnames.list()] == ["shop.example.com"]

    def asked() -> None:
        kalix.Hostname("shop", hostname="shop.example.com", adopt=True, delete_adopted=True)

    stack.engine.up(asked)
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []


def late_fault(stack: Stack, delay: float) -> None:
    stack.server.admin(
        "POST",
        "/federation/faults",
        {"method": "CreateHostname", "mode": "late", "count": 1, "delaySeconds": delay},
    )


def test_a_generated_hostname_create_applied_late_is_not_duplicated(stack: Stack) -> None:
    late_fault(stack, 1.0)  # within kalix:lateApplySeconds (10 s by default)

    stack.engine.up(generated)
    name = stack.engine.stack_outputs["host"]
    assert [h.name for h in stack.api.hostnames.list()] == [name]
    assert ops(stack.engine.refresh()) == [("same", "gen")]
    assert [h.name for h in stack.api.hostnames.list()] == [name]
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []


def late_extra(stack: Stack, engine: Engine) -> tuple[str, str]:
    """An `up` whose generated create went unanswered past kalix:lateApplySeconds (0.5 s),
    so it asked again; the first request is applied 2 s late: (ours, the extra)."""
    late_fault(stack, 2.0)

    engine.up(generated)
    ours = engine.stack_outputs["host"]
    warnings = messages(engine, "::gen", "warning")
    assert len(warnings) == 1 and "went unanswered" in warnings[0]
    deadline = time.monotonic() + 10
    while len(stack.api.hostnames.list()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    names = {h.name for h in stack.api.hostnames.list()}
    assert ours in names and len(names) == 2
    return ours, next(iter(names - {ours}))


def test_a_create_applied_after_the_window_is_removed_by_the_next_refresh(
    stack: Stack, tmp_path: Path
) -> None:
    engine = make_engine(stack.server, tmp_path / "s.json", {"kalix:lateApplySeconds": "0.5"})
    ours, extra = late_extra(stack, engine)
    assert ops(engine.refresh()) == [("same", "gen")]
    assert [h.name for h in stack.api.hostnames.list()] == [ours]
    assert any(extra in m and "late result" in m for m in messages(engine, "::gen", "info"))
    assert ledger_holder(stack, ours) == state_claim(engine, "gen")
    engine.destroy()
    assert stack.api.hostnames.list() == []


def test_a_create_applied_after_the_window_is_removed_by_destroy(
    stack: Stack, tmp_path: Path
) -> None:
    engine = make_engine(stack.server, tmp_path / "s.json", {"kalix:lateApplySeconds": "0.5"})
    late_extra(stack, engine)
    engine.destroy()
    assert stack.api.hostnames.list() == []


def test_a_generated_create_whose_state_write_was_lost_takes_its_name_back(
    stack: Stack,
) -> None:
    stack.engine.up(generated)
    name = stack.engine.stack_outputs["host"]
    state = json.loads(stack.state_path.read_text())
    del state[next(u for u in state if u.endswith("kalix:Hostname::gen"))]
    stack.state_path.write_text(json.dumps(state))
    assert ops(stack.engine.up(generated)) == [("create", "gen")]
    assert stack.engine.stack_outputs["host"] == name
    assert [h.name for h in stack.api.hostnames.list()] == [name]
    assert ledger_holder(stack, name) == state_claim(stack.engine, "gen")


def test_a_generated_create_that_died_before_its_answer_takes_the_name_it_made(
    stack: Stack,
) -> None:
    stack.engine.up(generated)
    name = stack.engine.stack_outputs["host"]
    claim = state_claim(stack.engine, "gen")
    assert claim is not None
    # As if the process died after sending CreateHostname: the ledger has only the
    # pending record written before the call, the state no entry.
    ledger = HostnameLedger(stack.api.secrets, "-")
    assert ledger.forget(name, claim)
    ledger.expect(Pending(claim, frozenset(), unanswered=1, since=time.time()))
    state = json.loads(stack.state_path.read_text())
    del state[next(u for u in state if u.endswith("kalix:Hostname::gen"))]
    stack.state_path.write_text(json.dumps(state))
    assert ops(stack.engine.up(generated)) == [("create", "gen")]
    assert stack.engine.stack_outputs["host"] == name  # no second name asked for
    assert [h.name for h in stack.api.hostnames.list()] == [name]
    assert ledger_holder(stack, name) == state_claim(stack.engine, "gen")
    assert ledger.read().pending_of(claim) is None


def hostnames(generated: bool = True, **kw: Any) -> Callable[[], None]:
    def program() -> None:
        fixed = kalix.Hostname("shop", hostname="shop.example.com", **kw)
        pulumi.export("fixed", fixed.hostname)
        if generated:
            pulumi.export("gen", kalix.Hostname("gen", **kw).hostname)

    return program


def test_destroying_the_old_stack_after_another_adopted_its_hostnames_deletes_none(
    stack: Stack, tmp_path: Path
) -> None:
    stack.engine.up(hostnames())
    gen = stack.engine.stack_outputs["gen"]
    new_home = other_stack(stack, tmp_path, "prod", stack_name="prod")

    def adopting() -> None:  # what `pulumi-kalix import` writes for both
        kalix.Hostname("shop", hostname="shop.example.com", adopt=True, delete_adopted=True)
        kalix.Hostname("gen", hostname=gen, adopt=True, delete_adopted=True)

    new_home.up(adopting)
    assert ops(stack.engine.destroy()) == [("delete", "gen"), ("delete", "shop")]
    assert sorted(h.name for h in stack.api.hostnames.list()) == sorted([gen, "shop.example.com"])
    for resource in ("::shop", "::gen"):
        warning = messages(stack.engine, resource, "warning")
        assert len(warning) == 1 and "of stack shop/prod" in warning[0]
    new_home.destroy()  # it asked to delete what it adopted
    assert stack.api.hostnames.list() == []


def test_two_stacks_with_equal_names_do_not_take_each_others_hostnames(
    stack: Stack, tmp_path: Path
) -> None:
    stack.engine.up(hostnames(generated=False))
    twin = other_stack(stack, tmp_path, "twin")
    with pytest.raises(EngineError) as err:
        twin.up(hostnames(generated=False))
    assert "held by resource 'shop' of stack shop/dev (identity" in str(err.value)
    assert "adopt=True" in str(err.value)
    twin.destroy()
    assert [h.name for h in stack.api.hostnames.list()] == ["shop.example.com"]
    assert ledger_holder(stack, "shop.example.com") == state_claim(stack.engine, "shop")
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []


def test_a_fixed_hostname_create_whose_state_write_was_lost_takes_it_back(stack: Stack) -> None:
    stack.engine.up(hostnames(generated=False))
    state = json.loads(stack.state_path.read_text())
    del state[next(u for u in state if u.endswith("kalix:Hostname::shop"))]
    stack.state_path.write_text(json.dumps(state))
    assert ops(stack.engine.up(hostnames(generated=False))) == [("create", "shop")]
    assert stack.engine.outputs("shop")["adopted"] is False
    assert ledger_holder(stack, "shop.example.com") == state_claim(stack.engine, "shop")
    stack.engine.destroy()
    assert stack.api.hostnames.list() == []
