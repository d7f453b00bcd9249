"""The control plane's credentials: strict (the platform's rules) and legacy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.federation import access_token, channel
from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, service


@pytest.fixture(scope="module")
def strict() -> Iterator[KalixLocalServer]:
    with KalixLocalServer(extra_args=["--control-plane-auth", "strict"]) as server:
        yield server


@pytest.fixture(scope="module")
def legacy() -> Iterator[KalixLocalServer]:
    with KalixLocalServer(extra_args=["--control-plane-auth", "legacy"]) as server:
        yield server


def test_strict_is_the_default(kalix: KalixLocalServer) -> None:
    with kalix.client(kalix.token, raw=True) as api:
        assert api.get(kalix.api_path("kalixservices")).status_code == 401


def by_name(project: str, plural: str, name: str = "") -> str:
    """A control-plane path naming the project by friendly name, as legacy tools did."""
    base = f"/apis/kalix.io/v1alpha1/namespaces/{project}/{plural}"
    return f"{base}/{name}" if name else base


def _access(server: KalixLocalServer, refresh: str = "") -> str:
    with channel(server) as chan:
        return access_token(chan, refresh or server.token).token


def test_strict__a_refresh_token_is_401_saying_to_exchange_it(strict: KalixLocalServer) -> None:
    with strict.client(strict.token, raw=True) as api:
        for path in (
            strict.api_path("kalixservices", project=strict.project_id()),
            strict.hostnames_path(project=strict.project_id()),
        ):
            status = assert_status(api.get(path), 401, "Unauthorized")
            assert "exchange it for an access token first" in status["message"]


def test_strict__an_access_token_and_the_uuid_work(strict: KalixLocalServer) -> None:
    project_id = strict.project_id()
    with strict.client(_access(strict), raw=True) as api:
        created = api.post(strict.api_path("kalixservices", project=project_id), json=service("a"))
        assert created.status_code == 201, created.text
        assert created.json()["metadata"]["namespace"] == project_id
        listed = api.get(strict.api_path("kalixservices", project=project_id)).json()
        assert [i["metadata"]["namespace"] for i in listed["items"]] == [project_id]


def test_strict__a_friendly_name_is_404(strict: KalixLocalServer) -> None:
    with strict.client(_access(strict), raw=True) as api:
        response = api.get(by_name("default", "kalixservices"))
    message = assert_status(response, 404, "NotFound")["message"]
    assert 'namespace "default" not found' in message and "ListProjects" in message


def test_strict__another_or_unknown_projects_uuid_is_403(strict: KalixLocalServer) -> None:
    other = strict.new_token("strict-other")
    with strict.client(_access(strict, other), raw=True) as api:
        for project in (strict.project_id(), str(uuid.uuid4())):
            response = api.get(strict.api_path("kalixservices", project=project))
            assert_status(response, 403, "Forbidden", f'token is not valid for project "{project}"')


def test_legacy__friendly_names_and_refresh_tokens_still_work(legacy: KalixLocalServer) -> None:
    project_id = legacy.project_id()
    with legacy.client(legacy.token, raw=True) as api:
        created = api.post(by_name("default", "kalixservices"), json=service("b"))
        assert created.status_code == 201
        assert created.json()["metadata"]["namespace"] == project_id
    with legacy.client(_access(legacy), raw=True) as api:
        for project in ("default", project_id):
            got = api.get(by_name(project, "kalixservices", "b"))
            assert got.status_code == 200 and got.json()["metadata"]["namespace"] == project_id


def test_admin_lists_projects_with_their_ids(kalix: KalixLocalServer) -> None:
    created = kalix.admin("POST", "/projects", {"name": "with-id"})
    assert str(uuid.UUID(created["id"])) == created["id"]
    listed = {p["name"]: p["id"] for p in kalix.admin("GET", "/projects")["projects"]}
    assert listed["with-id"] == created["id"]
