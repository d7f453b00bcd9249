"""Claims: text form, relations, and what counts as held (pulumi_kalix.claims)."""

from __future__ import annotations

from pulumi_kalix.claims import (
    CLAIM_ANNOTATION,
    LEGACY_OWNER_ANNOTATION,
    Claim,
    Holder,
    StateClaim,
    claim_annotations,
)

URN = "urn:pulumi:dev::shop::pulumi-python:dynamic/kalix:Service::cart"


def test_text_round_trips_also_with_spaces_in_the_urn() -> None:
    for claim in (
        Claim(URN, "0123456789abcdef"),
        Claim(URN, "0123456789abcdef", "fedcba9876543210"),
        Claim(URN.replace("::cart", "::my cart"), "aa", "bb"),
    ):
        assert Claim.parse(claim.text()) == claim


def test_junk_is_no_claim() -> None:
    for text in (None, "", "proj/dev/cart", f"{URN} stack:", " stack:abc", f"{URN} stack:a b", 7):
        assert Claim.parse(text) is None


def test_a_new_instance_is_the_same_resource_but_another_claim() -> None:
    asking = Claim(URN, "s1")
    first, second = asking.with_new_instance(), asking.with_new_instance()
    assert first.instance and first.instance != second.instance
    assert first.same_resource(second) and not first.holds(second)
    assert first.holds(Claim.parse(first.text()))
    assert not Claim(URN, "s2").same_resource(first)  # a twin stack with equal names


def test_describe_names_resource_stack_and_identity() -> None:
    text = Claim(URN, "3f2a9c1e00000000", "x").describe()
    assert text == "resource 'cart' of stack shop/dev (identity 3f2a9c1e00000000)"


def test_state_holds_only_its_exact_claim() -> None:
    mine = Claim(URN, "s1", "i1")
    state = StateClaim.of({"__claim": mine.text()})
    assert state.held_by_us(Holder.of({CLAIM_ANNOTATION: mine.text()}))
    assert not state.held_by_us(Holder.of({CLAIM_ANNOTATION: Claim(URN, "s1", "i2").text()}))
    assert not state.held_by_us(Holder.of({}))  # nobody holds it: not ours to delete
    assert Holder.of({}).nobody


def test_a_pre_claims_entry_holds_its_marked_object_until_claimed() -> None:
    state = StateClaim.of({"__owner": "shop/dev/cart"})
    assert state.held_by_us(Holder.of({LEGACY_OWNER_ANNOTATION: "shop/dev/cart"}))
    assert not state.held_by_us(Holder.of({LEGACY_OWNER_ANNOTATION: "shop/prod/cart"}))
    claimed = {LEGACY_OWNER_ANNOTATION: "shop/dev/cart", CLAIM_ANNOTATION: Claim(URN, "s").text()}
    assert not state.held_by_us(Holder.of(claimed))


def test_writing_a_claim_replaces_the_old_mark_and_keeps_other_annotations() -> None:
    claim = Claim(URN, "s", "i")
    out = claim_annotations({LEGACY_OWNER_ANNOTATION: "a/b/c", "team": "shop"}, claim)
    assert out == {"team": "shop", CLAIM_ANNOTATION: claim.text()}
    assert claim_annotations({"team": "shop"}, None) == {"team": "shop"}
