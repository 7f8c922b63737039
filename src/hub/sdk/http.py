"""One HTTP helper for every partner call: httpx, with tenacity retrying only what is retriable.

- 429 and 5xx answers, timeouts and connection failures are retriable; a ``Retry-After``
  (seconds or an HTTP date; ShipBob's ``x-retry-after`` too) is honoured.
- Any other 4xx is fatal at once.
- When the partner asks for a longer wait than ``max_wait`` seconds, the helper stops and
  raises ``RetriableError(retry_after=...)``: the job is put back and runs again later,
  and nothing else waits for it.
- Errors name the method, the path and the status, never the body or the headers.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from hub.sdk.errors import FatalError, RetriableError


class _Deferred(RetriableError):
    """Retriable, but not within this call: the partner asked for a longer wait."""


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


class PartnerHttp:
    """An ``httpx.AsyncClient`` for one partner connection, with the hub's retry rules."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 4,
        max_wait: float = 30.0,
        backoff: float = 0.5,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        jitter = wait_random_exponential(multiplier=self.backoff, max=self.max_wait)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hinted = exc.retry_after if isinstance(exc, RetriableError) else None
            return max(jitter(state), hinted or 0.0)

        retrying = AsyncRetrying(
            retry=retry_if_exception(
                lambda e: isinstance(e, RetriableError) and not isinstance(e, _Deferred)
            ),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(method, url, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        path = httpx.URL(url).path if "://" in url else url.split("?", 1)[0]
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise RetriableError(f"{method} {path}: timed out") from None
        except httpx.TransportError as exc:
            raise RetriableError(f"{method} {path}: {type(exc).__name__}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers)
            if wait is not None and wait > self.max_wait:
                # Too long to wait here: hand it back to the job queue.
                raise _Deferred(
                    f"{method} {path}: partner answered {status}, retry after {wait:.0f} s",
                    retry_after=wait,
                )
            raise RetriableError(
                f"{method} {path}: partner answered {status}", retry_after=wait, status_code=status
            )
        if status >= 400:
            raise FatalError(f"{method} {path}: partner answered {status}", status_code=status)
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)
