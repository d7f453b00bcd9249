"""The session against kalix-local's two planes: token exchange, renewal, projects,
regions, hostnames and errors, over real gRPC and HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pulumi_kalix.client.control_plane import RetryPolicy
from pulumi_kalix.client.credentials import Credential, find_credential
from pulumi_kalix.client.federation import Endpoint, Federation
from pulumi_kalix.client.session import Session
from pulumi_kalix.config import Settings
from pulumi_kalix.errors import (
    AlreadyExistsError,
    APIConnectionError,
    ConfigurationError,
    NotFoundError,
    UnauthorizedError,
)
from tests.support.federation import oidc_token
from tests.support.local_server import KalixLocalServer, free_port


def refresh(token: str) -> Credential:
    return Credential("refresh", "test", token)


@pytest.fixture(scope="module")
def strict() -> Iterator[KalixLocalServer]:
    """kalix-local as the platform behaves: access tokens and UUIDs only, 1 s tokens."""
    args = ["--control-plane-auth", "strict", "--access-token-seconds", "1"]
    with KalixLocalServer(extra_args=args) as server:
        yield server


@pytest.fixture(scope="module")
def lasting() -> Iterator[KalixLocalServer]:
    """As `strict`, with tokens of the default life: for counting exchanges without a
    renewal that a slow (loaded) run would need within 1 s."""
    with KalixLocalServer(extra_args=["--control-plane-auth", "strict"]) as server:
        yield server


def test_endpoint_forms() -> None:
    assert Endpoint.parse("api.kalix.io:443") == Endpoint("api.kalix.io:443", tls=True)
    assert Endpoint.parse("api.kalix.io") == Endpoint("api.kalix.io:443", tls=True)
    assert Endpoint.parse("http://127.0.0.1:9001") == Endpoint("127.0.0.1:9001", tls=False)
    assert Endpoint.parse("https://h:8443") == Endpoint("h:8443", tls=True)
    with pytest.raises(ValueError):
        Endpoint.parse("ftp://h:1")


def test_a_refresh_token_is_exchanged_and_reaches_the_control_plane_by_uuid(
    lasting: KalixLocalServer,
) -> None:
    session = Session(lasting.api_host, refresh(lasting.token))
    project = session.project("default")
    assert project.id == lasting.project_id("default")
    assert session.project(project.id) == project  # by UUID: same project
    api = session.control_plane("default")
    assert api.project == project.id
    assert api.services.list() == []
    assert session.tokens.exchanges == 1
    # The refresh token itself is refused on the control plane, as on the platform.
    import httpx

    answer = httpx.get(
        lasting.url + lasting.api_path("kalixservices", project=project.id),
        headers={"authorization": f"Bearer {lasting.token}"},
    )
    assert answer.status_code == 401


def test_access_tokens_are_renewed_before_they_expire(strict: KalixLocalServer) -> None:
    session = Session(strict.api_host, refresh(strict.token))
    api = session.control_plane("default")
    deadline = time.monotonic() + 4
    calls = 0
    while time.monotonic() < deadline:  # bounded: 4 s of calls with 1 s tokens
        api.services.list()
        calls += 1
        time.sleep(0.1)
    assert calls >= 20
    assert 3 <= session.tokens.exchanges <= calls


def test_a_rejected_access_token_is_renewed_once(strict: KalixLocalServer) -> None:
    # A clock 10 s behind makes the cache keep a token the server already expired.
    session = Session(strict.api_host, refresh(strict.token))
    session.tokens._clock = lambda: time.time() - 10  # type: ignore[method-assign]
    api = session.control_plane("default")
    api.services.list()
    time.sleep(1.2)
    api.services.list()  # 401 -> renew -> retried once
    assert session.tokens.exchanges == 2
    time.sleep(1.2)
    session.federation.list_hostnames(session.project("default").id)  # same on gRPC
    assert session.tokens.exchanges == 3


def test_a_wrong_refresh_token_is_unauthorized(strict: KalixLocalServer) -> None:
    session = Session(strict.api_host, refresh("klx_wrong"))
    with pytest.raises(UnauthorizedError):
        session.project("default")


def test_an_unknown_project_names_what_the_credential_sees(strict: KalixLocalServer) -> None:
    token = strict.new_token("alpha", "beta")
    session = Session(strict.api_host, refresh(token))
    with pytest.raises(ConfigurationError) as err:
        session.project("gamma")
    assert "no project named 'gamma'" in str(err.value)
    assert "'alpha'" in str(err.value) and "'beta'" in str(err.value)
    with pytest.raises(ConfigurationError, match="does not exist or this credential"):
        session.project("00000000-0000-0000-0000-000000000000")


def test_one_credential_for_two_projects(lasting: KalixLocalServer) -> None:
    token = lasting.new_token("north", "south")
    session = Session(lasting.api_host, refresh(token))
    assert session.control_plane("north").project != session.control_plane("south").project
    assert session.tokens.exchanges == 1


def test_list_projects_pages_through_every_project(strict: KalixLocalServer) -> None:
    names = [f"paged-{i}" for i in range(7)]
    token = strict.new_token(*names)
    federation = Session(strict.api_host, refresh(token)).federation
    seen = [p.friendly_name for p in federation.list_projects(page_size=2)]
    assert sorted(seen) == names


def test_the_region_is_the_primary_one_or_the_named_one(strict: KalixLocalServer) -> None:
    session = Session(strict.api_host, refresh(strict.token))
    region = session.region_of(session.project("default"))
    assert region.primary and region.endpoint == strict.url
    url, verify = session.control_plane_target(session.project("default"))
    assert (url, verify) == (strict.url, True)
    named = Session(strict.api_host, refresh(strict.token), region=region.name)
    assert named.region_of(named.project("default")).name == region.name
    wrong = Session(strict.api_host, refresh(strict.token), region="mars-1")
    with pytest.raises(ConfigurationError, match=f"its regions: {region.name}"):
        wrong.region_of(wrong.project("default"))


def test_a_control_plane_url_override_wins(strict: KalixLocalServer) -> None:
    session = Session(
        strict.api_host, refresh(strict.token), control_plane_url="http://127.0.0.1:9/"
    )
    url, _ = session.control_plane_target(session.project("default"))
    assert url == "http://127.0.0.1:9"


def test_hostname_calls_and_their_errors(strict: KalixLocalServer) -> None:
    session = Session(strict.api_host, refresh(strict.token))
    federation, project = session.federation, session.project("default").id
    hosts = federation.create_hostname(project, "api.example.com")
    assert [h.name for h in hosts] == ["api.example.com"]
    with pytest.raises(AlreadyExistsError):
        federation.create_hostname(project, "api.example.com")
    federation.update_hostname(project, "api.example.com", global_=True, skip_provision_cert=True)
    (host,) = federation.list_hostnames(project)
    assert getattr(host, "global") and host.skip_provision_cert
    federation.delete_hostname(project, "api.example.com")
    with pytest.raises(NotFoundError):
        federation.delete_hostname(project, "api.example.com")
    generated = federation.create_hostname(project)
    assert len(generated) == 1 and generated[0].is_generated
    federation.delete_hostname(project, generated[0].name)


def test_an_unreachable_federation_plane_is_a_connection_error() -> None:
    endpoint = Endpoint.parse(f"http://127.0.0.1:{free_port()}")
    # Refused is an outage: a 1 s outage budget, not the default 30 s of riding it out.
    retry = RetryPolicy(max_retries=1, max_elapsed=2.0, outage_seconds=1.0)
    federation = Federation(endpoint, retry=retry)
    with pytest.raises(APIConnectionError, match="could not reach the Akka federation plane"):
        federation.create_access_token("t")
    federation.close()


def test_oidc_tokens_are_exchanged_and_reread_from_their_file(
    strict: KalixLocalServer, tmp_path: object
) -> None:
    from pathlib import Path

    region = Session(strict.api_host, refresh(strict.token))
    audience = f"regions/{region.region_of(region.project('default')).name}"
    token_file = Path(str(tmp_path)) / "oidc-token"
    token_file.write_text(
        oidc_token(strict, "--subject", "ci", "--audience", audience, "--project", "default")
    )
    env = {"AKKA_OAUTH_TOKEN_FILE": str(token_file), "AKKA_OAUTH_TOKEN_AUDIENCE": audience}
    credential = find_credential("ignored: OIDC wins", env)
    assert credential.kind == "oidc" and credential.source == "AKKA_OAUTH_TOKEN_FILE"
    session = Session(strict.api_host, credential)
    assert session.control_plane("default").services.list() == []
    token_file.write_text("not-a-jwt")  # re-read on the next exchange
    time.sleep(1.1)
    with pytest.raises(UnauthorizedError):
        session.tokens.get()


def test_credentials_are_found_in_the_documented_order(tmp_path: object) -> None:
    assert find_credential("from-config", {"AKKA_TOKEN": "env"}).source == "kalix:token"
    assert find_credential(None, {"AKKA_TOKEN": "env", "KALIX_TOKEN": "old"}).source == (
        "AKKA_TOKEN"
    )
    assert find_credential(None, {"KALIX_TOKEN": "old"}).source == "KALIX_TOKEN"
    with pytest.raises(ConfigurationError, match="AKKA_OAUTH_TOKEN_AUDIENCE is required"):
        find_credential(None, {"AKKA_OAUTH_TOKEN": "x"})
    with pytest.raises(ConfigurationError, match="no Akka credential found"):
        find_credential(None, {"PATH": str(tmp_path)})  # no akka CLI on this PATH
    assert "secret" not in repr(Credential("refresh", "test", "secret"))


def test_settings_name_the_akka_variables() -> None:
    settings = Settings.load(
        None, {"AKKA_API_HOST": "http://127.0.0.1:1", "AKKA_PROJECT": "p", "AKKA_REGION": "r"}
    )
    assert (settings.api_host, settings.project, settings.region) == (
        "http://127.0.0.1:1",
        "p",
        "r",
    )
    assert Settings.load(None, {"KALIX_PROJECT": "old"}).project == "old"
    assert Settings.load(None, {}).api_host == "api.kalix.io:443"
    with pytest.raises(ConfigurationError, match="kalix:project"):
        Settings.load(None, {}).require_project()
    assert "token" not in repr(Settings.load(lambda k: "s3cr3t" if k == "kalix:token" else None))
