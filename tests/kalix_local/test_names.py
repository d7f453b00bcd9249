"""Generated hostnames and hostname validation."""

from __future__ import annotations

import random
import re

import pytest

from kalix_local.names import ADJECTIVES, NOUNS, generate_hostname, is_valid_hostname

GENERATED = re.compile(r"^([a-z]+)-([a-z]+)-(\d{4})\.us-east1\.kalix\.app$")


def test_generated_hostname_has_kalix_shape() -> None:
    name = generate_hostname(random.Random(1), "us-east1", "kalix.app")
    match = GENERATED.match(name)
    assert match is not None, name
    assert match.group(1) in ADJECTIVES
    assert match.group(2) in NOUNS
    assert 1000 <= int(match.group(3)) <= 9999


def test_generated_hostname_is_deterministic_for_a_seed() -> None:
    first = generate_hostname(random.Random(42), "us-east1", "kalix.app")
    assert generate_hostname(random.Random(42), "us-east1", "kalix.app") == first


def test_generated_hostnames_vary() -> None:
    rng = random.Random(7)
    names = {generate_hostname(rng, "us-east1", "kalix.app") for _ in range(200)}
    assert len(names) == 200


def test_generated_hostname_is_valid() -> None:
    rng = random.Random(3)
    for _ in range(500):
        name = generate_hostname(rng, "gcp-us-east1", "apps.akka.dev")
        assert is_valid_hostname(name) is None, name


def test_generated_hostname_normalises_region_and_domain() -> None:
    name = generate_hostname(random.Random(1), "US-East1", ".Kalix.App.")
    assert name.endswith(".us-east1.kalix.app")


def test_generated_hostname_rejects_invalid_region() -> None:
    with pytest.raises(ValueError) as excinfo:
        generate_hostname(random.Random(1), "us_east1", "kalix.app")
    assert str(excinfo.value).startswith("cannot generate a hostname for region 'us_east1': ")


def test_word_lists_are_short_lower_case_and_unique() -> None:
    for words in (ADJECTIVES, NOUNS):
        assert 55 <= len(words) <= 70
        assert len(set(words)) == len(words)
        assert all(re.fullmatch(r"[a-z]{2,10}", w) for w in words), words


def test_word_lists_include_kalix_examples() -> None:
    for adjective, noun in [("mute", "fog"), ("black", "hill"), ("shy", "flower")]:
        assert adjective in ADJECTIVES
        assert noun in NOUNS
    assert "spring" in ADJECTIVES and "tooth" in NOUNS
    assert "lingering" in ADJECTIVES and "morning" in NOUNS


@pytest.mark.parametrize(
    "name",
    [
        "shop.example.com",
        "a.b",
        "spring-tooth-3406.us-east1.kalix.app",
        "x1.example.co",
        "123.example.com",
        "xn--bcher-kva.example",
        ".".join(["a" * 63] * 3) + "." + "b" * 61,  # exactly 253 characters
    ],
)
def test_valid_hostnames(name: str) -> None:
    assert is_valid_hostname(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "hostname must not be empty"),
        ("shop.example.com.", "hostname 'shop.example.com.' must not end with a dot"),
        ("Shop.example.com", "hostname 'Shop.example.com' must be lower-case"),
        (
            "localhost",
            "hostname 'localhost' must have at least two labels (e.g. shop.example.com)",
        ),
        ("shop..example.com", "hostname 'shop..example.com' has an empty label"),
        (".example.com", "hostname '.example.com' has an empty label"),
        (
            "a" * 64 + ".com",
            f"hostname '{'a' * 64}.com' has a label of 64 characters; the maximum is 63",
        ),
        (
            "shop_1.example.com",
            "hostname 'shop_1.example.com' has label 'shop_1'; labels may contain only "
            "lower-case letters, digits and hyphens",
        ),
        (
            "*.example.com",
            "hostname '*.example.com' has label '*'; labels may contain only "
            "lower-case letters, digits and hyphens",
        ),
        (
            "-shop.example.com",
            "hostname '-shop.example.com' has label '-shop', which starts or ends with a hyphen",
        ),
        (
            "shop-.example.com",
            "hostname 'shop-.example.com' has label 'shop-', which starts or ends with a hyphen",
        ),
        (
            "10.0.0.1",
            "hostname '10.0.0.1' must not end in an all-numeric label (not an IP address)",
        ),
    ],
)
def test_invalid_hostnames(name: str, message: str) -> None:
    assert is_valid_hostname(name) == message


def test_hostname_longer_than_253_characters() -> None:
    name = ".".join(["a" * 63] * 4)  # 255 characters
    assert is_valid_hostname(name) == (
        f"hostname {name!r} is 255 characters long; the maximum is 253"
    )


def test_non_string_hostname() -> None:
    assert is_valid_hostname(None) == "hostname must be a string, not NoneType"  # type: ignore[arg-type]
