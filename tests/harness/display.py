"""What `pulumi preview --diff` prints for our resources, from the inputs the harness saw.

The CLI renders a step's details at its pre-event (pkg/backend/display/diff.go,
object_diff.go): for a Python dynamic provider's update the Diff answer carries no
changed keys, so the display diffs the old inputs against the checked new ones,
ignoring internal keys (`__provider`, `__claim`: `resource.IsInternalPropertyKey`), and
prints every property: unchanged ones plain, changes with `~`, `+`, `-`. Null, empty
strings, arrays and objects are not printed. This is a faithful subset (no secrets
shown: a secret prints as `[secret]`), enough to test that a pull request's diff reads
well and to keep the README's example true.
"""

from __future__ import annotations

import json
from typing import Any

from .provider import Step

SECRET_SIG = "4dabf18193072939515e22adb298388d"
_OPS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}


def _internal(key: str) -> bool:
    return key.startswith("__")


def _shown(value: Any) -> bool:
    return value not in (None, "", [], {})


def _value(value: Any, pad: str) -> str:
    if isinstance(value, dict) and value.get(SECRET_SIG):
        return "[secret]"
    if isinstance(value, dict):
        keys = sorted(k for k in value if _shown(value[k]))
        width = max((len(k) for k in keys), default=0)
        inner = [f"{pad}    {k.ljust(width)}: {_value(value[k], pad + '    ')}" for k in keys]
        return "{\n" + "\n".join(inner) + f"\n{pad}}}"
    if isinstance(value, list):
        inner = [f"{pad}    [{i}]: {_value(v, pad + '    ')}" for i, v in enumerate(value)]
        return "[\n" + "\n".join(inner) + f"\n{pad}]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # protobuf numbers are doubles; the CLI prints 2, not 2.0
    return json.dumps(value)


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The top-level keys the display marks as changed (internal keys ignored)."""
    keys = {k for k in (*old, *new) if not _internal(k)}
    return sorted(k for k in keys if old.get(k) != new.get(k))


def _diff(old: dict[str, Any], new: dict[str, Any], pad: str) -> list[str]:
    keys = sorted(
        k for k in {*old, *new} if not _internal(k) and (_shown(old.get(k)) or _shown(new.get(k)))
    )
    width = max((len(k) for k in keys), default=0)
    lines = []
    for k in keys:
        title = k.ljust(width)
        before, after = old.get(k), new.get(k)
        if before == after:
            lines.append(f"{pad}    {title}: {_value(after, pad + '    ')}")
        elif not _shown(before):
            lines.append(f"{pad}  + {title}: {_value(after, pad + '    ')}")
        elif not _shown(after):
            lines.append(f"{pad}  - {title}: {_value(before, pad + '    ')}")
        elif isinstance(before, dict) and isinstance(after, dict):
            lines.append(f"{pad}  ~ {title}: {{")
            lines += _diff(before, after, pad + "    ")
            lines.append(f"{pad}    }}")
        else:
            lines.append(
                f"{pad}  ~ {title}: {_value(before, pad + '    ')} => {_value(after, pad + '    ')}"
            )
    return lines


def render(
    steps: list[Step],
    inputs: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]],
    ids: dict[str, str] | None = None,
) -> str:
    """The `--diff` details of the steps that change something, in step order (`ids`:
    URN -> the resource's id in state, printed as the CLI does)."""
    out: list[str] = []
    for step in steps:
        if step.op == "same" or step.urn not in inputs:
            continue
        old, new = inputs[step.urn]
        op = _OPS.get(step.op, step.op)
        out.append(f"    {op} {step.type}: ({step.op})")
        if ids and ids.get(step.urn):
            out.append(f"        [id={ids[step.urn]}]")
        out.append(f"        [urn={step.urn}]")
        out += _diff(old or {}, new, "    ")
    return "\n".join(out) + "\n"
