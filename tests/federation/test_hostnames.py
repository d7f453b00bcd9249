"""Hostnames over real gRPC, on the same storage as the HTTP hostnames API and routes."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from tests.support.federation import access_token, call, channel, rpc_error
from tests.support.local_server import KalixLocalServer
from tests.support.objects import route, service


class Hostnames:
    """The default project's hostnames through the federation plane."""

    def __init__(self, kalix: KalixLocalServer, chan: grpc.Channel, refresh: str = "") -> None:
        self.chan = chan
        self.token = access_token(chan, refresh or kalix.token).token
        self.parent = f"projects/{kalix.project_id()}"

    def create(self, name: str = "", **flags: bool) -> list[projects_pb2.Hostname]:
        hostname = projects_pb2.Hostname(name=name, **flags)
        request = projects_pb2.CreateHostnameRequest(parent=self.parent, hostname=hostname)
        return list(call(rpc.CREATE_HOSTNAME, self.chan, request, self.token).hostnames)

    def create_error(self, name: str, parent: str = "") -> grpc.RpcError:
        request = projects_pb2.CreateHostnameRequest(
            parent=parent or self.parent, hostname=projects_pb2.Hostname(name=name)
        )
        return rpc_error(rpc.CREATE_HOSTNAME, self.chan, request, self.token)

    def list(self) -> dict[str, projects_pb2.Hostname]:
        request = projects_pb2.ListHostnamesRequest(parent=self.parent)
        response = call(rpc.LIST_HOSTNAMES, self.chan, request, self.token)
        assert response.next_page_token == ""
        return {h.name: h for h in response.hostnames}

    def delete_request(self, name: str) -> projects_pb2.DeleteHostnameRequest:
        return projects_pb2.DeleteHostnameRequest(name=f"{self.parent}/hostnames/{name}")

    def update_request(
        self, name: str, paths: list[str], **flags: bool
    ) -> projects_pb2.UpdateHostnameRequest:
        return projects_pb2.UpdateHostnameRequest(
            name=f"{self.parent}/hostnames/{name}",
            hostname=projects_pb2.Hostname(**flags),
            update_mask=field_mask_pb2.FieldMask(paths=paths),
        )


@pytest.fixture
def hostnames(kalix: KalixLocalServer) -> Iterator[Hostnames]:
    with channel(kalix) as chan:
        yield Hostnames(kalix, chan)


def test_custom_hostname_is_reserved_and_listed(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    listed = hostnames.create("shop.example.com", skip_provision_cert=True)
    assert [h.name for h in listed] == ["shop.example.com"]
    (created,) = listed
    assert not created.is_generated and created.skip_provision_cert
    assert not getattr(created, "global")
    assert set(hostnames.list()) == {"shop.example.com"}
    # The HTTP hostnames API and route validation see the same hostname.
    with kalix.client() as api:
        legacy = api.get(kalix.hostnames_path()).json()["hostnames"]
        assert [h["name"] for h in legacy] == ["shop.example.com"]
        api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        made = api.post(
            kalix.api_path("kalixroutes"), json=route("shop", "shop.example.com", {"/": "cart"})
        )
    assert made.status_code == 201, made.text


def test_create_answers_with_every_hostname_of_the_project(hostnames: Hostnames) -> None:
    hostnames.create("a.example.com")
    listed = hostnames.create("b.example.com")
    assert [h.name for h in listed] == ["a.example.com", "b.example.com"]


def test_an_empty_name_asks_for_a_generated_hostname(hostnames: Hostnames) -> None:
    (generated,) = hostnames.create(**{"global": True})
    assert generated.is_generated and getattr(generated, "global")
    assert generated.name.endswith(".us-east1.kalix.app")
    assert hostnames.list()[generated.name].is_generated


def test_a_hostname_is_unique_across_projects(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    hostnames.create("taken.example.com")
    again = hostnames.create_error("taken.example.com")
    assert again.code() == grpc.StatusCode.ALREADY_EXISTS
    other_refresh = kalix.new_token("other-team")
    with channel(kalix) as chan:
        other = Hostnames(kalix, chan, other_refresh)
        other.parent = f"projects/{kalix.project_id('other-team')}"
        error = other.create_error("taken.example.com")
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS
        assert 'hostname "taken.example.com" is already in use' in (error.details() or "")
        assert other.list() == {}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Shop.Example.com", "must be lower-case"),
        ("localhost", "at least two labels"),
        ("x.us-east1.kalix.app", "under the platform domain"),
    ],
)
def test_a_bad_name_is_invalid_argument(hostnames: Hostnames, name: str, message: str) -> None:
    error = hostnames.create_error(name)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (error.details() or "")


