"""Mapping of error responses and transport failures onto `pulumi_kalix.errors`."""

from __future__ import annotations

import httpx
import pytest

from pulumi_kalix.client import NO_RETRIES
from pulumi_kalix.errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    KalixError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    make_status_error,
)

from .helpers import BASE_URL, SERVICES, Script, fail, make_client, status_response


def error_for(response: httpx.Response) -> APIStatusError:
    """The error a GET of service `api` raises when the server answers `response`."""
    client = make_client(Script(response), retry=NO_RETRIES)
    with pytest.raises(APIStatusError) as info:
        client.services.get("api")
    return info.value


def test_422_with_causes_is_invalid_with_the_field_causes() -> None:
    error = error_for(
        status_response(
            422,
            "Invalid",
            'KalixService "api" is invalid',
            causes=[
                ("spec.containers[0].image", "must not be empty"),
                ("spec.resources.autoscaling.maxInstances", "must be at most 10"),
            ],
        )
    )

    assert type(error) is InvalidError
    assert error.status_code == 422
    assert error.reason == "Invalid"
    assert error.message == 'KalixService "api" is invalid'
    assert error.causes == [
        ("spec.containers[0].image", "must not be empty"),
        ("spec.resources.autoscaling.maxInstances", "must be at most 10"),
    ]


def test_a_cause_without_a_field_has_an_empty_field() -> None:
    response = httpx.Response(
        422,
        json={
            "kind": "Status",
            "code": 422,
            "reason": "Invalid",
            "message": "bad",
            "details": {"causes": [{"message": "body is not an object"}]},
        },
    )

    assert error_for(response).causes == [("", "body is not an object")]


def test_409_already_exists_is_already_exists_error() -> None:
    error = error_for(status_response(409, "AlreadyExists", 'kalixservices "api" already exists'))

    assert type(error) is AlreadyExistsError
    assert not isinstance(error, ConflictError)
    assert error.reason == "AlreadyExists"


def test_409_conflict_is_conflict_error() -> None:
    error = error_for(status_response(409, "Conflict", "the object has been modified"))

    assert type(error) is ConflictError
    assert not isinstance(error, AlreadyExistsError)
    assert error.message == "the object has been modified"


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (400, "BadRequest", BadRequestError),
        (401, "Unauthorized", UnauthorizedError),
        (403, "Forbidden", ForbiddenError),
        (404, "NotFound", NotFoundError),
        (429, "TooManyRequests", RateLimitedError),
        (500, "InternalError", ServerError),
        (503, "ServiceUnavailable", ServerError),
    ],
)
def test_status_codes_map_to_their_error_class(
    code: int, reason: str, expected: type[APIStatusError]
) -> None:
    error = error_for(status_response(code, reason, "why"))

    assert type(error) is expected
    assert error.status_code == code
    assert error.reason == reason
    assert error.message == "why"
    assert isinstance(error, KalixError)


def test_an_unmapped_4xx_is_a_plain_status_error() -> None:
    error = error_for(status_response(405, "MethodNotAllowed", "nope"))

    assert type(error) is APIStatusError
    assert error.status_code == 405


def test_non_json_500_is_server_error_with_the_body_text() -> None:
    error = error_for(httpx.Response(500, text="upstream exploded\n"))

    assert type(error) is ServerError
    assert error.status_code == 500
    assert error.message == "upstream exploded\n"
    assert error.body == "upstream exploded\n"
    assert error.reason == "Internal Server Error"


def test_empty_500_uses_the_reason_phrase() -> None:
    error = error_for(httpx.Response(500))

    assert type(error) is ServerError
    assert error.message == "Internal Server Error"


def test_json_that_is_not_a_status_keeps_the_text() -> None:
    error = error_for(httpx.Response(502, json={"detail": "bad gateway"}))

    assert type(error) is ServerError
    assert error.body == {"detail": "bad gateway"}
    assert error.message == '{"detail":"bad gateway"}'


def test_error_carries_the_request_id_the_server_echoed() -> None:
    error = error_for(status_response(404, "NotFound", "gone", headers={"x-request-id": "srv-123"}))

    assert error.request_id == "srv-123"
    assert str(error) == "404 NotFound: gone (request id srv-123)"


def test_error_carries_the_request_id_that_was_sent_when_not_echoed() -> None:
    script = Script(status_response(404, "NotFound", "gone"))
    client = make_client(script, retry=NO_RETRIES)

    with pytest.raises(NotFoundError) as info:
        client.services.get("api")

    sent = script.requests[0].headers["x-request-id"]
    assert info.value.request_id == sent
    assert str(info.value) == f"404 NotFound: gone (request id {sent})"


def test_error_carries_method_and_url() -> None:
    error = error_for(status_response(403, "Forbidden", "other project"))

    assert error.method == "GET"
    assert error.url == f"{BASE_URL}{SERVICES}/api"


def test_make_status_error_accepts_a_response_without_a_request() -> None:
    error = make_status_error(httpx.Response(404, text="nope"))

    assert type(error) is NotFoundError
    assert error.method == ""
    assert error.url == ""


def test_connect_error_is_api_connection_error_naming_the_url() -> None:
    client = make_client(Script(fail(httpx.ConnectError, "refused")), retry=NO_RETRIES)

    with pytest.raises(APIConnectionError) as info:
        client.services.get("api")

    assert type(info.value) is APIConnectionError
    assert BASE_URL in str(info.value)
    assert "ConnectError: refused" in str(info.value)
    assert info.value.url == f"{BASE_URL}{SERVICES}/api"


@pytest.mark.parametrize("exc_type", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ConnectTimeout])
def test_timeouts_are_api_timeout_errors(exc_type: type[httpx.TimeoutException]) -> None:
    client = make_client(Script(fail(exc_type)), retry=NO_RETRIES)

    with pytest.raises(APITimeoutError) as info:
        client.services.get("api")

    assert isinstance(info.value, APIConnectionError)
    assert f"timed out ({exc_type.__name__})" in str(info.value)
    assert info.value.method == "GET"
