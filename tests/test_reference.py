"""The README's reference is the code's: every keyword input of every resource class that
`pulumi_kalix` exports (with its type and default) and every declared `Output[...]`
appears in that resource's table, and the block is exactly what `scripts/gen-reference`
makes of the code today."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
import inspect
import subprocess
import sys
from types import ModuleType
from typing import Any, is_typeddict

import pulumi
import pytest

import pulumi_kalix
from tests.support.local_server import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "gen-reference"


def generator() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("gen_reference", str(SCRIPT))
    spec = importlib.util.spec_from_loader("gen_reference", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def exported_resources() -> list[type[Any]]:
    classes = [getattr(pulumi_kalix, name) for name in pulumi_kalix.__all__]
    return [c for c in classes if inspect.isclass(c) and issubclass(c, pulumi.Resource)]


def reference_section() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    start = text.index("## Reference\n")
    return text[start : text.index("\n## ", start + 1)]


def resource_table(cls: type[Any]) -> str:
    section = reference_section()
    heading = f"### `{cls.__name__}` reference\n"
    assert heading in section, f"README's reference has no table for {cls.__name__}"
    start = section.index(heading)
    end = section.find("\n### ", start + 1)
    return section[start : end if end != -1 else len(section)]


def test_the_readme_block_is_the_generators() -> None:
    gen = generator()
    expected = gen.reference_markdown()
    assert expected in reference_section(), "README's reference drifted: run scripts/gen-reference"


def test_the_check_mode_passes_on_the_committed_readme() -> None:
    env_path = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("cls", exported_resources(), ids=lambda c: c.__name__)
def test_every_input_appears_with_its_type_and_default(cls: type[Any]) -> None:
    table = resource_table(cls)
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name in ("self", "resource_name", "opts"):
            continue
        kind = str(param.annotation).replace("|", "\\|")
        default = (
            "required"
            if param.default is inspect.Parameter.empty
            else f"`{param.default!r}`".replace("|", "\\|")
        )
        row = f"| `{param.name}` | `{kind}` | {default} | "
        assert row in table, f"{cls.__name__}.{param.name}: no row starting {row!r}"


@pytest.mark.parametrize("cls", exported_resources(), ids=lambda c: c.__name__)
def test_every_input_says_what_it_does(cls: type[Any]) -> None:
    # A `:param` entry per input, so a new input cannot land undocumented.
    table = resource_table(cls)
    inputs = table[table.index("| input | type |") : table.index("| output | type |")]
    empty = [line.split("`")[1] for line in inputs.splitlines() if line.endswith("|  |")]
    assert empty == [], f"{cls.__name__}: inputs without a :param docstring entry: {empty}"


@pytest.mark.parametrize("cls", exported_resources(), ids=lambda c: c.__name__)
def test_every_declared_output_appears_with_its_type(cls: type[Any]) -> None:
    table = resource_table(cls)
    outputs = table[table.index("| output | type |") :]
    # As the source writes them: evaluated ones (once an instance was made) print
    # differently (`Optional[str]`), whatever ran before in this process.
    declared = {
        name: value
        for klass in reversed(cls.__mro__)
        if klass.__module__.startswith("pulumi_kalix")
        for name, value in generator().declared_annotations(klass).items()
    }
    declared = {name: value for name, value in declared.items() if value.startswith("Output[")}
    assert declared, f"{cls.__name__} declares no outputs"
    for name, value in declared.items():
        row = f"| `{name}` | `{str(value).replace('|', chr(92) + '|')}` |"
        assert row in outputs, f"{cls.__name__}.{name}: no output row {row!r}"


def nested_types() -> list[type[Any]]:
    """The public dataclasses and TypedDicts next to each resource (`PathRule`,
    `HashedHttpBasic`, `ReplicationArgs`, ...): what its nested inputs take."""
    found = []
    for cls in exported_resources():
        module = sys.modules[cls.__module__]
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and (dataclasses.is_dataclass(value) or is_typeddict(value))
            ):
                found.append(value)
    return found


def test_there_are_nested_types_to_document() -> None:
    names = {t.__name__ for t in nested_types()}
    assert {"PathRule", "HttpBasic", "HashedHttpBasic", "VolumeMountArgs"} <= names


@pytest.mark.parametrize("helper", nested_types(), ids=lambda t: t.__name__)
def test_every_field_of_a_nested_type_appears_with_its_type(helper: type[Any]) -> None:
    section = reference_section()
    heading = f"`{helper.__module__}.{helper.__name__}`: "
    assert heading in section, f"no table for {helper.__name__}"
    start = section.index(heading)
    end = section.find("\n\n`", start + 1)
    table = section[start : end if end != -1 else len(section)]
    annotations = vars(helper).get("__annotations__", {})
    if dataclasses.is_dataclass(helper):
        annotations = {f.name: f.type for f in dataclasses.fields(helper)}
    assert annotations, helper
    for name, value in annotations.items():
        row = f"| `{name}` | `{str(value).replace('|', chr(92) + '|')}` |"
        assert row in table, f"{helper.__name__}.{name}: no row {row!r}"
