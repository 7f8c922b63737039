"""The ``webhook.deliver`` job: send one stored delivery, record what the subscriber said.

- 2xx: ``delivered``.
- Anything else: ``retrying`` on the outbox's backoff (``HUB_JOB_BACKOFF_*``, a subscriber's
  Retry-After honoured) for ``HUB_PARTNER_RETRY_HOURS`` (24 h) from when the event
  committed, then ``dead``: parked, visible, replayable.
- ``refused`` (the URL or the address it resolves to is not allowed, checked at connect
  time): ``dead`` at once, since no retry can change it; replay once the cause is fixed.

Isolation: each delivery is its own job with its own 10 s limit, and a worker sends at most
``HUB_WEBHOOK_PER_SUBSCRIBER`` deliveries to one subscription at once; more are put back
for a moment without using an attempt. So a subscriber that hangs holds a few of the
worker's slots for 10 s each, and every other subscriber, and the order flow, go on.

At least once: a worker that dies after the subscriber answered and before the result is
recorded sends it again (same ``webhook-id``: receivers deduplicate on it). Deliveries of
one subscription are not ordered: retries and parallel sends overtake each other.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.webhooks import DeliveryStatus, signing_secrets
from hub.services.jobs import FatalJobError, JobContext, RetryLater
from hub.store import subscriptions as store
from hub.store.jobs import Job
from hub.store.subscriptions import Delivery
from hub.subscriptions.delivery import DeliveryResult, WebhookSender
from hub.subscriptions.guard import Resolver

#: how long a delivery over the per-subscriber limit waits before it is claimed again
HELD_SECONDS = 1.0
#: a delivery this close to the end of its retry span is parked rather than retried
MARGIN = timedelta(minutes=1)
S = DeliveryStatus


class Outbound:
    """The process's one ``WebhookSender`` (made on first use, in the worker's loop) and
    the count of deliveries in flight per subscription."""

    def __init__(self, settings: Settings, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self.resolver = resolver  # None: the system's (tests put in their own DNS)
        self._sender: WebhookSender | None = None
        self.in_flight: Counter[str] = Counter()

    def sender(self) -> WebhookSender:
        if self._sender is None:
            self._sender = WebhookSender(
                resolver=self.resolver,
                allow_http_loopback=self.settings.webhook_allow_http_loopback,
                per_origin=max(8, self.settings.webhook_per_subscriber),
            )
        return self._sender

    async def aclose(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            await sender.aclose()


def _outcome(
    result: DeliveryResult, job: Job, settings: Settings
) -> tuple[DeliveryStatus, Exception | None]:
    """The delivery's new status, and what the job raises (None: done)."""
    if result.ok:
        return S.DELIVERED, None
    error = result.error or "failed"
    if result.outcome == "refused":
        return S.DEAD, FatalJobError(error)
    span = timedelta(hours=settings.partner_retry_hours)
    if utcnow() >= job.created_at + span - MARGIN:
        return S.DEAD, FatalJobError(f"{error}; retried for {settings.partner_retry_hours:g} h")
    return S.RETRYING, RetryLater(error, after_seconds=result.retry_after or 0.0)


def _record(conn: Connection, delivery: Delivery, status: DeliveryStatus, **answer: object) -> None:
    now = utcnow()
    if delivery.status is S.DEAD:  # its job was replayed from /jobs: a replay
        store.record_sync(conn, delivery.id, S.PENDING, now=now, attempted=False)
    store.record_sync(conn, delivery.id, status, now=now, **answer)  # type: ignore[arg-type]


def deliver_handler(outbound: Outbound):  # type: ignore[no-untyped-def]
    """The job handler, bound to the process's ``Outbound``."""

    async def handle(ctx: JobContext, job: Job) -> None:
        delivery_id = str(job.payload["delivery"])
        async with ctx.db.read() as aconn:
            found = await aconn.run_sync(store.for_sending_sync, delivery_id)
        if found is None:
            return
        delivery, sub = found
        if delivery.status is S.DELIVERED:  # recorded before a crash: nothing to do
            return
        if sub.deleted_at is not None:
            await ctx.db.run_write(
                lambda c: _record(
                    c, delivery, S.DEAD, error="the subscription was deleted", attempted=False
                )
            )
            return
        if outbound.in_flight[sub.id] >= ctx.settings.webhook_per_subscriber:
            raise RetryLater(
                "held back: the subscriber has as many deliveries in flight as allowed",
                after_seconds=HELD_SECONDS,
                counts=False,
            )
        outbound.in_flight[sub.id] += 1
        try:
            result = await outbound.sender().post(
                sub.url,
                msg_id=delivery.id,
                body=delivery.body,
                signing_secrets=signing_secrets(
                    sub.secret, sub.previous_secret, sub.previous_until, utcnow()
                ),
                allow_private=sub.allow_private,
            )
        finally:
            outbound.in_flight[sub.id] -= 1
        status, fail = _outcome(result, job, ctx.settings)
        await ctx.db.run_write(
            lambda c: _record(
                c,
                delivery,
                status,
                status_code=result.status_code,
                response_ms=round(result.elapsed_ms),
                error=result.error,
            )
        )
        if fail is not None:
            raise fail

    return handle
