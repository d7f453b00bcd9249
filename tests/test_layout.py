"""Project layout under the real CLI: the language host and the provider shim must find
the same interpreter, from the directories and variables the engine gives them.

How the engine starts them (read from pulumi/pulumi, nothing vendored):
- every `runtime.options` key becomes `PULUMI_RUNTIME_<KEY>` in the provider's
  environment, unchanged (`pkg/resource/plugin/provider_plugin.go`), and the provider
  runs with its working directory set to the project's `main` directory;
- the shim `pulumi-resource-pulumi-python` (`sdk/python/dist/`) makes a relative
  `PULUMI_RUNTIME_VIRTUALENV` absolute against `$PWD` (that `main` directory) and runs its
  `bin/python`, failing when it is missing; without one it runs `$PULUMI_PYTHON_CMD`, else
  `python3` from PATH;
- the language host resolves `virtualenv` against the project directory, and without one
  looks up `$PULUMI_PYTHON_CMD`, else `python3`, on PATH (`sdk/python/toolchain/pip.go`).
`shim_python` and `host_python` below restate those rules; pulumi/pulumi#7061 is the
mismatch they catch (a `virtualenv` that resolves elsewhere for the shim).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PROJECTS = [REPO, *sorted(p.parent for p in (REPO / "examples").glob("*/Pulumi.yaml"))]


class ShimError(Exception):
    pass


def engine_env(project: Path, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The provider's working directory and environment, as the engine sets them."""
    spec = yaml.safe_load((project / "Pulumi.yaml").read_text())
    options = (spec.get("runtime") or {}).get("options") or {}
    provider_env = dict(env)
    for key, value in options.items():
        provider_env[f"PULUMI_RUNTIME_{key.upper()}"] = str(value)
    return project / spec.get("main", "."), provider_env


def _which(command: str, env: dict[str, str]) -> str:
    found = shutil.which(command, path=env.get("PATH", ""))
    if found is None:
        raise ShimError(f"{command} not found on PATH")
    return found


def shim_python(cwd: Path, env: dict[str, str]) -> str:
    venv = env.get("PULUMI_RUNTIME_VIRTUALENV", "")
    if not venv and env.get("PULUMI_RUNTIME_TOOLCHAIN") == "uv":
        venv = ".venv"
    if venv:
        path = Path(venv.rstrip("/"))
        path = path if path.is_absolute() else cwd / path
        python = path / "bin" / "python"
        if not python.is_file():
            raise ShimError(f"the 'virtualenv' option resolves to {path}, which has no bin/python")
        return str(python)
    return _which(env.get("PULUMI_PYTHON_CMD") or "python3", env)


def host_python(project: Path, env: dict[str, str]) -> str:
    spec = yaml.safe_load((project / "Pulumi.yaml").read_text())
    venv = ((spec.get("runtime") or {}).get("options") or {}).get("virtualenv")
    if venv:
        path = Path(venv)
        return str((path if path.is_absolute() else project / path) / "bin" / "python")
    return _which(env.get("PULUMI_PYTHON_CMD") or "python3", env)


def quickstart_env() -> dict[str, str]:
    """What scripts/quickstart exports before it runs `pulumi`."""
    text = (REPO / "scripts" / "quickstart").read_text()
    assert 'export PULUMI_PYTHON_CMD="$PWD/.venv/bin/python"' in text
    assert 'export PATH="$PWD/.venv/bin:$PATH"' in text
    venv_bin = REPO / ".venv" / "bin"
    return {
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_PYTHON_CMD": str(venv_bin / "python"),
    }


def test_the_shim_stand_in_reproduces_the_virtualenv_mismatch(tmp_path: Path) -> None:
    """A root project with `main:` elsewhere and `virtualenv: .venv` (the layout before):
    the host finds ./.venv, the shim looks in <main>/.venv and fails."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "Pulumi.yaml").write_text(
        "name: x\nruntime:\n  name: python\n  options:\n    virtualenv: .venv\nmain: app\n"
    )
    cwd, env = engine_env(tmp_path, {"PATH": os.environ.get("PATH", "")})
    assert host_python(tmp_path, env) == str(tmp_path / ".venv" / "bin" / "python")
    with pytest.raises(ShimError, match=r"app/\.venv"):
        shim_python(cwd, env)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_host_and_shim_take_the_same_interpreter(project: Path) -> None:
    if not (REPO / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the project's .venv (made by scripts/test)")
    cwd, env = engine_env(project, quickstart_env())
    python = shim_python(cwd, env)
    assert python == host_python(project, env)
    # ... and that interpreter can start our provider.
    subprocess.run(
        [python, "-c", "import pulumi.dynamic, pulumi_kalix.provider.service"],
        cwd=cwd,
        check=True,
        timeout=60,
        env={**os.environ, **env},
    )


def _imports(program: Path) -> set[str]:
    tree = ast.parse(program.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("project", PROJECTS[1:], ids=lambda p: p.name)
def test_each_example_can_be_copied_with_its_own_requirements(project: Path) -> None:
    """A copied example needs nothing from this repository but its requirements."""
    spec = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert "virtualenv" not in ((spec.get("runtime") or {}).get("options") or {})
    assert "main" not in spec  # the program is the directory itself
    wanted = {
        line.split(">")[0].split("=")[0].split("<")[0].strip().replace("-", "_")
        for line in (project / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    third_party = _imports(project / "__main__.py") - set(sys.stdlib_module_names)
    assert third_party <= wanted, f"{project.name} imports {third_party - wanted} unlisted"
    for path in project.rglob("*"):  # no reference outside the example's directory
        if path.suffix in (".py", ".yaml") and path.is_file():
            assert "../.." not in path.read_text(), path
