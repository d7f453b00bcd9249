"""`pulumi-kalix whoami`: what the credential is and where it leads, or one line why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_kalix.cli import main
from tests.support.local_server import KalixLocalServer, free_port


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["whoami", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_whoami_shows_the_credential_projects_and_endpoint(
    kalix: KalixLocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--api-host", kalix.api_host, "--token", kalix.token, "--project", "default"
    )
    assert (code, err) == (0, "")
    assert f"federation plane: {kalix.api_host}" in out
    assert "credential:       refresh token from kalix:token" in out
    assert f"project:          default = {kalix.project_id()}" in out
    assert f"control plane:    {kalix.url}" in out
    assert kalix.token not in out


def test_whoami_json_has_the_same_facts(
    kalix: KalixLocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    flags = ["--api-host", kalix.api_host, "--token", kalix.token, "--project", "default"]
    code, out, err = run(capsys, "-o", "json", *flags)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["federationPlane"] == kalix.api_host
    assert data["credential"]["kind"] == "refresh"
    assert data["project"]["id"] == kalix.project_id()
    assert data["project"]["controlPlane"] == kalix.url
    assert kalix.token not in out


def test_whoami_explains_each_problem_in_one_line(
    kalix: KalixLocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALIX_RETRY_SECONDS", "1")  # the unreachable case: a short outage budget
    cases = {
        "wrong token": (["--api-host", kalix.api_host, "--token", "klx_nope"], "rejected (401)"),
        "wrong project": (
            ["--api-host", kalix.api_host, "--token", kalix.token, "--project", "nope"],
            "no project named 'nope' is visible",
        ),
        "unreachable": (
            ["--api-host", f"http://127.0.0.1:{free_port()}", "--token", "t"],
            "could not reach the Akka platform",
        ),
    }
    for case, (argv, expected) in cases.items():
        code, _out, err = run(capsys, *argv)
        assert code == 1, case
        assert err.startswith("Error: ") and err.count("\n") == 1, (case, err)
        assert expected in err, (case, err)


def test_whoami_hints_at_its_own_flags_not_at_pulumi_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Messages shared with the provider say `pulumi config set kalix:...`; here the way
    # to set the same thing is this command's flag.
    for variable in ("AKKA_TOKEN", "KALIX_TOKEN", "AKKA_OAUTH_TOKEN", "AKKA_OAUTH_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `akka` CLI with a stored token
    cases = {
        "no credential": (["--api-host", "http://127.0.0.1:1"], "`--token <token>`"),
        "bad address": (["--api-host", "ftp://x", "--token", "t"], "--api-host 'ftp://x'"),
    }
    for case, (argv, expected) in cases.items():
        code, _out, err = run(capsys, *argv)
        assert code == 1, case
        assert expected in err, (case, err)
        assert "pulumi config" not in err and "kalix:" not in err, (case, err)