def test_delete_and_delete_missing(hostnames: Hostnames) -> None:
    hostnames.create("gone.example.com")
    request = hostnames.delete_request("gone.example.com")
    call(rpc.DELETE_HOSTNAME, hostnames.chan, request, hostnames.token)
    assert hostnames.list() == {}
    error = rpc_error(rpc.DELETE_HOSTNAME, hostnames.chan, request, hostnames.token)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    bad = projects_pb2.DeleteHostnameRequest(name="gone.example.com")
    malformed = rpc_error(rpc.DELETE_HOSTNAME, hostnames.chan, bad, hostnames.token)
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_hostname_in_use_by_a_route_is_not_deleted(
    kalix: KalixLocalServer, hostnames: Hostnames
) -> None:
    hostnames.create("used.example.com")
    with kalix.client() as api:
        api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
        api.post(
            kalix.api_path("kalixroutes"), json=route("shop", "used.example.com", {"/": "cart"})
        ).raise_for_status()
    request = hostnames.delete_request("used.example.com")
    error = rpc_error(rpc.DELETE_HOSTNAME, hostnames.chan, request, hostnames.token)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "used by route(s): shop" in (error.details() or "")


def test_update_sets_the_flags_in_the_mask(hostnames: Hostnames) -> None:
    hostnames.create("flags.example.com")
    both = hostnames.update_request(
        "flags.example.com", ["global", "skip_provision_cert"], skip_provision_cert=True
    )
    setattr(both.hostname, "global", True)
    call(rpc.UPDATE_HOSTNAME, hostnames.chan, both, hostnames.token)
    updated = hostnames.list()["flags.example.com"]
    assert getattr(updated, "global") and updated.skip_provision_cert
    # Only the masked flag changes: global stays although the message says False.
    one = hostnames.update_request("flags.example.com", ["skip_provision_cert"])
    call(rpc.UPDATE_HOSTNAME, hostnames.chan, one, hostnames.token)
    updated = hostnames.list()["flags.example.com"]
    assert getattr(updated, "global") and not updated.skip_provision_cert


@pytest.mark.parametrize(
    ("paths", "name", "code", "message"),
    [
        (["name"], "flags.example.com", "INVALID_ARGUMENT", "'name' cannot be updated"),
        (["bogus"], "flags.example.com", "INVALID_ARGUMENT", "'bogus' cannot be updated"),
        (["global"], "missing.example.com", "NOT_FOUND", 'hostname "missing.example.com"'),
    ],
)
def test_update_errors(
    hostnames: Hostnames, paths: list[str], name: str, code: str, message: str
) -> None:
    hostnames.create("flags.example.com")
    request = hostnames.update_request(name, paths)
    error = rpc_error(rpc.UPDATE_HOSTNAME, hostnames.chan, request, hostnames.token)
    assert error.code() == getattr(grpc.StatusCode, code)
    assert message in (error.details() or "")


def test_update_cannot_rename(hostnames: Hostnames) -> None:
    hostnames.create("flags.example.com")
    request = hostnames.update_request("flags.example.com", ["global"])
    request.hostname.name = "other.example.com"
    error = rpc_error(rpc.UPDATE_HOSTNAME, hostnames.chan, request, hostnames.token)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cannot be renamed" in (error.details() or "")
