"""Deliver one signed webhook to one subscriber, safely, and say what happened.

The body is ``{"type", "timestamp", "data"}`` (compact JSON). It is signed per Standard
Webhooks with the ``standardwebhooks`` library: ``webhook-id`` (the same on every retry, so
the receiver can deduplicate), ``webhook-timestamp`` (this attempt, Unix seconds) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one per secret,
separated by spaces (two while a rotated secret is still valid).

Safety (``hub.subscriptions.guard``): https only (http to loopback behind a setting), the
address checked when connecting, no redirect followed, 10 s for the whole attempt (connect,
send, answer), and at most the first 64 kB of the answer read.

Outcomes (``DeliveryResult.outcome``), explicit so the job can act on them:

- ``delivered``: a 2xx answer.
- ``transient``: worth retrying soon: a network error, a timeout, 408, 429 or any 5xx
  (``retry_after`` carries the receiver's Retry-After when it sent one).
- ``rejected``: the receiver answered, but no: a 3xx (not followed; the error names the
  Location) or any other 4xx. Issue 13 still retries these on the job's backoff schedule for
  24 h (a 404 during a receiver's deploy heals), they just are not ``retriable`` in the sense
  of "expected to work on the next attempt".
- ``refused``: the hub would not send: the URL breaks the rules or the host resolves to an
  address the subscription may not reach. Retrying changes nothing until the subscription
  (or DNS) does; the job may park it at once or keep the 24 h schedule.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import ssl
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx
import msgspec
from standardwebhooks import Webhook

from hub.subscriptions.guard import (
    POLICY_EXTENSION,
    GuardedTransport,
    Resolver,
    UnsafeAddress,
    UnsafeUrl,
    check_url,
)

MAX_RESPONSE_BYTES = 64 * 1024
TIMEOUT_S = 10.0
USER_AGENT = "hub-webhooks/1"
Outcome = Literal["delivered", "transient", "rejected", "refused"]


class DeliveryResult(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    status_code: int | None
    elapsed_ms: float
    error: str | None = None
    body: bytes = b""  # the first MAX_RESPONSE_BYTES of the answer at most
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After

    @property
    def ok(self) -> bool:
        return self.outcome == "delivered"

    @property
    def retriable(self) -> bool:
        return self.outcome == "transient"


def new_secret(nbytes: int = 32) -> str:
    """A fresh signing secret: ``whsec_`` + base64 of ``nbytes`` random bytes (24..64)."""
    if not 24 <= nbytes <= 64:
        raise ValueError("a Standard Webhooks secret has 24 to 64 bytes")
    return "whsec_" + base64.b64encode(secrets.token_bytes(nbytes)).decode()


def event_body(event_type: str, occurred_at: datetime, data: Any) -> bytes:
    """The JSON body ``{"type", "timestamp", "data"}``; ``timestamp`` is the event's time."""
    stamp = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return msgspec.json.encode({"type": event_type, "timestamp": stamp, "data": data})


def _check_msg_id(msg_id: str) -> None:
    if not msg_id or "." in msg_id or not msg_id.isascii() or not msg_id.isprintable():
        raise ValueError("webhook-id must be printable ASCII without '.'")


def sign(msg_id: str, timestamp: int, body: bytes, signing_secrets: Sequence[str]) -> str:
    """The ``webhook-signature`` value: one ``v1,<sig>`` per secret, space-separated."""
    _check_msg_id(msg_id)
    if not signing_secrets:
        raise ValueError("at least one signing secret is needed")
    at = datetime.fromtimestamp(timestamp, UTC)
    text = body.decode()
    return " ".join(Webhook(s).sign(msg_id, at, text) for s in signing_secrets)


