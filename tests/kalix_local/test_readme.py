"""The README's kalix-local section: its flag table is the parser's, and its example
commands run as written (on free ports instead of 9000/9001)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from kalix_local.__main__ import serve_flags_markdown
from tests.support.local_server import REPO_ROOT, free_port


def kalix_local_section() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    start = text.index("## kalix-local\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_flag_table_is_the_parsers() -> None:
    expected = serve_flags_markdown()
    assert expected in kalix_local_section(), (
        "README's serve flag table is out of date; paste this:\n" + expected
    )


def test_the_example_commands_run_as_written(tmp_path: Path) -> None:
    blocks = re.findall(r"```bash\n(.*?)```", kalix_local_section(), re.S)
    examples = [b for b in blocks if "kalix-local serve &" in b or "kalix-local dns set" in b]
    examples = [b for b in examples if not b.startswith("kalix-local serve [FLAGS]")]
    assert len(examples) == 2, blocks
    port, federation_port = free_port(), free_port()
    script = "\n".join(examples).replace("127.0.0.1:9000", f"127.0.0.1:{port}")
    # `kalix-local` as installed, with this test's ports as its defaults.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "kalix-local"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        'case "$1" in\n'
        f'  serve) shift; set -- serve --port {port} --federation-port {federation_port} "$@";;\n'
        f'  dns) sub=$2; shift 2; set -- dns "$sub" --url http://127.0.0.1:{port} "$@";;\n'
        "esac\n"
        f'exec {sys.executable} -m kalix_local "$@"\n'
    )
    wrapper.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the background server too can be stopped as a group
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
    assert process.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in err
    assert '"kind":"KalixService"' in out and '"name":"cart"' in out
    assert '{"type":"ADDED","object":{"apiVersion":"kalix.io/v1alpha1","kind":"KalixService"' in out
    assert '"code":4' not in out and '"code":5' not in out  # no error Status anywhere
    not_verified = out.index('"reason":"DnsNotVerified"')
    assert out.index('"reason":"DnsVerified"') > not_verified
    assert "shop.example.com us-east1.kalix.app\n" in out  # dns list
    assert "shop.example.com deleted" in out
