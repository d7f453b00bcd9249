"""Auth over real gRPC: refresh token -> access token, expiry, OIDC exchange, errors."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator

import grpc
import httpx
import pytest

from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.support.federation import access_token, call, channel, oidc_token, rpc_error
from tests.support.local_server import KalixLocalServer

REGION = "regions/us-east1"


def test_refresh_token_buys_an_access_token(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token)
        assert token.token.startswith("klxa_") and token.token != kalix.token
        assert token.subject.startswith("users/") and "/tokens/" in token.subject
        life = token.expire_time.ToSeconds() - token.created_time.ToSeconds()
        assert life == 3600
        assert list(token.scopes) == [auth_pb2.ALL]
        current = call(rpc.GET_CURRENT_TOKEN, chan, auth_pb2.GetCurrentTokenRequest(), token.token)
    assert current.token_type == auth_pb2.ACCESS
    assert current.name == token.subject.split("/tokens/")[0]
    assert current.token_name == token.subject
    assert current.expire_time == token.expire_time


def test_each_exchange_gives_a_new_token(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        first, second = access_token(chan, kalix.token), access_token(chan, kalix.token)
    assert first.token != second.token and first.subject == second.subject


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (None, "a bearer token is required"),
        ([("authorization", "Basic abc")], "a bearer token is required"),
        ([("authorization", "Bearer klx_not-a-token")], "the refresh token is not valid"),
    ],
)
def test_exchange_without_a_good_refresh_token_is_unauthenticated(
    kalix: KalixLocalServer, metadata: list[tuple[str, str]] | None, message: str
) -> None:
    with channel(kalix) as chan, pytest.raises(grpc.RpcError) as caught:
        rpc.CREATE_ACCESS_TOKEN.stub(chan)(
            auth_pb2.CreateAccessTokenRequest(), timeout=10, metadata=metadata
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert message in (caught.value.details() or "")


def test_an_access_token_cannot_buy_another(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token)
        error = rpc_error(
            rpc.CREATE_ACCESS_TOKEN, chan, auth_pb2.CreateAccessTokenRequest(), token.token
        )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "send the refresh token" in (error.details() or "")


def test_a_refresh_token_is_refused_on_every_other_call(kalix: KalixLocalServer) -> None:
    with channel(kalix) as chan:
        for method, request in (
            (rpc.GET_CURRENT_TOKEN, auth_pb2.GetCurrentTokenRequest()),
            (rpc.LIST_PROJECTS, projects_pb2.ListProjectsRequest()),
        ):
            error = rpc_error(method, chan, request, kalix.token)
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "exchange it for an access token first" in (error.details() or "")


#: Long enough that a token is still valid for the calls made right after its exchange
#: on a loaded machine (parallel workers); its expiry is then awaited.
SHORT_LIFE = 4


@pytest.fixture(scope="module")
def short_lived() -> Iterator[KalixLocalServer]:
    with KalixLocalServer(extra_args=["--access-token-seconds", str(SHORT_LIFE)]) as server:
        yield server


def _wait_until_past(expire_seconds: float) -> None:
    # Bounded: never more than the token's life and 5 s of waiting.
    deadline = time.monotonic() + SHORT_LIFE + 5
    while time.time() <= expire_seconds + 0.05 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_access_tokens_expire_and_a_new_exchange_renews(short_lived: KalixLocalServer) -> None:
    with channel(short_lived) as chan:
        token = access_token(chan, short_lived.token)
        assert token.expire_time.ToSeconds() - token.created_time.ToSeconds() == SHORT_LIFE
        request = projects_pb2.ListProjectsRequest()
        assert call(rpc.LIST_PROJECTS, chan, request, token.token).projects
        project_id = short_lived.project_id()
        rest_path = short_lived.api_path("kalixservices", project=project_id)
        with short_lived.client(token.token) as api:
            assert api.get(rest_path).status_code == 200
        _wait_until_past(token.expire_time.ToSeconds() + token.expire_time.nanos / 1e9)
        error = rpc_error(rpc.LIST_PROJECTS, chan, request, token.token)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "the access token has expired" in (error.details() or "")
        with short_lived.client(token.token) as api:
            refused = api.get(rest_path)
        assert refused.status_code == 401 and "has expired" in refused.json()["message"]
        renewed = access_token(chan, short_lived.token)
        assert call(rpc.LIST_PROJECTS, chan, request, renewed.token).projects


def _exchange(chan: grpc.Channel, subject_token: str, audience: str = REGION) -> str:
    response = call(
        rpc.CREATE_OAUTH_TOKEN,
        chan,
        auth_pb2.CreateOAuthTokenRequest(
            grant_type=rpc.TOKEN_EXCHANGE_GRANT,
            audience=audience,
            requested_token_type=rpc.ACCESS_TOKEN_TYPE,
            subject_token=subject_token,
            subject_token_type=rpc.ID_TOKEN_TYPE,
        ),
        None,
    )
    assert response.token_type == "Bearer" and response.expires_in == 3600
    assert response.issued_token_type == rpc.ACCESS_TOKEN_TYPE
    token: str = response.access_token
    return token


def _exchange_error(chan: grpc.Channel, **fields: str) -> grpc.RpcError:
    request = auth_pb2.CreateOAuthTokenRequest(
        grant_type=rpc.TOKEN_EXCHANGE_GRANT,
        audience=REGION,
        subject_token_type=rpc.ID_TOKEN_TYPE,
    )
    for key, value in fields.items():
        setattr(request, key, value)
    return rpc_error(rpc.CREATE_OAUTH_TOKEN, chan, request, None)


def test_oidc_exchange_grants_the_trusted_projects_only(kalix: KalixLocalServer) -> None:
    id_token = oidc_token(
        kalix, "--subject", "repo:acme/shop:ref:main", "--audience", REGION, "--project", "ci-shop"
    )
    with channel(kalix) as chan:
        token = _exchange(chan, id_token)
        listed = call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
        current = call(rpc.GET_CURRENT_TOKEN, chan, auth_pb2.GetCurrentTokenRequest(), token)
    assert [p.friendly_name for p in listed.projects] == ["ci-shop"]
    assert current.name == "oidc-subjects/repo:acme/shop:ref:main"
    ci_shop = kalix.project_id("ci-shop")
    with kalix.client(token) as api:
        assert api.get(kalix.api_path("kalixservices", project=ci_shop)).status_code == 200
        other = api.get(kalix.api_path("kalixservices", project=kalix.project_id()))
    assert other.status_code == 403
    key = kalix.data_dir / "oidc-issuer.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_oidc_exchange_refuses_bad_tokens(kalix: KalixLocalServer) -> None:
    good = oidc_token(kalix, "--subject", "ci", "--audience", REGION, "--project", "ci-shop")
    header, claims, signature = good.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    expired = oidc_token(kalix, "--subject", "ci", "--audience", REGION, "--expires-in", "-5")
    elsewhere = oidc_token(kalix, "--subject", "ci", "--audience", "regions/elsewhere")
    untrusted = oidc_token(kalix, "--subject", "nobody", "--audience", REGION)
    cases = [
        (f"{header}.{claims}.{flipped}", grpc.StatusCode.UNAUTHENTICATED, "does not verify"),
        (expired, grpc.StatusCode.UNAUTHENTICATED, "has expired"),
        (elsewhere, grpc.StatusCode.UNAUTHENTICATED, 'not for the audience "regions/us-east1"'),
        ("not-a-jwt", grpc.StatusCode.UNAUTHENTICATED, "not a compact JWT"),
        (untrusted, grpc.StatusCode.PERMISSION_DENIED, 'subject "nobody" is not trusted'),
    ]
    with channel(kalix) as chan:
        for subject_token, code, message in cases:
            error = _exchange_error(chan, subject_token=subject_token)
            assert (error.code(), message in (error.details() or "")) == (code, True), message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"grant_type": "client_credentials"}, 'grant_type "client_credentials" is not supported'),
        ({"subject_token_type": "urn:x"}, 'subject_token_type "urn:x" is not supported'),
        ({"requested_token_type": "urn:y"}, 'requested_token_type "urn:y" is not supported'),
        ({"audience": ""}, "audience is required"),
        ({"audience": "regions/mars"}, 'audience "regions/mars" is not known here'),
        ({"subject_token": ""}, "subject_token is required"),
    ],
)
def test_oidc_exchange_bad_requests_are_invalid_argument(
    kalix: KalixLocalServer, fields: dict[str, str], message: str
) -> None:
    with channel(kalix) as chan:
        error = _exchange_error(chan, **{"subject_token": "x.y.z", **fields})
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (error.details() or "")


def test_the_log_has_one_line_per_call_and_no_token(kalix: KalixLocalServer) -> None:
    id_token = oidc_token(kalix, "--subject", "ci-log", "--audience", REGION, "--project", "ci-log")
    other_refresh = kalix.new_token("log-project")
    with channel(kalix) as chan:
        token = access_token(chan, other_refresh).token
        oidc_access = _exchange(chan, id_token)
        call(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), token)
        rpc_error(rpc.LIST_PROJECTS, chan, projects_pb2.ListProjectsRequest(), "klxa_wrong")
    with kalix.client(token) as api:
        api.get(kalix.api_path("kalixservices", project=kalix.project_id("log-project")))
    httpx.get(kalix.url + "/healthz")  # the request log is written after the response
    log = kalix.log_path.read_text()
    for secret in (token, oidc_access, id_token, other_refresh, "klxa_wrong"):
        assert secret not in log
    # The default refresh token is printed once at start (for the user), nowhere else.
    assert all("klx_" not in line for line in log.splitlines() if "kalix_local." in line)
    assert "grpc /kalix.projects.v1alpha.Projects/ListProjects OK" in log
    assert "grpc /kalix.projects.v1alpha.Projects/ListProjects UNAUTHENTICATED" in log
