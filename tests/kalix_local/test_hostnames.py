"""Hostnames: generated and custom, uniqueness across projects, deletion rules."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import assert_status, route, service


@pytest.fixture
def api(kalix: KalixLocalServer) -> httpx.Client:
    with kalix.client() as client:
        yield client


def test_create_hostname__generated(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(kalix.hostnames_path(), json={})
    assert response.status_code == 200
    [hostname] = response.json()["hostnames"]
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{4}\.us-east1\.kalix\.app", hostname["name"])
    assert hostname["isGenerated"] is True
    assert hostname["cname"] == ""
    assert hostname["region"] == "us-east1"


def test_create_hostname__custom_with_annotations(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = {"name": "shop.example.com", "annotations": {"pulumi-kalix.io/owner": "p/s/shop"}}
    [hostname] = api.post(kalix.hostnames_path(), json=body).json()["hostnames"]
    assert hostname == {
        "name": "shop.example.com",
        "isGenerated": False,
        "global": False,
        "skipProvisionCert": False,
        "region": "us-east1",
        "cname": "us-east1.kalix.app",
        "annotations": {"pulumi-kalix.io/owner": "p/s/shop"},
    }
    assert api.get(kalix.hostnames_path("shop.example.com")).json() == hostname
    assert api.get(kalix.hostnames_path()).json() == {"hostnames": [hostname]}


def test_create_hostname__invalid_name(kalix: KalixLocalServer, api: httpx.Client) -> None:
    status = assert_status(
        api.post(kalix.hostnames_path(), json={"name": "Bad_Host"}), 422, "Invalid"
    )
    assert status["details"]["causes"][0]["field"] == "name"


def test_create_hostname__not_under_apps_domain(kalix: KalixLocalServer, api: httpx.Client) -> None:
    response = api.post(kalix.hostnames_path(), json={"name": "mine.us-east1.kalix.app"})
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "name"


def test_create_hostname__unique_across_projects(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    other = kalix.new_project("other-shop")
    with kalix.client(other) as other_api:
        response = other_api.post(
            kalix.hostnames_path(project="other-shop"), json={"name": "shop.example.com"}
        )
        body = assert_status(
            response, 409, "AlreadyExists", 'hostname "shop.example.com" is already in use'
        )
        assert "default" not in response.text
        assert body["details"]["name"] == "shop.example.com"
        # And the other project cannot see it.
        gone = other_api.get(kalix.hostnames_path("shop.example.com", project="other-shop"))
        assert_status(gone, 404, "NotFound")


def test_delete_hostname__in_use_by_route(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    api.post(
        kalix.api_path("kalixroutes"), json=route("shop", "shop.example.com", {"/": "cart"})
    ).raise_for_status()
    assert_status(
        api.delete(kalix.hostnames_path("shop.example.com")),
        409,
        "Conflict",
        'hostname "shop.example.com" is used by route(s): shop',
    )


def test_delete_hostname__ok_then_absent(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    response = api.delete(kalix.hostnames_path("shop.example.com"))
    assert (response.status_code, response.json()) == (200, {})
    assert_status(api.delete(kalix.hostnames_path("shop.example.com")), 404, "NotFound")


def test_get_project__regions_and_hostnames(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.hostnames_path(), json={"name": "shop.example.com"}).raise_for_status()
    project = api.get(f"/kalix.io/v1alpha/projects/{kalix.project_id()}").json()
    assert project["name"] == "default"
    assert project["regions"] == [
        {
            "name": "us-east1",
            "ingressCnameAddress": "us-east1.kalix.app",
            "appsDomainName": "us-east1.kalix.app",
            "primary": True,
        }
    ]
    assert [h["name"] for h in project["hostnames"]] == ["shop.example.com"]