def webhook_headers(
    msg_id: str, timestamp: int, body: bytes, signing_secrets: Sequence[str]
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(msg_id, timestamp, body, signing_secrets),
    }


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _classify(response: httpx.Response, body: bytes, elapsed_ms: float) -> DeliveryResult:
    code = response.status_code
    if 200 <= code < 300:
        return DeliveryResult(
            outcome="delivered", status_code=code, elapsed_ms=elapsed_ms, body=body
        )
    if 300 <= code < 400:
        where = response.headers.get("location", "(no Location header)")
        error = f"HTTP {code}: redirect to {where} not followed"
        return DeliveryResult(
            outcome="rejected", status_code=code, elapsed_ms=elapsed_ms, error=error, body=body
        )
    transient = code in (408, 429) or code >= 500
    return DeliveryResult(
        outcome="transient" if transient else "rejected",
        status_code=code,
        elapsed_ms=elapsed_ms,
        error=f"HTTP {code} {response.reason_phrase}".strip(),
        body=body,
        retry_after=_retry_after(response.headers.get("retry-after")) if transient else None,
    )


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= cap:
            break
    return b"".join(chunks)[:cap]


def _unsafe(exc: BaseException) -> UnsafeAddress | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UnsafeAddress):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class WebhookSender:
    """The one pooled, guarded HTTP client that delivers webhooks; make one per process.

    ``async with WebhookSender() as sender: await sender.deliver(...)``. The client keeps
    up to ``per_origin`` connections alive per (policy, subscriber origin): more deliveries
    than that to one subscriber wait for a free connection (inside their 10 s), and never
    take another subscriber's. ``resolver`` replaces DNS (tests), ``ssl_context`` the trust
    store, ``allow_http_loopback`` is the hub's setting for http to loopback.
    """

    def __init__(
        self,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        allow_http_loopback: bool = False,
        timeout: float = TIMEOUT_S,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        per_origin: int = 8,
    ) -> None:
        self.allow_http_loopback = allow_http_loopback
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        transport = GuardedTransport(
            resolver=resolver, ssl_context=ssl_context, per_origin=per_origin
        )
        self.http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
        )

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def deliver(
        self,
        url: str,
        *,
        msg_id: str,
        event_type: str,
        occurred_at: datetime,
        data: Any,
        signing_secrets: Sequence[str],
        allow_private: bool = False,
    ) -> DeliveryResult:
        """Build the body for one event and post it (see ``post``)."""
        body = event_body(event_type, occurred_at, data)
        return await self.post(
            url,
            msg_id=msg_id,
            body=body,
            signing_secrets=signing_secrets,
            allow_private=allow_private,
        )

    async def post(
        self,
        url: str,
        *,
        msg_id: str,
        body: bytes,
        signing_secrets: Sequence[str],
        allow_private: bool = False,
        now: int | None = None,
    ) -> DeliveryResult:
        """Post a stored body (a retry or a replay signs it anew with this attempt's time)."""
        started = time.perf_counter()

        def done(outcome: Outcome, error: str) -> DeliveryResult:
            ms = (time.perf_counter() - started) * 1000
            return DeliveryResult(outcome=outcome, status_code=None, elapsed_ms=ms, error=error)

        try:
            policy = check_url(
                url, allow_http_loopback=self.allow_http_loopback, allow_private=allow_private
            )
        except UnsafeUrl as exc:
            return done("refused", f"refused: {exc}")
        stamp = int(time.time()) if now is None else now
        headers = webhook_headers(msg_id, stamp, body, signing_secrets)
        request = self.http.build_request(
            "POST", url, content=body, headers=headers, extensions={POLICY_EXTENSION: policy}
        )
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.http.send(request, stream=True)
                try:
                    answer = await _read_capped(response, self.max_response_bytes)
                finally:
                    await response.aclose()
        except TimeoutError:
            return done("transient", f"timed out after {self.timeout:g} s")
        except httpx.TransportError as exc:
            unsafe = _unsafe(exc)
            if unsafe is not None:
                return done("refused", f"refused: {unsafe}")
            return done("transient", f"{type(exc).__name__}: {exc}".rstrip(": "))
        return _classify(response, answer, (time.perf_counter() - started) * 1000)
