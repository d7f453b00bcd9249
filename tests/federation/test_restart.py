"""A federation-plane restart is ridden out like a control-plane one: a call that
could not reach the server was never sent, so even a create is sent again, within the
outage budget (kalix:retrySeconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_kalix.client.control_plane import RetryPolicy
from pulumi_kalix.client.credentials import Credential
from pulumi_kalix.client.session import Session
from pulumi_kalix.errors import APIConnectionError
from tests.support.local_server import KalixLocalServer


@pytest.fixture
def own_server() -> Iterator[KalixLocalServer]:
    with KalixLocalServer() as server:
        yield server


def session(server: KalixLocalServer, outage_seconds: float) -> Session:
    credential = Credential("refresh", "test", server.token)
    return Session(server.api_host, credential, retry=RetryPolicy(outage_seconds=outage_seconds))


def test_a_create_rides_out_a_federation_restart(own_server: KalixLocalServer) -> None:
    s = session(own_server, outage_seconds=20.0)
    project = s.project(own_server.project_id())
    restart = own_server.restart_later(3.0)  # refused for ~3 s
    hosts = s.federation.create_hostname(project.id, "shop.example.com")
    restart.join(timeout=20)
    assert restart.error is None  # type: ignore[attr-defined]
    assert [h.name for h in hosts] == ["shop.example.com"]
    assert [h.name for h in s.federation.list_hostnames(project.id)] == ["shop.example.com"]
    s.close()


def test_the_federation_outage_budget_runs_out_with_a_clear_error(
    own_server: KalixLocalServer,
) -> None:
    s = session(own_server, outage_seconds=1.0)
    project = s.project(own_server.project_id())
    own_server.stop()
    with pytest.raises(APIConnectionError, match="could not reach the Akka federation plane"):
        s.federation.list_hostnames(project.id)
    s.close()
