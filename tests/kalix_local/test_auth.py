"""Auth: no token 401, unknown token 401, another project's token 403 and no data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, service

PATHS = [
    "/apis/kalix.io/v1alpha1/namespaces/{p}/kalixservices",
    "/apis/kalix.io/v1alpha1/namespaces/{p}/kalixroutes/x",
    "/apis/kalix.io/v1alpha1/namespaces/{p}/kalixsecrets",
    "/kalix.io/v1alpha/projects/{p}",
    "/kalix.io/v1alpha/projects/{p}/hostnames",
]


@pytest.mark.parametrize("template", PATHS)
def test_no_token__401(kalix: KalixLocalServer, template: str) -> None:
    response = httpx.get(kalix.url + template.format(p="default"))
    assert_status(response, 401, "Unauthorized")


def test_unknown_token__401(kalix: KalixLocalServer) -> None:
    with kalix.client("klx_not-a-token") as api:
        assert_status(api.get(kalix.api_path("kalixservices")), 401, "Unauthorized")


@pytest.mark.parametrize("template", PATHS)
def test_other_projects_token__403(kalix: KalixLocalServer, template: str) -> None:
    other = kalix.new_project("other")
    project = kalix.project_id()
    with kalix.client(other) as api:
        response = api.get(template.format(p=project))
        assert_status(response, 403, "Forbidden", f'token is not valid for project "{project}"')


def test_other_projects_token__write_refused_no_data(kalix: KalixLocalServer) -> None:
    with kalix.client() as api:
        api.post(kalix.api_path("kalixservices"), json=service("secret-svc")).raise_for_status()
    other = kalix.new_project("other")
    with kalix.client(other) as api:
        response = api.get(kalix.api_path("kalixservices", "secret-svc"))
        assert response.status_code == 403 and "secret-svc" not in response.text
        assert api.get(kalix.api_path("kalixservices", project="other")).json()["items"] == []
        refused = api.post(kalix.api_path("kalixservices"), json=service("x"))
        assert_status(refused, 403, "Forbidden")


def test_unknown_project__403(kalix: KalixLocalServer) -> None:
    nowhere = "00000000-0000-4000-8000-000000000000"  # no such project: as another's, 403
    with kalix.client() as api:
        response = api.get(kalix.api_path("kalixservices", project=nowhere))
        assert_status(response, 403, "Forbidden", f'token is not valid for project "{nowhere}"')


def test_healthz_and_openapi_need_no_token(kalix: KalixLocalServer) -> None:
    assert httpx.get(kalix.url + "/healthz").status_code == 200
    spec = httpx.get(kalix.url + "/openapi.json").json()
    assert "/apis/kalix.io/v1alpha1/namespaces/{project}/kalixservices" in spec["paths"]


def test_a_token_for_several_projects_acts_on_each_and_no_other(
    kalix: KalixLocalServer,
) -> None:
    token = kalix.new_token("team-a", "team-b")
    with kalix.client(token) as c:
        for project in ("team-a", "team-b"):
            assert c.get(kalix.api_path("kalixservices", project=project)).status_code == 200
        other = c.get(kalix.api_path("kalixservices", project="default"))
    assert other.status_code == 403
    assert other.json()["message"] == f'token is not valid for project "{kalix.project_id()}"'


def test_token_create_cli_takes_several_projects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kalix_local.__main__ import main
    from kalix_local.backend.projects import hash_token
    from kalix_local.store import Store

    args = ["token", "create", "--project", "a", "--project", "b", "--data-dir", str(tmp_path)]
    args.append("--create")  # a new data directory
    assert main(args) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    store = Store(tmp_path / "kalix-local.db")
    try:
        with store.tx() as tx:
            ids = tx.token_projects(hash_token(token)) or set()
            assert {row.name for row in tx.list_projects() if row.id in ids} == {"a", "b"}
    finally:
        store.close()
