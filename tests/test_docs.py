"""What the README promises and cannot be run as a snippet: the troubleshooting messages
still exist, nothing points outside the repository, kalix-local's `/docs`, the install
commands (a wheel from a copy of the checkout) and the examples' run-from-a-copy steps."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.local_server import REPO_ROOT, KalixLocalServer

README = (REPO_ROOT / "README.md").read_text()
PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
PIP_WHEEL += ["--no-index"]  # offline: the build backend must be installed already
EXAMPLES = sorted(p.parent for p in (REPO_ROOT / "examples").glob("*/Pulumi.yaml"))


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def string_literals() -> list[str]:
    """Every string literal of the product's code, an f-string's fields as NUL."""
    found: list[str] = []
    for package in ("pulumi_kalix", "kalix_local"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            if "_proto" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.append(node.value)
                elif isinstance(node, ast.JoinedStr):
                    values = node.values
                    parts = (str(v.value) if isinstance(v, ast.Constant) else "\0" for v in values)
                    found.append("".join(parts))
    return found


def quoted_messages() -> list[str]:
    return re.findall(r"^\| `([^`]+)` \|", section("Troubleshooting"), re.M)


def test_the_troubleshooting_table_quotes_many_messages() -> None:
    assert len(quoted_messages()) >= 20


@pytest.mark.parametrize("message", quoted_messages())
def test_each_troubleshooting_message_still_occurs_in_the_code(message: str) -> None:
    # `…` stands for what is filled in at run time; each piece between is a literal (or
    # the end of one) somewhere in the code, and one of them is long enough to be telling.
    pieces = [p.strip(" ;:,.()") for p in message.split("…")]
    pieces = [p for p in pieces if p]
    assert max(len(p) for p in pieces) >= 12, f"{message!r}: quote more of it"
    literals = string_literals()
    missing = [p for p in pieces if not any(p in s for s in literals)]
    assert missing == [], f"{message!r}: no longer in the code: {missing}"


def test_the_readme_points_at_nothing_outside_the_repository() -> None:
    for text in [README, *((p / "README.md").read_text() for p in EXAMPLES)]:
        assert "../shared" not in text and "/work/" not in text
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" not in target:  # a relative link: a file of this repository
                assert (REPO_ROOT / target).exists(), target


def test_kalix_local_serves_its_openapi_ui_at_docs_without_a_token(
    kalix: KalixLocalServer,
) -> None:
    assert "`/docs`" in section("kalix-local")
    page = httpx.get(f"{kalix.url}/docs", timeout=10)
    assert page.status_code == 200 and "/openapi.json" in page.text


def test_stack_settings_are_ignored_and_projects_are_not() -> None:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")

    def ignored(path: str) -> bool:
        run = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "check-ignore", "-q", "--no-index", path], timeout=30
        )
        return run.returncode == 0

    assert ignored("Pulumi.dev.yaml") and ignored("examples/quickstart/Pulumi.dev.yaml")
    assert not ignored("Pulumi.yaml") and not ignored("examples/quickstart/Pulumi.yaml")


@pytest.mark.parametrize("project", EXAMPLES, ids=lambda p: p.name)
def test_each_example_readme_says_how_to_run_it_from_a_copy(project: Path) -> None:
    text = (project / "README.md").read_text()
    block = text[text.index("## Run it from a copy") :]
    for command in (
        f"cp -r examples/{project.name} ",
        "pip install /path/to/pulumi-kalix",
        "pip install -r requirements.txt",
        "pulumi stack init",
        "pulumi config set kalix:project",
        "pulumi config set --secret kalix:token",
        "pulumi up",
    ):
        assert command in block, f"{project.name}: {command!r} missing"
    # Config the program requires is set in the commands.
    required = re.findall(r"config\.require\w*\(\"(\w+)\"\)", (project / "__main__.py").read_text())
    for key in required:
        assert f"pulumi config set {key} " in block or f"--secret {key} " in block, key


def test_the_install_section_uses_placeholders_not_hosts() -> None:
    install = section("Install")
    assert 'pip install "git+https://<git-host>/' in install
    assert "pip wheel --no-deps . -w dist" in install


def test_the_packaging_holds_both_packages_and_the_commands() -> None:
    # What the wheel is made of, checked offline: both packages and all their
    # subpackages, no tests, and the two console scripts resolve.
    find_packages = importlib.import_module("setuptools").find_packages  # no stubs needed
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = set(find_packages(str(REPO_ROOT), include=include))
    assert {
        "pulumi_kalix",
        "pulumi_kalix.provider",
        "kalix_local",
        "kalix_local.routes",
    } <= packages
    assert not any(p.startswith(("tests", "examples", "benchmarks")) for p in packages)
    for name, target in project["project"]["scripts"].items():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_a_wheel_builds_offline_from_a_copy_of_the_checkout(tmp_path: Path) -> None:
    # Needs the build backend in this environment (pip may not fetch it offline).
    if importlib.util.find_spec("wheel") is None:
        pytest.skip("the environment has no `wheel` package for setuptools' bdist_wheel")
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info next to it
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", ".kalix-local", ".pulumi-state", "*cache*"),
    )
    built = subprocess.run(
        [*PIP_WHEEL, str(source), "-w", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("pulumi_kalix-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pulumi_kalix/__init__.py" in names and "kalix_local/__main__.py" in names
    assert not any(n.startswith("tests/") for n in names)
    (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "pulumi-kalix = pulumi_kalix.cli:main" in scripts
    assert "kalix-local = kalix_local.__main__:main" in scripts
