"""Operations: paths and bodies, read-modify-write, hostnames, watch and wait_for."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from pulumi_kalix.api import (
    API_PREFIX,
    KalixRoute,
    KalixSecret,
    KalixService,
    Preconditions,
)
from pulumi_kalix.client import NO_RETRIES, RetryPolicy, control_plane
from pulumi_kalix.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    PreconditionFailedError,
    ResourceFailedError,
    UnauthorizedError,
    WaitTimeoutError,
)

from .helpers import (
    ROUTES,
    SECRETS,
    SERVICES,
    FakeClock,
    Script,
    fail,
    make_async_client,
    make_client,
    ok,
    service_json,
    status_response,
    watch_stream,
)

# ---------------------------------------------------------------------------
# CRUD
# ---------------------------------------------------------------------------


def test_get_parses_the_object_from_its_path() -> None:
    script = Script(ok(service_json(rv="12", summary="Ready")))
    client = make_client(script)

    service = client.services.get("api")

    assert script.requests[0].method == "GET"
    assert script.requests[0].url.path == f"{SERVICES}/api"
    assert service.metadata.resource_version == "12"
    assert service.status is not None and service.status.summary == "Ready"


def test_get_raises_not_found() -> None:
    client = make_client(Script(status_response(404, "NotFound", "no api")))

    with pytest.raises(NotFoundError):
        client.services.get("api")


def test_get_or_none_returns_none_on_404_without_retrying() -> None:
    script = Script(status_response(404, "NotFound", "no api"))
    client = make_client(script)

    assert client.services.get_or_none("api") is None
    assert len(script.requests) == 1


def test_get_or_none_returns_the_object() -> None:
    client = make_client(Script(ok(service_json(rv="3"))))

    service = client.services.get_or_none("api")

    assert service is not None
    assert service.metadata.resource_version == "3"


def test_get_or_none_raises_other_errors() -> None:
    client = make_client(Script(status_response(403, "Forbidden", "other project")))

    with pytest.raises(Exception, match="403 Forbidden: other project"):
        client.services.get_or_none("api")


def test_empty_name_is_rejected_before_any_request() -> None:
    script = Script()
    client = make_client(script)

    with pytest.raises(ValueError, match="name must not be empty"):
        client.services.get("")

    assert script.requests == []


def test_list_sends_the_label_selector_and_parses_items() -> None:
    body = {
        "kind": "KalixServiceList",
        "apiVersion": "kalix.io/v1alpha1",
        "metadata": {"resourceVersion": "40"},
        "items": [service_json("a"), service_json("b")],
    }
    script = Script(ok(body))
    client = make_client(script)

    services = client.services.list("app=shop")

    assert [s.metadata.name for s in services] == ["a", "b"]
    assert script.requests[0].url.path == SERVICES
    assert dict(script.requests[0].url.params) == {"labelSelector": "app=shop"}


def test_a_malformed_list_item_fails_naming_the_item_and_the_field() -> None:
    # A server that answers a list with a bad item: only a transport can make one up.
    bad = service_json("b")
    del bad["spec"]["containers"]
    bad["metadata"]["generation"] = "not a number"
    body = {"kind": "KalixServiceList", "items": [service_json("a"), bad]}
    client = make_client(Script(ok(body)))

    with pytest.raises(ValidationError) as caught:
        client.services.list()

    where = {".".join(map(str, e["loc"])) for e in caught.value.errors()}
    assert where == {"items.1.metadata.generation", "items.1.spec.containers"}
    assert "items.1.spec.containers" in str(caught.value)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_list_decode_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    body = {"kind": "KalixServiceList", "items": [service_json("a")]}
    bad = {"kind": "KalixServiceList", "items": [{"metadata": {"name": "b"}}]}
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        client = make_client(Script(ok(body), ok(bad)))
        assert [s.metadata.name for s in client.services.list()] == ["a"]
        assert gc.isenabled() is enabled
        with pytest.raises(ValidationError):
            client.services.list()
        assert gc.isenabled() is enabled  # also after a failed decode
    finally:
        gc.enable() if was else gc.disable()


def test_a_list_is_decoded_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"kind": "KalixServiceList", "items": [service_json("a")]}
    client = make_client(Script(ok(body)))
    real = control_plane._items_model
    enabled_while_decoding: list[bool] = []

    class Spy:
        def __init__(self, model: Any) -> None:
            self.model = real(model)

        def model_validate_json(self, raw: bytes) -> Any:
            enabled_while_decoding.append(gc.isenabled())
            return self.model.model_validate_json(raw)

    monkeypatch.setattr(control_plane, "_items_model", Spy)
    assert gc.isenabled()
    assert [s.metadata.name for s in client.services.list()] == ["a"]
    assert enabled_while_decoding == [False]
    assert gc.isenabled()


def test_list_without_selector_sends_no_query() -> None:
    script = Script(ok({"kind": "KalixServiceList", "items": []}))
    client = make_client(script)

    assert client.services.list() == []
    assert script.requests[0].url.query == b""


def test_create_posts_the_wire_body_and_returns_the_created_object() -> None:
    service = KalixService.model_validate(service_json())
    script = Script(ok(service_json(rv="1"), 201))
    client = make_client(script)

    created = client.services.create(service)

    assert script.requests[0].method == "POST"
    assert script.requests[0].url.path == SERVICES
    assert script.bodies() == [service.to_wire()]
    assert created.metadata.uid == "uid-api"


def test_replace_puts_to_the_object_path() -> None:
    service = KalixService.model_validate(service_json(rv="5"))
    script = Script(ok(service_json(rv="6")))
    client = make_client(script)

    replaced = client.services.replace(service)

    assert script.requests[0].method == "PUT"
    assert script.requests[0].url.path == f"{SERVICES}/api"
    assert script.bodies()[0]["metadata"]["resourceVersion"] == "5"
    assert replaced.metadata.resource_version == "6"


def test_patch_sends_a_merge_patch() -> None:
    script = Script(ok(service_json(rv="2")))
    client = make_client(script)

    client.services.patch("api", {"spec": {"paused": True}})

    request = script.requests[0]
    assert request.method == "PATCH"
    assert request.headers["content-type"] == "application/merge-patch+json"
    assert json.loads(request.content) == {"spec": {"paused": True}}


def test_delete_returns_none_when_already_gone() -> None:
    script = Script(status_response(404, "NotFound", "gone"))
    client = make_client(script)

    assert client.services.delete("api") is None
    assert script.methods == ["DELETE"]


def test_delete_parses_the_published_status_answer_and_passes_params() -> None:
    answer = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Success",
        "details": {"name": "api", "kind": "kalixservices", "uid": "u-1"},
    }
    script = Script(ok(answer))
    client = make_client(script)

    deleted = client.services.delete("api", hard="true")

    assert deleted is not None and deleted.status == "Success"
    assert deleted.details is not None and deleted.details.name == "api"
    assert dict(script.requests[0].url.params) == {"hard": "true"}


def test_delete_reads_an_object_answer_as_success() -> None:
    # A server that answers DELETE with the object (as kalix-local once did) still works.
    client = make_client(Script(ok(service_json(rv="9"))))

    deleted = client.services.delete("api")

    assert deleted is not None and deleted.status == "Success"


def test_delete_of_a_missing_object_is_none() -> None:
    client = make_client(Script(status_response(404, "NotFound", "gone")))

    assert client.services.delete("api") is None


DELETED = {
    "kind": "Status",
    "apiVersion": "v1",
    "status": "Success",
    "details": {"name": "api", "kind": "kalixservices", "uid": "u-1"},
}
PRECONDITION_CONFLICT = (
    'Operation cannot be fulfilled on kalixservices "api": Precondition failed: '
    "UID in precondition: u-0, UID in object meta: u-1"
)


def test_delete_without_preconditions_sends_no_body() -> None:
    script = Script(ok(DELETED))
    make_client(script).services.delete("api")

    assert script.requests[0].content == b""


def test_delete_with_preconditions_sends_delete_options() -> None:
    script = Script(ok(DELETED))
    client = make_client(script)

    deleted = client.services.delete(
        "api", preconditions=Preconditions(uid="u-1", resource_version="7"), hard="true"
    )

    assert deleted is not None and deleted.status == "Success"
    request = script.requests[0]
    assert (request.method, request.url.path) == ("DELETE", f"{SERVICES}/api")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "preconditions": {"uid": "u-1", "resourceVersion": "7"},
    }
    assert dict(request.url.params) == {"hard": "true"}


def test_delete_sends_only_the_preconditions_given() -> None:
    script = Script(ok(DELETED))
    make_client(script).secrets.delete("db", preconditions=Preconditions(resource_version="3"))

    assert script.bodies()[0]["preconditions"] == {"resourceVersion": "3"}


def test_a_failed_precondition_is_a_conflict_of_its_own() -> None:
    script = Script(status_response(409, "Conflict", PRECONDITION_CONFLICT))
    client = make_client(script, retry=NO_RETRIES)

    with pytest.raises(PreconditionFailedError) as info:
        client.services.delete("api", preconditions=Preconditions(uid="u-0"))

    assert isinstance(info.value, ConflictError)
    assert (info.value.status_code, info.value.reason) == (409, "Conflict")
    assert "UID in precondition: u-0" in info.value.message
    assert script.methods == ["DELETE"]  # a refused delete is not retried


def test_a_precondition_delete_of_a_missing_object_is_none() -> None:
    script = Script(status_response(404, "NotFound", "gone"))

    assert make_client(script).services.delete("api", preconditions=Preconditions(uid="u")) is None


def test_other_conflicts_stay_plain_conflicts() -> None:
    script = Script(status_response(409, "Conflict", "the object has been modified"))

    with pytest.raises(ConflictError) as info:
        make_client(script, retry=NO_RETRIES).services.delete("api")

    assert type(info.value) is ConflictError


def test_async_delete_with_preconditions() -> None:
    script = Script(ok(DELETED), status_response(409, "Conflict", PRECONDITION_CONFLICT))

    async def main() -> None:
        async with make_async_client(script, retry=NO_RETRIES) as client:
            deleted = await client.services.delete("api", preconditions=Preconditions(uid="u-1"))
            assert deleted is not None and deleted.status == "Success"
            with pytest.raises(PreconditionFailedError):
                await client.services.delete("api", preconditions=Preconditions(uid="u-0"))

    asyncio.run(main())
    assert [b["preconditions"] for b in script.bodies()] == [{"uid": "u-1"}, {"uid": "u-0"}]


def test_routes_and_secrets_use_their_collections() -> None:
    route = {
        "metadata": {"name": "web", "resourceVersion": "1"},
        "spec": {
            "host": "shop.example.com",
            "routes": [{"prefix": "/", "route": {"service": "a"}}],
        },
    }
    secret = {"metadata": {"name": "ca", "resourceVersion": "1"}, "spec": {"type": "tls-ca"}}
    script = Script(ok(route), ok(secret))
    client = make_client(script)

    assert isinstance(client.routes.get("web"), KalixRoute)
    assert isinstance(client.secrets.get("ca"), KalixSecret)
    assert [r.url.path for r in script.requests] == [f"{ROUTES}/web", f"{SECRETS}/ca"]


def test_with_project_targets_the_other_project() -> None:
    script = Script(ok(service_json()))
    client = make_client(script).with_project("other")

    client.services.get("api")

    assert script.requests[0].url.path == f"{API_PREFIX}/other/kalixservices/api"


# ---------------------------------------------------------------------------
# update(): read-modify-write
# ---------------------------------------------------------------------------


def set_image(image: str) -> Any:
    def mutate(service: KalixService) -> KalixService:
        service.spec.containers[0].image = image
        return service

    return mutate


def test_update_reads_mutates_and_replaces_with_the_read_resource_version() -> None:
    script = Script(ok(service_json(rv="4")), ok(service_json(rv="5", image="img:2")))
    client = make_client(script)

    updated = client.services.update("api", set_image("img:2"))

    assert script.methods == ["GET", "PUT"]
    put = script.bodies()[1]
    assert put["metadata"]["resourceVersion"] == "4"
    assert put["spec"]["containers"][0]["image"] == "img:2"
    assert updated.metadata.resource_version == "5"


def test_update_rereads_and_reapplies_after_a_stale_resource_version(clock: FakeClock) -> None:
    script = Script(
        ok(service_json(rv="4")),
        status_response(409, "Conflict", "the object has been modified"),
        ok(service_json(rv="7", image="img:other")),
        ok(service_json(rv="8", image="img:2")),
    )
    client = make_client(script, clock=clock)
    seen: list[str | None] = []

    def mutate(service: KalixService) -> KalixService:
        seen.append(service.metadata.resource_version)
        service.spec.containers[0].image = "img:2"
        return service

    updated = client.services.update("api", mutate)

    assert script.methods == ["GET", "PUT", "GET", "PUT"]
    assert seen == ["4", "7"]
    assert [b["metadata"]["resourceVersion"] for b in script.bodies()[1::2]] == ["4", "7"]
    assert updated.metadata.resource_version == "8"
    assert len(clock.sleeps) == 1 and 0 <= clock.sleeps[0] <= 0.02  # a jittered pause


def test_update_gives_up_after_attempts_with_the_conflict(clock: FakeClock) -> None:
    steps: list[httpx.Response] = []
    for i in range(3):
        steps += [ok(service_json(rv=str(i))), status_response(409, "Conflict", f"stale {i}")]
    script = Script(*steps)
    client = make_client(script, clock=clock)

    with pytest.raises(ConflictError) as info:
        client.services.update("api", set_image("img:2"), attempts=3)

    assert script.methods == ["GET", "PUT"] * 3
    assert info.value.message == "stale 2"
    assert len(clock.sleeps) == 2  # between attempts, none after the last


def test_update_without_a_change_does_not_write() -> None:
    script = Script(ok(service_json(rv="4")))
    client = make_client(script)

    result = client.services.update("api", lambda service: None)

    assert script.methods == ["GET"]
    assert result.metadata.resource_version == "4"


def test_update_does_not_retry_other_errors() -> None:
    script = Script(
        ok(service_json(rv="4")),
        status_response(422, "Invalid", "bad image", causes=[("spec.containers[0].image", "x")]),
    )
    client = make_client(script)

    with pytest.raises(InvalidError):
        client.services.update("api", set_image(""))

    assert script.methods == ["GET", "PUT"]


def test_update_of_a_missing_object_raises_not_found() -> None:
    script = Script(status_response(404, "NotFound", "no api"))
    client = make_client(script)

    with pytest.raises(NotFoundError):
        client.services.update("api", set_image("img:2"))

    assert script.methods == ["GET"]


# ---------------------------------------------------------------------------
# wait_for (sync)
# ---------------------------------------------------------------------------


def is_ready(service: KalixService | None) -> bool:
    return service is not None and service.status is not None and service.status.summary == "Ready"


def is_watch(request: httpx.Request) -> bool:
    return bool(request.url.params.get("watch") == "true")


def test_wait_for_returns_at_once_when_already_satisfied() -> None:
    script = Script(ok(service_json(summary="Ready")))
    client = make_client(script)

    result = client.services.wait_for("api", is_ready, timeout=10)

    assert result is not None and result.metadata.name == "api"
    assert len(script.requests) == 1


def test_wait_for_returns_as_soon_as_a_watch_event_satisfies_the_predicate(
    clock: FakeClock,
) -> None:
    pulled: list[int] = []
    events = [
        ("MODIFIED", service_json(rv="11", summary="UpdateInProgress")),
        ("MODIFIED", service_json(rv="12", summary="Ready")),
        ("MODIFIED", service_json(rv="13", summary="UpdateInProgress")),
    ]
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(200, content=watch_stream(events, pulled)),
    )
    client = make_client(script, clock=clock)

    result = client.services.wait_for("api", is_ready, timeout=30)

    assert result is not None and result.metadata.resource_version == "12"
    assert pulled == [0, 1]  # the third event was never read
    assert len(script.requests) == 2  # no poll after the watch
    assert clock.sleeps == []


def test_wait_for_watches_from_the_resource_version_it_read(clock: FakeClock) -> None:
    pulled: list[int] = []
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(
            200,
            content=watch_stream([("MODIFIED", service_json(rv="11", summary="Ready"))], pulled),
        ),
    )
    client = make_client(script, clock=clock)

    client.services.wait_for("api", is_ready, timeout=30)

    watch = script.requests[1]
    assert watch.method == "GET"
    assert watch.url.path == SERVICES
    assert dict(watch.url.params) == {
        "watch": "true",
        "fieldSelector": "metadata.name=api",
        "timeoutSeconds": "30",
        "resourceVersion": "10",
    }
    assert watch.headers["authorization"].startswith("Bearer ")


def test_wait_for_calls_on_change_with_each_state_seen(clock: FakeClock) -> None:
    pulled: list[int] = []
    events = [
        ("MODIFIED", service_json(rv="11", summary="UpdateInProgress")),
        ("MODIFIED", service_json(rv="12", summary="Ready")),
    ]
    script = Script(
        ok(service_json(rv="10", summary="Unavailable")),
        lambda request: httpx.Response(200, content=watch_stream(events, pulled)),
    )
    client = make_client(script, clock=clock)
    seen: list[str | None] = []

    client.services.wait_for(
        "api",
        is_ready,
        timeout=30,
        on_change=lambda s: seen.append(s.metadata.resource_version if s else None),
    )

    assert seen == ["10", "11", "12"]


def test_wait_for_waits_for_an_object_to_appear(clock: FakeClock) -> None:
    pulled: list[int] = []
    script = Script(
        status_response(404, "NotFound", "not yet"),
        lambda request: httpx.Response(
            200, content=watch_stream([("ADDED", service_json(summary="Ready"))], pulled)
        ),
    )
    client = make_client(script, clock=clock)

    result = client.services.wait_for("api", is_ready, timeout=30)

    assert result is not None
    assert "resourceVersion" not in script.requests[1].url.params


def test_wait_for_sees_a_deletion_as_none(clock: FakeClock) -> None:
    pulled: list[int] = []
    script = Script(
        ok(service_json(rv="3")),
        lambda request: httpx.Response(
            200, content=watch_stream([("DELETED", service_json(rv="4"))], pulled)
        ),
    )
    client = make_client(script, clock=clock)

    result = client.services.wait_for("api", lambda s: s is None, timeout=30)

    assert result is None


@pytest.mark.parametrize(
    "watch_failure",
    [
        lambda: status_response(500, "InternalError", "watch broke"),
        lambda: httpx.Response(500, text="plain text failure"),
        lambda: fail(httpx.ConnectError, "refused"),
        lambda: fail(httpx.ReadTimeout),
    ],
    ids=["500-status", "500-text", "connect-error", "read-timeout"],
)
def test_wait_for_falls_back_to_polling_when_the_watch_fails(
    clock: FakeClock, watch_failure: Any
) -> None:
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        watch_failure(),
        ok(service_json(rv="12", summary="Ready")),
    )
    client = make_client(script, clock=clock, retry=NO_RETRIES)  # the watch gives up at once

    result = client.services.wait_for("api", is_ready, timeout=30, poll_interval=2.5)

    assert result is not None and result.metadata.resource_version == "12"
    assert [is_watch(r) for r in script.requests] == [False, True, False]
    assert clock.sleeps == [2.5]


def test_wait_for_keeps_polling_while_the_watch_is_down(clock: FakeClock) -> None:
    states = iter(["UpdateInProgress", "UpdateInProgress", "UpdateInProgress", "Ready"])

    def handler(request: httpx.Request) -> httpx.Response:
        if is_watch(request):
            return status_response(503, "ServiceUnavailable", "no watch here")
        return ok(service_json(summary=next(states)))

    client = make_client(handler, clock=clock, retry=NO_RETRIES)

    result = client.services.wait_for("api", is_ready, timeout=30, poll_interval=1.0)

    assert result is not None
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_wait_for_does_not_swallow_auth_errors_from_the_watch(clock: FakeClock) -> None:
    script = Script(
        ok(service_json(summary="UpdateInProgress")),
        status_response(401, "Unauthorized", "token expired"),
    )
    client = make_client(script, clock=clock)

    with pytest.raises(UnauthorizedError):
        client.services.wait_for("api", is_ready, timeout=30)


def test_wait_for_raises_wait_timeout_with_the_last_object(clock: FakeClock) -> None:
    versions = iter(range(1, 1_000))
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if is_watch(request):
            return status_response(500, "InternalError", "watch broke")
        return ok(service_json(rv=str(next(versions)), summary="UpdateInProgress"))

    client = make_client(handler, clock=clock, retry=NO_RETRIES)

    with pytest.raises(WaitTimeoutError) as info:
        client.services.wait_for("api", is_ready, timeout=5, poll_interval=1.0)

    last = info.value.last
    assert isinstance(last, KalixService)
    polls = [r for r in requests if not is_watch(r)]
    assert last.metadata.resource_version == str(len(polls))
    assert "kalixservices 'api': condition not reached in 5s" in str(info.value)
    assert sum(clock.sleeps) == pytest.approx(5.0)


def test_wait_timeout_keeps_the_last_object_seen_before_a_deletion(clock: FakeClock) -> None:
    pulled: list[int] = []
    events = [("MODIFIED", service_json(rv="8", summary="UpdateInProgress"))]

    def handler(request: httpx.Request) -> httpx.Response:
        if is_watch(request):
            clock.now += 10  # the stream ran past the deadline
            return httpx.Response(200, content=watch_stream(events, pulled))
        if not pulled:
            return ok(service_json(rv="7", summary="UpdateInProgress"))
        return status_response(404, "NotFound", "gone")

    client = make_client(handler, clock=clock)

    with pytest.raises(WaitTimeoutError) as info:
        client.services.wait_for("api", is_ready, timeout=5)

    assert pulled == [0]  # then the object was gone (404)
    assert isinstance(info.value.last, KalixService)
    assert info.value.last.metadata.resource_version == "8"


def test_wait_for_lets_the_predicate_exception_propagate(clock: FakeClock) -> None:
    pulled: list[int] = []
    events = [
        ("MODIFIED", service_json(rv="11", summary="Unavailable")),
        ("MODIFIED", service_json(rv="12", summary="Ready")),
    ]
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(200, content=watch_stream(events, pulled)),
    )
    client = make_client(script, clock=clock)
    failure = ResourceFailedError("image never started")

    def predicate(service: KalixService | None) -> bool:
        if service is not None and service.status and service.status.summary == "Unavailable":
            raise failure
        return is_ready(service)

    with pytest.raises(ResourceFailedError) as info:
        client.services.wait_for("api", predicate, timeout=30)

    assert info.value is failure
    assert pulled == [0]


def test_wait_for_skips_bookmark_events(clock: FakeClock) -> None:
    pulled: list[int] = []
    events = [
        ("BOOKMARK", {"kind": "KalixService", "metadata": {"resourceVersion": "11"}}),
        ("MODIFIED", service_json(rv="12", summary="Ready")),
    ]
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(200, content=watch_stream(events, pulled)),
    )
    client = make_client(script, clock=clock)
    seen: list[str | None] = []

    result = client.services.wait_for(
        "api",
        is_ready,
        timeout=30,
        on_change=lambda s: seen.append(s.metadata.resource_version if s else None),
    )

    assert result is not None and result.metadata.resource_version == "12"
    assert seen == ["10", "12"]


def test_wait_for_treats_an_error_event_as_a_failed_watch(clock: FakeClock) -> None:
    pulled: list[int] = []
    expired = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(200, content=watch_stream([("ERROR", expired)], pulled)),
        ok(service_json(rv="12", summary="Ready")),
    )
    client = make_client(script, clock=clock)

    result = client.services.wait_for("api", is_ready, timeout=30, poll_interval=0.5)

    assert result is not None and result.metadata.resource_version == "12"
    assert clock.sleeps == [0.5]


def test_the_watch_read_timeout_outlasts_its_server_side_timeout(clock: FakeClock) -> None:
    pulled: list[int] = []
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(
            200,
            content=watch_stream([("MODIFIED", service_json(rv="11", summary="Ready"))], pulled),
        ),
    )
    client = make_client(script, clock=clock, timeout=httpx.Timeout(2.0))

    client.services.wait_for("api", is_ready, timeout=20)

    get, watch = script.requests
    assert get.extensions["timeout"]["read"] == 2.0
    assert watch.url.params["timeoutSeconds"] == "20"
    assert watch.extensions["timeout"]["read"] == 25.0
    assert watch.extensions["timeout"]["connect"] == 2.0


def test_watch_yields_the_events_of_the_stream() -> None:
    pulled: list[int] = []
    events = [
        ("ADDED", service_json(rv="1")),
        ("MODIFIED", service_json(rv="2")),
        ("DELETED", service_json(rv="3")),
    ]
    body = b"".join(watch_stream(events, pulled)).replace(b"\n", b"\n\n")  # blank lines too
    client = make_client(Script(httpx.Response(200, content=body)))

    got = [(e.type, e.object["metadata"]["resourceVersion"]) for e in client.services.watch("api")]

    assert got == [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "3")]


# ---------------------------------------------------------------------------
# wait_for (async)
# ---------------------------------------------------------------------------


async def async_watch_stream(
    events: list[tuple[str, dict[str, Any]]], pulled: list[int]
) -> AsyncIterator[bytes]:
    for chunk in watch_stream(events, pulled):
        yield chunk


def test_async_wait_for_returns_as_soon_as_a_watch_event_satisfies_the_predicate() -> None:
    pulled: list[int] = []
    events = [
        ("MODIFIED", service_json(rv="11", summary="UpdateInProgress")),
        ("MODIFIED", service_json(rv="12", summary="Ready")),
        ("MODIFIED", service_json(rv="13", summary="Paused")),
    ]
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        lambda request: httpx.Response(200, content=async_watch_stream(events, pulled)),
    )

    async def main() -> KalixService | None:
        async with make_async_client(script) as client:
            return await client.services.wait_for("api", is_ready, timeout=30)

    result = asyncio.run(main())

    assert result is not None and result.metadata.resource_version == "12"
    assert pulled == [0, 1]
    assert len(script.requests) == 2
    assert script.requests[1].url.params["resourceVersion"] == "10"


def test_async_wait_for_falls_back_to_polling_when_the_watch_fails(
    async_sleeps: list[float],
) -> None:
    script = Script(
        ok(service_json(rv="10", summary="UpdateInProgress")),
        status_response(500, "InternalError", "watch broke"),
        ok(service_json(rv="12", summary="Ready")),
    )

    async def main() -> KalixService | None:
        async with make_async_client(script, retry=NO_RETRIES) as client:
            return await client.services.wait_for("api", is_ready, timeout=30, poll_interval=2.0)

    result = asyncio.run(main())

    assert result is not None and result.metadata.resource_version == "12"
    assert [is_watch(r) for r in script.requests] == [False, True, False]
    assert async_sleeps == [2.0]


def test_async_wait_for_raises_wait_timeout_with_the_last_object() -> None:
    versions = iter(range(1, 10_000))

    def handler(request: httpx.Request) -> httpx.Response:
        if is_watch(request):
            raise httpx.ConnectError("refused", request=request)
        return ok(service_json(rv=str(next(versions)), summary="UpdateInProgress"))

    async def main() -> None:
        client = make_async_client(handler, retry=RetryPolicy(max_retries=0))
        async with client:
            await client.services.wait_for("api", is_ready, timeout=0.2, poll_interval=0.02)

    with pytest.raises(WaitTimeoutError) as info:
        asyncio.run(main())

    assert isinstance(info.value.last, KalixService)
    assert info.value.last.metadata.resource_version is not None
    assert int(info.value.last.metadata.resource_version) >= 2


def test_async_wait_for_lets_the_predicate_exception_propagate() -> None:
    script = Script(ok(service_json(summary="Unavailable")))

    def predicate(service: KalixService | None) -> bool:
        raise ResourceFailedError("Unavailable: image pull failed", last=service)

    async def main() -> None:
        async with make_async_client(script) as client:
            await client.services.wait_for("api", predicate, timeout=30)

    with pytest.raises(ResourceFailedError, match="image pull failed"):
        asyncio.run(main())
