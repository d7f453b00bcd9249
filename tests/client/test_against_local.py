"""The client against kalix-local running as a real server on loopback.

Covers CRUD of every kind, read-modify-write under concurrent writers, faults injected
through the admin API and absorbed (or not) by the retries, watch-driven `wait_for`,
and auth errors.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_kalix.api import OWNER_ANNOTATION, KalixRoute, KalixSecret, KalixService, Preconditions
from pulumi_kalix.client import AsyncControlPlane, Call, ControlPlane, RetryPolicy
from pulumi_kalix.errors import (
    AlreadyExistsError,
    APIConnectionError,
    APITimeoutError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    UnauthorizedError,
    WaitTimeoutError,
)
from tests.support.federation import Hostnames
from tests.support.local_server import KalixLocalServer

FAST_RETRIES = RetryPolicy(max_retries=5, max_elapsed=20.0, backoff_base=0.05, backoff_max=0.5)
OWNER = "shop/dev/api"


def make_cp(
    kalix: KalixLocalServer, token: str | None = None, project: str | None = None, **kwargs: Any
) -> ControlPlane:
    """A client as the platform wants it called: an access token (exchanged from the
    refresh `token`; "" sends none) and the project's UUID as namespace."""
    kwargs.setdefault("retry", FAST_RETRIES)
    access = "" if token == "" else kalix.access_token(token)
    return ControlPlane(kalix.url, access, kalix.project_id(project), **kwargs)


@pytest.fixture
def cp(kalix: KalixLocalServer) -> Iterator[ControlPlane]:
    with make_cp(kalix) as client:
        client.hostnames = Hostnames(kalix)  # type: ignore[attr-defined]
        yield client


def service(name: str = "api", image: str = "registry.test/api:1", **meta: Any) -> KalixService:
    return KalixService.model_validate(
        {
            "metadata": {"name": name, "annotations": {OWNER_ANNOTATION: OWNER}, **meta},
            "spec": {"containers": [{"image": image}]},
        }
    )


def is_ready(s: KalixService | None) -> bool:
    return s is not None and s.status is not None and s.status.summary == "Ready"


def add_fault(kalix: KalixLocalServer, **spec: Any) -> int:
    return int(kalix.admin("POST", "/faults", spec)["id"])


def fault(kalix: KalixLocalServer, fault_id: int) -> dict[str, Any]:
    faults: list[dict[str, Any]] = kalix.admin("GET", "/faults")["faults"]
    return next(f for f in faults if f["id"] == fault_id)


# ---------------------------------------------------------------------------
# CRUD
# ---------------------------------------------------------------------------


def test_service_lifecycle(cp: ControlPlane) -> None:
    created = cp.services.create(service(labels={"app": "shop"}))
    assert created.metadata.uid
    assert created.metadata.generation == 1
    assert created.metadata.annotations == {OWNER_ANNOTATION: OWNER}

    assert cp.services.get("api").metadata.uid == created.metadata.uid
    assert [s.metadata.name for s in cp.services.list("app=shop")] == ["api"]
    assert cp.services.list("app=other") == []

    # A merge patch replaces the whole list: each container needs its (published, required) name.
    new_containers = [{"name": "main", "image": "registry.test/api:2"}]
    patched = cp.services.patch("api", {"spec": {"containers": new_containers}})
    assert patched.metadata.generation == 2
    ready = cp.services.wait_for("api", is_ready, timeout=10)
    assert ready is not None and ready.spec.image == "registry.test/api:2"

    deleted = cp.services.delete("api")
    assert deleted is not None and deleted.status == "Success"
    assert cp.services.get_or_none("api") is None
    with pytest.raises(NotFoundError):
        cp.services.get("api")
    assert cp.services.delete("api") is None


def test_create_of_an_existing_service_is_already_exists(cp: ControlPlane) -> None:
    cp.services.create(service())

    with pytest.raises(AlreadyExistsError) as info:
        cp.services.create(service())

    assert info.value.status_code == 409
    assert info.value.reason == "AlreadyExists"


