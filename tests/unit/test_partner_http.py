"""PartnerHttp (src/hub/sdk/http.py) against respx: what is retried, how long it waits, what
an error says. Real waits are kept to about a second where the wait itself is the point."""

from __future__ import annotations

import asyncio
import email.utils
import time
import traceback
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from hub.sdk import FatalError, NotSent, PartnerHttp, RetriableError, UnexpectedAnswer, is_permanent
from hub.sdk.http import retry_after_seconds

URL = "https://partner.example/api/v1/orders"
PRIVATE = "cust-4417-private"  # in error bodies and headers; must never reach an error text


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    async with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


def partner(client: httpx.AsyncClient, **options: float) -> PartnerHttp:
    """The helper with near-zero jittered backoff, so that only Retry-After takes time."""
    return PartnerHttp(client, **{"attempts": 4, "max_wait": 30.0, "backoff": 0.001, **options})


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"x-request-id": PRIVATE, **headers},
        json={"error": "details", "customer": {"email": f"{PRIVATE}@example.com"}},
    )


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def text_of(exc: BaseException) -> str:
    """The message, repr and args of ``exc`` and of every exception in its chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [*traceback.format_exception_only(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "".join(parts)


# --------------------------------------------------------------------------- Retry-After


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    now = 1_741_947_750.0  # 2025-03-14T10:22:30Z
    assert retry_after_seconds({"retry-after": "7"}, now) == 7.0
    assert retry_after_seconds({"retry-after": " 1.5 "}, now) == 1.5
    assert retry_after_seconds({"retry-after": "Fri, 14 Mar 2025 10:23:00 GMT"}, now) == 30.0
    assert retry_after_seconds({"retry-after": "Fri, 14 Mar 2025 10:00:00 GMT"}, now) == 0.0
    assert retry_after_seconds({"retry-after": "-3"}, now) == 0.0
    assert retry_after_seconds({"x-retry-after": "12"}, now) == 12.0  # ShipBob's header
    assert retry_after_seconds({}, now) is None
    assert retry_after_seconds({"retry-after": ""}, now) is None


async def test_429_then_200_waits_the_retry_after_seconds(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.get(URL).mock(side_effect=[answer(429, **{"Retry-After": "1"}), answer(200)])
    started = time.monotonic()
    response = await partner(client).get(URL)
    assert response.status_code == 200
    assert route.call_count == 2
    assert 0.95 <= time.monotonic() - started < 5


async def test_429_then_200_waits_until_the_retry_after_date(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    # The date has whole seconds: two seconds from now is a wait of more than one.
    route = mock.get(URL).mock(
        side_effect=[answer(429, **{"Retry-After": http_date(2)}), answer(200)]
    )
    started = time.monotonic()
    response = await partner(client).get(URL)
    assert response.status_code == 200
    assert route.call_count == 2
    assert 0.95 <= time.monotonic() - started < 5


@pytest.mark.parametrize("retry_after", ["120", "date"])
async def test_a_retry_after_beyond_max_wait_is_handed_back_without_waiting(
    mock: respx.MockRouter, client: httpx.AsyncClient, retry_after: str
) -> None:
    value = http_date(121) if retry_after == "date" else retry_after
    route = mock.get(URL).mock(side_effect=[answer(429, **{"Retry-After": value}), answer(200)])
    started = time.monotonic()
    with pytest.raises(RetriableError) as raised:
        async with asyncio.timeout(5):  # it must not sleep the 120 s, nor retry
            await partner(client, max_wait=5.0).get(URL)
    assert route.call_count == 1
    assert raised.value.retry_after is not None and 115 <= raised.value.retry_after <= 121
    assert time.monotonic() - started < 1
    assert "partner answered 429, retry after" in str(raised.value)
    assert PRIVATE not in text_of(raised.value)


# --------------------------------------------------------------------------- what is retried


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_429_and_5xx_are_retried_then_ok(
    mock: respx.MockRouter, client: httpx.AsyncClient, status: int
) -> None:
    route = mock.post(URL).mock(side_effect=[answer(status), answer(status), answer(201)])
    response = await partner(client).post(URL, json={"id": 1})
    assert response.status_code == 201
    assert route.call_count == 3
    assert route.calls.last.request.content == b'{"id":1}'


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_other_4xx_are_fatal_at_once(
    mock: respx.MockRouter, client: httpx.AsyncClient, status: int
) -> None:
    route = mock.get(URL).mock(side_effect=[answer(status), answer(200)])
    with pytest.raises(FatalError) as raised:
        await partner(client).get(URL)
    assert not isinstance(raised.value, RetriableError)
    assert route.call_count == 1
    assert f"GET /api/v1/orders: partner answered {status}" in str(raised.value)


async def test_5xx_every_time_gives_up_after_the_attempts(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.get(URL).mock(return_value=answer(503))
    with pytest.raises(RetriableError) as raised:
        await partner(client, attempts=3).get(URL)
    assert route.call_count == 3
    assert "partner answered 503" in str(raised.value)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_timeouts_are_retried(
    mock: respx.MockRouter, client: httpx.AsyncClient, failure: type[httpx.TimeoutException]
) -> None:
    route = mock.get(URL).mock(side_effect=[failure, answer(200)])
    assert (await partner(client).get(URL)).status_code == 200
    assert route.call_count == 2


async def test_a_connection_failure_is_retried(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.get(URL).mock(side_effect=[httpx.ConnectError, answer(200)])
    assert (await partner(client).get(URL)).status_code == 200
    assert route.call_count == 2


async def test_timeouts_every_time_give_a_retriable_error(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.get(URL).mock(side_effect=httpx.ReadTimeout)
    with pytest.raises(RetriableError, match="GET /api/v1/orders: timed out"):
        await partner(client, attempts=2).get(URL)
    assert route.call_count == 2


# --------------------------------------------------------------------------- error texts


@pytest.mark.parametrize("status", [400, 401, 429, 503])
async def test_errors_carry_neither_the_body_nor_headers_nor_the_query(
    mock: respx.MockRouter, client: httpx.AsyncClient, status: int
) -> None:
    mock.get(URL).mock(return_value=answer(status, **{"Set-Cookie": f"session={PRIVATE}"}))
    with pytest.raises((FatalError, RetriableError)) as raised:
        await partner(client, attempts=2).get(URL, params={"api_key": f"key-{PRIVATE}"})
    text = text_of(raised.value)
    assert PRIVATE not in text
    assert "details" not in text and "session" not in text and "api_key" not in text
    assert f"GET /api/v1/orders: partner answered {status}" in str(raised.value)


async def test_a_timeout_error_does_not_name_the_query(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    mock.get(URL).mock(side_effect=httpx.ReadTimeout)
    with pytest.raises(RetriableError) as raised:
        await partner(client, attempts=1).get(URL, params={"token": PRIVATE})
    assert PRIVATE not in text_of(raised.value)


# --------------------------------------------------------------------------- what is success


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_a_misconfiguration_naming_the_location_never_a_success(
    mock: respx.MockRouter, client: httpx.AsyncClient, status: int
) -> None:
    route = mock.post(URL).mock(
        return_value=httpx.Response(
            status, headers={"Location": f"https://login.example/sso?token={PRIVATE}"}
        )
    )
    with pytest.raises(UnexpectedAnswer) as raised:
        await partner(client).post(URL, json={"id": 1})
    assert route.call_count == 1, "a redirect is not retried within the call"
    error = raised.value
    assert isinstance(error, RetriableError), "the job queue retries it, then parks it"
    assert (error.status_code, error.location) == (status, "https://login.example/sso")
    assert f"POST /api/v1/orders: partner answered {status}, a redirect to " in str(error)
    assert "https://login.example/sso" in str(error) and "base_url" in str(error)
    assert PRIVATE not in text_of(error)


async def test_a_relative_location_is_named_in_full_and_a_missing_one_is_said(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    mock.get(URL).mock(return_value=httpx.Response(302, headers={"Location": "/moved?x=1"}))
    with pytest.raises(UnexpectedAnswer) as raised:
        await partner(client).get(URL)
    assert raised.value.location == "https://partner.example/moved"
    mock.get(URL).mock(return_value=httpx.Response(302))
    with pytest.raises(UnexpectedAnswer, match="a redirect to nowhere"):
        await partner(client).get(URL)


async def test_a_status_outside_the_declared_ones_is_a_failure(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.post(URL).mock(return_value=httpx.Response(204))
    with pytest.raises(UnexpectedAnswer, match="partner answered 204, expected 200, 201"):
        await partner(client).post(URL, expect={200, 201})
    assert route.call_count == 1
    assert (await partner(client).post(URL)).status_code == 204, "any 2xx by default"


async def test_a_call_may_take_a_4xx_as_an_answer(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    mock.get(URL).mock(return_value=answer(404))
    response = await partner(client).get(URL, expect={200, 404})
    assert response.status_code == 404


@pytest.mark.parametrize("status", [408, 425])
async def test_408_and_425_are_retried_like_429(
    mock: respx.MockRouter, client: httpx.AsyncClient, status: int
) -> None:
    route = mock.get(URL).mock(side_effect=[answer(status), answer(200)])
    assert (await partner(client).get(URL)).status_code == 200
    assert route.call_count == 2


def test_only_a_4xx_that_is_not_transient_is_permanent() -> None:
    for status in (400, 401, 403, 404, 410, 422, None):
        assert is_permanent(FatalError("refused", status_code=status)), status
    for status in (408, 409, 425, 429):
        assert not is_permanent(FatalError("not now", status_code=status)), status
    assert not is_permanent(RetriableError("down", status_code=503))
    assert not is_permanent(RuntimeError("bug"))


# --------------------------------------------------------------------------- the guard


class Guard:
    """A stand-in for the hub's circuit breaker: counts, and may hold calls back."""

    def __init__(self, *, paused: bool = False) -> None:
        self.paused = paused
        self.events: list[str] = []

    async def before(self) -> None:
        self.events.append("before")
        if self.paused:
            raise NotSent("paused", retry_after=7.0)

    async def failed(self, error: str) -> None:
        self.events.append(f"failed: {error}")

    async def answered(self) -> None:
        self.events.append("answered")


async def test_the_guard_hears_of_each_timeout_and_each_answer(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    guard = Guard()
    mock.get(URL).mock(
        side_effect=[httpx.ReadTimeout, httpx.ConnectError, answer(503), answer(200)]
    )
    http = PartnerHttp(client, attempts=4, backoff=0.001, guard=guard)
    assert (await http.get(URL)).status_code == 200
    assert guard.events == [
        "before",
        "failed: GET /api/v1/orders: timed out",
        "before",
        "failed: GET /api/v1/orders: ConnectError",
        "before",
        "answered",
        "before",
        "answered",
    ]


async def test_a_paused_connection_is_not_called_and_not_retried_in_place(
    mock: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = mock.get(URL).mock(return_value=answer(200))
    guard = Guard(paused=True)
    with pytest.raises(NotSent) as raised:
        await PartnerHttp(client, attempts=4, backoff=0.001, guard=guard).get(URL)
    assert raised.value.retry_after == 7.0
    assert route.call_count == 0
    assert guard.events == ["before"]
