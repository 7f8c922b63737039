"""One HTTP helper for every partner call: httpx, with tenacity retrying only what is retriable.

- A call declares the statuses it takes as success (``expect``; default any 2xx). Anything
  else is a failure, never a success.
- 429, 408, 425 and 5xx answers, timeouts and connection failures are retriable; a
  ``Retry-After`` (seconds or an HTTP date; ShipBob's ``x-retry-after`` too) is honoured.
- A redirect (3xx) or another undeclared status is ``UnexpectedAnswer``: a misconfiguration
  (it names the ``Location``, without its query), not retried within the call; the job queue
  retries it and then parks it as dead.
- Any other 4xx is fatal at once (409 too: connectors read duplicates from it; the job
  queue still retries a 409 that reaches it, see ``hub.sdk.errors.is_permanent``).
- A ``guard`` (the hub's circuit breaker for the connection) is asked before each request
  and told of each timeout or connection failure, and of each answer.
- ``limits`` (the hub's rate limits for the connection, shared by every worker) is there
  for a connector that meters its own calls (Amazon: one bucket per SP-API operation).
- When the partner asks for a longer wait than ``max_wait`` seconds, the helper stops and
  raises ``RetriableError(retry_after=...)``: the job is put back and runs again later,
  and nothing else waits for it.
- Errors name the method, the path and the status, never the body or the headers.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Collection, Mapping
from typing import Any, Protocol

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from hub.sdk.errors import FatalError, NotSent, RetriableError, UnexpectedAnswer

#: what a call takes as success unless it says otherwise
SUCCESS: Collection[int] = range(200, 300)
#: answers retried within the call (with 5xx)
_RETRIED = frozenset({408, 425, 429})


class _Deferred(RetriableError):
    """Retriable, but not within this call: the partner asked for a longer wait."""


#: retriable, but handed back to the job queue rather than retried within the call
_NOT_HERE = (_Deferred, NotSent, UnexpectedAnswer)


class CallGuard(Protocol):
    """Watches one connection's calls (the hub's circuit breaker): ``before`` each request
    (raises ``NotSent`` while the connection is paused), ``failed`` after a timeout or a
    connection failure, ``answered`` after any answer."""

    async def before(self) -> None: ...

    async def failed(self, error: str) -> None: ...

    async def answered(self) -> None: ...


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The partner's requested wait, from ``Retry-After`` or ``x-retry-after``."""
    for name in ("retry-after", "x-retry-after"):
        value = headers.get(name)
        if not value:
            continue
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - (time.time() if now is None else now))
    return None


class RateLimits(Protocol):
    """Token buckets of one connection shared by every worker (the hub keeps them in its
    database): ``acquire`` waits for a token of bucket ``name`` if that takes at most
    ``max_wait`` seconds, else raises ``NotSent`` with the wait."""

    async def acquire(self, name: str, rate: float, burst: float, *, max_wait: float) -> None: ...


class PartnerHttp:
    """An ``httpx.AsyncClient`` for one partner connection, with the hub's retry rules."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 4,
        max_wait: float = 30.0,
        backoff: float = 0.5,
        guard: CallGuard | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self.guard = guard
        self.limits = limits

    async def request(
        self, method: str, url: str, *, expect: Collection[int] = SUCCESS, **kwargs: Any
    ) -> httpx.Response:
        """``method url``; the answer when its status is one of ``expect`` (any 2xx by
        default), else the error its status calls for."""
        jitter = wait_random_exponential(multiplier=self.backoff, max=self.max_wait)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hinted = exc.retry_after if isinstance(exc, RetriableError) else None
            return max(jitter(state), hinted or 0.0)

        retrying = AsyncRetrying(
            retry=retry_if_exception(
                lambda e: isinstance(e, RetriableError) and not isinstance(e, _NOT_HERE)
            ),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(method, url, expect, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, method: str, url: str, expect: Collection[int], **kwargs: Any
    ) -> httpx.Response:
        path = httpx.URL(url).path if "://" in url else url.split("?", 1)[0]
        if self.guard is not None:
            await self.guard.before()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise await self._failed(f"{method} {path}: timed out") from None
        except httpx.TransportError as exc:
            raise await self._failed(f"{method} {path}: {type(exc).__name__}") from None
        if self.guard is not None:
            await self.guard.answered()
        if response.status_code in expect:
            return response
        raise self._refusal(method, path, response, expect)

    async def _failed(self, message: str) -> RetriableError:
        if self.guard is not None:
            await self.guard.failed(message)
        return RetriableError(message)

    def _refusal(
        self, method: str, path: str, response: httpx.Response, expect: Collection[int]
    ) -> Exception:
        """The error for an answer whose status the call does not take."""
        status = response.status_code
        if status in _RETRIED or status >= 500:
            wait = retry_after_seconds(response.headers)
            if wait is not None and wait > self.max_wait:
                # Too long to wait here: hand it back to the job queue.
                return _Deferred(
                    f"{method} {path}: partner answered {status}, retry after {wait:.0f} s",
                    retry_after=wait,
                    status_code=status,
                )
            return RetriableError(
                f"{method} {path}: partner answered {status}", retry_after=wait, status_code=status
            )
        if 400 <= status < 500:
            return FatalError(f"{method} {path}: partner answered {status}", status_code=status)
        if 300 <= status < 400:
            where = _location(response)
            return UnexpectedAnswer(
                f"{method} {path}: partner answered {status}, a redirect to {where or 'nowhere'}"
                " (is the connection's base_url right?)",
                status_code=status,
                location=where,
            )
        return UnexpectedAnswer(
            f"{method} {path}: partner answered {status}, expected {_described(expect)}",
            status_code=status,
        )

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)


def _location(response: httpx.Response) -> str | None:
    """Where a redirect points, without its query or fragment (they may carry tokens)."""
    value = response.headers.get("location")
    if not value:
        return None
    try:
        target = response.request.url.join(value)
    except (httpx.InvalidURL, RuntimeError):
        return value.split("?", 1)[0].split("#", 1)[0][:200]
    return str(target.copy_with(query=None, fragment=None, userinfo=b""))[:200]


def _described(expect: Collection[int]) -> str:
    if expect == SUCCESS:
        return "2xx"
    return ", ".join(str(s) for s in sorted(expect))