@pytest.mark.contract_exempt("sends an invalid body through the client on purpose", side="request")
def test_invalid_service_names_every_bad_field(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    body = {
        "metadata": {"name": "bad"},
        "spec": {
            "containers": [{"name": "main", "image": ""}],
            "resources": {"instanceType": "huge", "autoscaling": {"minInstances": 0}},
        },
    }

    with pytest.raises(InvalidError) as info:
        cp.send(Call("POST", kalix.api_path("kalixservices"), json=body))

    assert info.value.reason == "Invalid"
    assert [field for field, _ in info.value.causes] == [
        "spec.containers[0].image",
        "spec.resources.instanceType",
        "spec.resources.autoscaling.minInstances",
    ]


def test_replace_with_a_stale_resource_version_is_conflict(cp: ControlPlane) -> None:
    stale = cp.services.create(service())
    cp.services.patch("api", {"metadata": {"labels": {"team": "a"}}})

    with pytest.raises(ConflictError) as info:
        cp.services.replace(stale)

    assert info.value.reason == "Conflict"


def test_delete_with_matching_preconditions_deletes(cp: ControlPlane) -> None:
    cp.services.create(service())
    live = cp.services.get("api").metadata

    deleted = cp.services.delete(
        "api", preconditions=Preconditions(uid=live.uid, resource_version=live.resource_version)
    )

    assert deleted is not None and deleted.details is not None
    assert deleted.details.uid == live.uid
    assert cp.services.get_or_none("api") is None
    # Gone is not a failed precondition: the client answers None, as without them.
    assert cp.services.delete("api", preconditions=Preconditions(uid=live.uid)) is None


def test_delete_with_another_uid_is_refused_and_deletes_nothing(cp: ControlPlane) -> None:
    def creds() -> KalixSecret:
        return KalixSecret.model_validate(
            {"metadata": {"name": "creds"}, "spec": {"type": "generic", "data": {"k": "dg=="}}}
        )

    old = cp.secrets.create(creds())
    cp.secrets.delete("creds")
    new = cp.secrets.create(creds())  # a namesake: what a uid precondition protects

    with pytest.raises(PreconditionFailedError) as info:
        cp.secrets.delete("creds", preconditions=Preconditions(uid=old.metadata.uid))

    assert (info.value.status_code, info.value.reason) == (409, "Conflict")
    assert f"UID in precondition: {old.metadata.uid}" in info.value.message
    assert cp.secrets.get("creds").metadata.uid == new.metadata.uid


def test_delete_with_a_stale_resource_version_is_refused(cp: ControlPlane) -> None:
    cp.hostnames.create("shop.example.com")
    spec = {"host": "shop.example.com", "routes": [{"route": {"service": "api"}}]}
    route = KalixRoute.model_validate({"metadata": {"name": "web"}, "spec": spec})
    stale = cp.routes.create(route).metadata
    cp.routes.patch("web", {"metadata": {"labels": {"team": "a"}}})

    with pytest.raises(PreconditionFailedError) as info:
        cp.routes.delete(
            "web", preconditions=Preconditions(resource_version=stale.resource_version)
        )

    assert "ResourceVersion in precondition" in info.value.message
    assert cp.routes.get("web").metadata.uid == stale.uid


def test_hard_delete_with_preconditions(cp: ControlPlane) -> None:
    uid = cp.services.create(service()).metadata.uid

    with pytest.raises(PreconditionFailedError):
        cp.services.delete("api", preconditions=Preconditions(uid="not-" + str(uid)), hard="true")
    assert cp.services.get("api").metadata.uid == uid

    assert cp.services.delete("api", preconditions=Preconditions(uid=uid), hard="true") is not None
    assert cp.services.list(includeDeleted="true") == []


def test_async_delete_with_preconditions(kalix: KalixLocalServer, cp: ControlPlane) -> None:
    created = cp.services.create(service())

    async def main() -> None:
        access, namespace = kalix.access_token(), kalix.project_id()
        async with AsyncControlPlane(kalix.url, access, namespace, retry=FAST_RETRIES) as client:
            with pytest.raises(PreconditionFailedError):
                await client.services.delete("api", preconditions=Preconditions(uid="other"))
            assert await client.services.get_or_none("api") is not None
            deleted = await client.services.delete(
                "api", preconditions=Preconditions(uid=created.metadata.uid)
            )
            assert deleted is not None and deleted.status == "Success"
            assert await client.services.get_or_none("api") is None

    asyncio.run(main())


def test_route_lifecycle(cp: ControlPlane) -> None:
    cp.hostnames.create("shop.example.com")
    route = KalixRoute.model_validate(
        {
            "metadata": {"name": "web"},
            "spec": {
                "host": "shop.example.com",
                "routes": [{"prefix": "/", "route": {"service": "api"}}],
            },
        }
    )

    created = cp.routes.create(route)
    assert created.spec.host == "shop.example.com"
    assert created.status is None  # the controller acts after the write, not in it

    def add_prefix(r: KalixRoute) -> KalixRoute:
        r.spec.routes.insert(0, r.spec.routes[0].model_copy(update={"prefix": "/carts"}))
        return r

    updated = cp.routes.update("web", add_prefix)
    assert [r.prefix for r in updated.spec.routes] == ["/carts", "/"]
    assert updated.metadata.generation == 2
    assert [r.metadata.name for r in cp.routes.list()] == ["web"]

    assert cp.routes.delete("web") is not None
    assert cp.routes.get_or_none("web") is None
    assert cp.routes.delete("web") is None


def test_secret_lifecycle_never_returns_data(cp: ControlPlane) -> None:
    secret = KalixSecret.model_validate(
        {"metadata": {"name": "creds"}, "spec": {"type": "generic", "data": {"k": "dmFsdWU="}}}
    )

    created = cp.secrets.create(secret)

    assert created.spec.data is None
    read = cp.secrets.get("creds")
    assert read.spec.data is None
    assert read.status is None or "keys" not in read.status.to_wire()  # not even key names
    assert "dmFsdWU=" not in read.model_dump_json()
    assert cp.secrets.delete("creds") is not None
    assert cp.secrets.get_or_none("creds") is None


def test_update_reapplies_its_change_after_a_concurrent_write(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    cp.services.create(service())
    cp.services.wait_for("api", is_ready, timeout=10)
    seen: list[str | None] = []

    def mutate(s: KalixService) -> KalixService:
        seen.append(s.metadata.resource_version)
        if len(seen) == 1:  # another writer gets in between our read and our write
            with make_cp(kalix) as other:
                other.services.patch("api", {"metadata": {"labels": {"team": "b"}}})
        s.spec.containers[0].image = "registry.test/api:2"
        return s

    updated = cp.services.update("api", mutate)

    assert len(seen) == 2 and seen[0] != seen[1]
    assert updated.spec.image == "registry.test/api:2"
    assert updated.metadata.labels == {"team": "b"}


def test_concurrent_updates_all_land(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    cp.services.create(service())
    cp.services.wait_for("api", is_ready, timeout=10)
    errors: list[BaseException] = []

    def add_label(i: int) -> None:
        def mutate(s: KalixService) -> KalixService:
            s.metadata.labels = {**(s.metadata.labels or {}), f"writer-{i}": "yes"}
            return s

        try:
            with make_cp(kalix) as client:
                for _ in range(3):
                    client.services.update("api", mutate, attempts=40)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add_label, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert cp.services.get("api").metadata.labels == {f"writer-{i}": "yes" for i in range(4)}


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------


def test_429_faults_are_waited_out_with_no_duplicate(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    fid = add_fault(
        kalix, mode="status", status=429, retryAfter=1, rate=1.0, count=2, methods=["POST"]
    )

    started = time.monotonic()
    created = cp.services.create(service())
    elapsed = time.monotonic() - started

    assert created.metadata.name == "api"
    assert fault(kalix, fid)["injected"] == 2
    assert elapsed >= 2.0  # Retry-After: 1, twice
    assert [s.metadata.name for s in cp.services.list()] == ["api"]


def test_503_faults_on_reads_are_absorbed(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    cp.services.create(service())
    fid = add_fault(kalix, mode="status", status=503, retryAfter=0, count=3, methods=["GET"])

    assert cp.services.get("api").metadata.name == "api"
    assert fault(kalix, fid)["injected"] == 3


def test_500_on_a_get_is_retried(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    cp.services.create(service())
    fid = add_fault(kalix, mode="status", status=500, count=2, methods=["GET"])

    assert cp.services.get("api").metadata.name == "api"
    assert fault(kalix, fid)["injected"] == 2


def test_500_on_a_write_is_not_retried(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    fid = add_fault(kalix, mode="status", status=500, count=2, methods=["POST"])

    with pytest.raises(ServerError) as info:
        cp.services.create(service())

    assert info.value.message == "injected fault: HTTP 500"
    assert fault(kalix, fid)["injected"] == 1


def test_502_on_create_is_not_retried_unless_uncertain_retries_are_allowed(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    add_fault(kalix, mode="status", status=502, count=1, methods=["POST"])
    with pytest.raises(ServerError):
        cp.services.create(service())
    assert cp.services.list() == []

    add_fault(kalix, mode="status", status=502, count=1, methods=["POST"])
    created = cp.services.create(service(), retry_uncertain=True)
    assert created.metadata.name == "api"
    assert len(cp.services.list()) == 1


def test_dropped_connections_on_reads_are_absorbed(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    cp.services.create(service())
    fid = add_fault(kalix, mode="drop", count=2, methods=["GET"])

    assert cp.services.get("api").metadata.name == "api"
    assert fault(kalix, fid)["injected"] == 2


def test_latency_over_the_read_timeout_is_retried_for_reads(kalix: KalixLocalServer) -> None:
    with make_cp(kalix) as setup:
        setup.services.create(service())
    fid = add_fault(kalix, mode="latency", latencyMs=1500, count=1, methods=["GET"])

    with make_cp(kalix, timeout=httpx.Timeout(0.5)) as client:
        assert client.services.get("api").metadata.name == "api"

    assert fault(kalix, fid)["injected"] == 1


def test_drop_after_create_with_retry_uncertain_is_already_exists_and_one_object(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    fid = add_fault(kalix, mode="drop-after", count=1, methods=["POST"])

    with pytest.raises(AlreadyExistsError):
        cp.services.create(service(), retry_uncertain=True)

    # The caller adopts the object its first attempt created.
    assert fault(kalix, fid)["injected"] == 1
    existing = cp.services.list()
    assert [s.metadata.name for s in existing] == ["api"]
    assert existing[0].metadata.annotations == {OWNER_ANNOTATION: OWNER}


def test_drop_after_create_without_retry_uncertain_raises_and_the_object_exists(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    add_fault(kalix, mode="drop-after", count=1, methods=["POST"])

    with pytest.raises(APIConnectionError) as info:
        cp.services.create(service())

    assert not isinstance(info.value, APITimeoutError)
    assert [s.metadata.name for s in cp.services.list()] == ["api"]


# ---------------------------------------------------------------------------
# wait_for: learning of readiness from the watch
# ---------------------------------------------------------------------------


class ReadyPoller(threading.Thread):
    """Polls the service every 5 ms and records when it first reads Ready."""

    def __init__(self, kalix: KalixLocalServer, name: str, deadline: float) -> None:
        super().__init__(daemon=True)
        self.kalix = kalix
        self.name_ = name
        self.deadline = deadline
        self.seen_ready: float | None = None

    def run(self) -> None:
        with self.kalix.client() as http:
            while time.monotonic() < self.deadline:
                body = http.get(self.kalix.api_path("kalixservices", self.name_)).json()
                if (body.get("status") or {}).get("summary") == "Ready":
                    self.seen_ready = time.monotonic()
                    return
                time.sleep(0.005)


def test_wait_for_learns_of_readiness_from_the_watch(
    cp: ControlPlane, kalix: KalixLocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_kalix.client")
    kalix.admin("PATCH", "/settings", {"rolloutStepSeconds": 0.4})
    cp.services.create(service())
    poller = ReadyPoller(kalix, "api", time.monotonic() + 10)
    poller.start()

    result = cp.services.wait_for("api", is_ready, timeout=10, poll_interval=5.0)
    returned = time.monotonic()
    poller.join(timeout=10)

    assert is_ready(result)
    assert poller.seen_ready is not None
    delay = returned - poller.seen_ready
    print(f"\nwait_for returned {delay * 1000:+.1f} ms after a 5 ms poller first saw Ready")
    assert not [r for r in caplog.records if "polling" in r.getMessage()]
    assert delay < 5.0  # far less than one poll interval: the watch told it


def test_async_wait_for_learns_of_readiness_from_the_watch(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    kalix.admin("PATCH", "/settings", {"rolloutStepSeconds": 0.3})
    cp.services.create(service())

    async def main() -> tuple[KalixService | None, float]:
        access, namespace = kalix.access_token(), kalix.project_id()
        async with AsyncControlPlane(kalix.url, access, namespace) as client:
            started = time.monotonic()
            ready = await client.services.wait_for("api", is_ready, timeout=10, poll_interval=5)
            return ready, time.monotonic() - started

    result, took = asyncio.run(main())

    assert is_ready(result)
    print(f"\nasync wait_for took {took * 1000:.0f} ms for a 0.3 s rollout step")
    assert took < 5.0


def test_wait_for_times_out_with_the_last_state(cp: ControlPlane, kalix: KalixLocalServer) -> None:
    kalix.admin(
        "PATCH",
        "/settings",
        {"failImages": {"registry.test/broken:1": {"reason": "ImagePullBackOff"}}},
    )
    cp.services.create(service(image="registry.test/broken:1"))

    with pytest.raises(WaitTimeoutError) as info:
        cp.services.wait_for("api", is_ready, timeout=1.0)

    last = info.value.last
    assert isinstance(last, KalixService)
    assert last.status is not None and last.status.summary != "Ready"


# ---------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------


def test_no_token_is_unauthorized(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, token="") as client, pytest.raises(UnauthorizedError) as info:
        client.services.list()

    assert info.value.status_code == 401
    assert info.value.reason == "Unauthorized"


def test_an_unknown_token_is_unauthorized(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, token="klx_not-a-token") as client, pytest.raises(UnauthorizedError):
        client.services.get_or_none("api")


def test_a_token_of_another_project_is_forbidden_and_sees_no_data(
    cp: ControlPlane, kalix: KalixLocalServer
) -> None:
    created = cp.services.create(service())
    other_token = kalix.new_project("intruder")

    with make_cp(kalix, token=other_token) as intruder:
        with pytest.raises(ForbiddenError) as info:
            intruder.services.get("api")
        assert str(created.metadata.uid) not in str(info.value.body)
        assert "registry.test" not in str(info.value.body)
        with pytest.raises(ForbiddenError):
            intruder.services.delete("api")

    assert cp.services.get_or_none("api") is not None


def test_the_error_request_id_matches_the_server_log(kalix: KalixLocalServer) -> None:
    with make_cp(kalix, token="") as client, pytest.raises(UnauthorizedError) as info:
        client.services.get("api")

    request_id = info.value.request_id
    assert request_id
    deadline = time.monotonic() + 5
    while request_id not in kalix.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "401 " in kalix.log_path.read_text().split(request_id)[0].splitlines()[-1]


def test_a_quiet_watch_outlasts_the_client_read_timeout(
    kalix: KalixLocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_kalix.client")
    kalix.admin("PATCH", "/settings", {"rolloutStepSeconds": 1.5})
    with make_cp(kalix, timeout=httpx.Timeout(0.5)) as client:
        client.services.create(service())
        started = time.monotonic()

        result = client.services.wait_for("api", is_ready, timeout=10, poll_interval=5.0)

        took = time.monotonic() - started
    assert is_ready(result)
    assert not [r for r in caplog.records if "polling" in r.getMessage()]
    assert took < 5.0
