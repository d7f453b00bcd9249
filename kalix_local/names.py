"""Generated hostnames and hostname validation.

Kalix assigns hostnames like ``mute-fog-6388.us-east1.kalix.app``: an adjective, a noun
and four digits under the region's apps domain. The real word lists are not published,
so these are our own short, lower-case, friendly words in the same style.
"""

from __future__ import annotations

import random
import re

ADJECTIVES: tuple[str, ...] = (
    "autumn", "billowing", "black", "blue", "bold", "broad", "calm", "cold", "cool",
    "crimson", "damp", "dark", "dawn", "dry", "falling", "floral", "fragrant", "frosty",
    "gentle", "green", "hidden", "holy", "icy", "late", "lingering", "little", "lively",
    "long", "lucky", "misty", "morning", "muddy", "mute", "nameless", "old", "orange",
    "patient", "plain", "polished", "proud", "purple", "quiet", "red", "restless", "rough",
    "round", "shy", "silent", "small", "snowy", "solitary", "sparkling", "spring", "still",
    "summer", "sweet", "twilight", "wandering", "weathered", "white", "wild", "winter",
    "wispy", "withered", "young",
)  # fmt: skip

NOUNS: tuple[str, ...] = (
    "bird", "breeze", "brook", "bush", "butterfly", "cherry", "cloud", "darkness", "dawn",
    "dew", "dream", "dust", "feather", "field", "fire", "firefly", "flower", "fog",
    "forest", "frog", "frost", "glade", "glitter", "grass", "hall", "hat", "haze", "heart",
    "hill", "lake", "leaf", "meadow", "moon", "morning", "mountain", "night", "paper",
    "pine", "pond", "rain", "resonance", "river", "sea", "shadow", "shape", "silence",
    "sky", "smoke", "snow", "snowflake", "sound", "star", "sun", "sunset", "surf",
    "thunder", "tooth", "tree", "violet", "voice", "water", "waterfall", "wave", "wildflower",
    "wind", "wood",
)  # fmt: skip

MAX_HOSTNAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

_LABEL_CHARS = re.compile(r"^[a-z0-9-]+$")


def generate_hostname(rng: random.Random, region: str, apps_domain: str) -> str:
    """``<adjective>-<noun>-<4 digits>.<region>.<apps_domain>``, e.g.
    ``spring-tooth-3406.us-east1.kalix.app``.

    The caller owns ``rng`` (seeded in tests) and retries on a collision with an
    existing hostname. Raises ValueError if ``region``/``apps_domain`` cannot form a
    valid hostname.
    """
    # 1000-9999: every observed Kalix name has four significant digits.
    label = f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}-{rng.randint(1000, 9999)}"
    region = region.strip().strip(".").lower()
    apps_domain = apps_domain.strip().strip(".").lower()
    name = ".".join(part for part in (label, region, apps_domain) if part)
    error = is_valid_hostname(name)
    if error is not None:
        raise ValueError(f"cannot generate a hostname for region {region!r}: {error}")
    return name


def is_valid_hostname(name: str) -> str | None:
    """Return why ``name`` is not a valid DNS hostname (RFC 1123), or None if it is.

    Stricter than DNS itself on purpose: lower-case only, no trailing dot, at least two
    labels, and the last label not all digits (so IPv4 addresses are rejected).
    """
    if not isinstance(name, str):
        return f"hostname must be a string, not {type(name).__name__}"
    if not name:
        return "hostname must not be empty"
    if name.endswith("."):
        return f"hostname {name!r} must not end with a dot"
    if len(name) > MAX_HOSTNAME_LENGTH:
        return (
            f"hostname {name!r} is {len(name)} characters long; "
            f"the maximum is {MAX_HOSTNAME_LENGTH}"
        )
    if name != name.lower():
        return f"hostname {name!r} must be lower-case"
    labels = name.split(".")
    if len(labels) < 2:
        return f"hostname {name!r} must have at least two labels (e.g. shop.example.com)"
    for label in labels:
        if not label:
            return f"hostname {name!r} has an empty label"
        if len(label) > MAX_LABEL_LENGTH:
            return (
                f"hostname {name!r} has a label of {len(label)} characters; "
                f"the maximum is {MAX_LABEL_LENGTH}"
            )
        if not _LABEL_CHARS.match(label):
            return (
                f"hostname {name!r} has label {label!r}; labels may contain only "
                "lower-case letters, digits and hyphens"
            )
        if label.startswith("-") or label.endswith("-"):
            return f"hostname {name!r} has label {label!r}, which starts or ends with a hyphen"
    if labels[-1].isdigit():
        return f"hostname {name!r} must not end in an all-numeric label (not an IP address)"
    return None
