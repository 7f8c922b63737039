"""The ``webhook.deliver`` jobs: send stored deliveries many at once, record what each
subscriber said, many outcomes to one commit.

- 2xx: ``delivered``.
- Anything else: ``retrying`` on the outbox's backoff (``HUB_JOB_BACKOFF_*``, a subscriber's
  Retry-After honoured) for ``HUB_PARTNER_RETRY_HOURS`` (24 h) from when the event
  committed, then ``dead``: parked, visible, replayable.
- ``refused`` (the URL or the address it resolves to is not allowed, checked at connect
  time): ``dead`` at once, since no retry can change it; replay once the cause is fixed.

Throughput: the jobs are a worker ``Stream``. The worker claims up to
``HUB_WEBHOOK_IN_FLIGHT`` of them in one transaction, which also reads their deliveries
and subscriptions (``prepare``); each is sent as its own task over the process's one pooled
keep-alive client; and the worker records the outcomes as they come, every outcome ready
at that moment (delivery rows and jobs) in one transaction. A few transactions per batch
instead of about five per delivery.

Isolation: every send has its own 10 s limit and is recorded the moment it ends, not when
its batch does. At most ``HUB_WEBHOOK_PER_SUBSCRIBER`` deliveries to one subscription are
sent at once; the others wait in memory for their turn, and those still waiting after
``HELD_SECONDS`` are put back in the queue for a moment without using an attempt. So a
subscriber that hangs holds a few connections for 10 s each and a few places of the stream
for 2 s each, and every other subscriber, and the order flow (other job kinds have their
own slots), go on; a healthy subscriber with a backlog takes the whole stream.

At least once: a worker that dies after the subscriber answered and before the result is
recorded sends it again (same ``webhook-id``: receivers deduplicate on it). Deliveries of
one subscription are not ordered: retries and parallel sends overtake each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from msgspec.structs import replace
from sqlalchemy import Connection

from hub.clock import utcnow
from hub.config import Settings
from hub.domain.webhooks import DeliveryStatus, signing_secrets
from hub.services.jobs import FatalJobError, JobContext, Outcome, RetryLater
from hub.store import subscriptions as store
from hub.store.jobs import Job
from hub.store.subscriptions import Attempt, Delivery, Subscription
from hub.subscriptions.delivery import DeliveryResult, WebhookSender
from hub.subscriptions.guard import Resolver

log = logging.getLogger(__name__)

#: how long a delivery waits in memory for a free connection of its subscriber before it is
#: put back in the queue (without using an attempt), and how long it then waits there
HELD_SECONDS = 2.0
#: a delivery this close to the end of its retry span is parked rather than retried
MARGIN = timedelta(minutes=1)
S = DeliveryStatus
Report = Callable[[Outcome], None]


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
    """The delivery's new status, and the job's error (None: done)."""
    if result.ok:
        return S.DELIVERED, None
    error = result.error or "failed"
    if result.outcome == "refused":
        return S.DEAD, FatalJobError(error)
    span = timedelta(hours=settings.partner_retry_hours)
    if utcnow() >= job.created_at + span - MARGIN:
        return S.DEAD, FatalJobError(f"{error}; retried for {settings.partner_retry_hours:g} h")
    return S.RETRYING, RetryLater(error, after_seconds=result.retry_after or 0.0)


Item = tuple[Job, Delivery, Subscription]


class DeliveryStream:
    """The worker ``Stream`` of ``webhook.deliver`` jobs (see the module's docstring)."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound
        self.settings = outbound.settings
        self._held = 0  # jobs taken and not reported yet
        self._waiting: dict[str, deque[Item]] = defaultdict(deque)
        self._tasks: set[asyncio.Task[None]] = set()

    def room(self) -> int:
        return max(0, self.settings.webhook_in_flight - self._held)

    def prepare(self, conn: Connection, jobs: list[Job]) -> Any:
        """The claimed jobs' deliveries and subscriptions, read in the claim's transaction
        (one round trip to the database thread for both)."""
        ids = [str(j.payload.get("delivery")) for j in jobs]
        return store.for_sending_many_sync(conn, ids)

    def start(self, ctx: JobContext, jobs: list[Job], prepared: Any, report: Report) -> None:
        self._held += len(jobs)
        self._begin(ctx, jobs, prepared, report)

    def _spawn(self, work) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _report(self, report: Report, outcome: Outcome) -> None:
        self._held -= 1
        report(outcome)

    def _begin(self, ctx: JobContext, jobs: list[Job], found: Any, report: Report) -> None:
        """Settle the claimed jobs with nothing to send, and queue the rest per
        subscription (``found``: delivery id -> (delivery, subscription))."""
        ids = [str(j.payload.get("delivery")) for j in jobs]
        touched: set[str] = set()
        for job, delivery_id in zip(jobs, ids, strict=True):
            pair = found.get(delivery_id)
            if pair is None or pair[0].status is S.DELIVERED:  # gone, or sent before a crash
                self._report(report, Outcome(job))
                continue
            delivery, sub = pair
            if sub.deleted_at is not None:
                gone = Attempt(delivery=delivery, status=S.DEAD, attempted=False,
                               error="the subscription was deleted")  # fmt: skip
                self._report(report, Outcome(job, detail=gone))
                continue
            self._waiting[sub.id].append((job, delivery, sub))
            touched.add(sub.id)
        for sub_id in touched:
            self._pump(ctx, sub_id, report)
        if touched:
            loop = asyncio.get_running_loop()
            loop.call_later(HELD_SECONDS, self._put_back, {j.id for j in jobs}, touched, report)

    def _pump(self, ctx: JobContext, sub_id: str, report: Report) -> None:
        """Send what the subscription's limit allows."""
        limit = self.settings.webhook_per_subscriber
        queue = self._waiting.get(sub_id)
        while queue and self.outbound.in_flight[sub_id] < limit:
            self.outbound.in_flight[sub_id] += 1
            self._spawn(self._send(ctx, queue.popleft(), report))
        if queue is not None and not queue:
            del self._waiting[sub_id]

    def _put_back(self, ids: set[int], subs: set[str], report: Report) -> None:
        """The jobs of one batch still waiting for their subscriber: back to the queue."""
        for sub_id in subs:
            queue = self._waiting.get(sub_id)
            if not queue:
                continue
            kept = deque(item for item in queue if item[0].id not in ids)
            for item in queue:
                if item[0].id in ids:
                    held = RetryLater(
                        "held back: the subscriber has as many deliveries in flight as allowed",
                        after_seconds=HELD_SECONDS,
                        counts=False,
                    )
                    self._report(report, Outcome(item[0], held))
            if kept:
                self._waiting[sub_id] = kept
            else:
                del self._waiting[sub_id]

    async def _send(self, ctx: JobContext, item: Item, report: Report) -> None:
        job, delivery, sub = item
        try:
            result = await self.outbound.sender().post(
                sub.url,
                msg_id=delivery.id,
                body=delivery.body,
                signing_secrets=signing_secrets(
                    sub.secret, sub.previous_secret, sub.previous_until, utcnow()
                ),
                allow_private=sub.allow_private,
            )
            status, fail = _outcome(result, job, ctx.settings)
            attempt = Attempt(
                delivery=delivery,
                status=status,
                status_code=result.status_code,
                response_ms=round(result.elapsed_ms),
                error=result.error,
            )
            self._report(report, Outcome(job, fail, attempt))
        except Exception as exc:  # a bug, not an answer: a failed attempt of the job
            log.exception("webhook delivery %s could not be sent", delivery.id)
            self._report(report, Outcome(job, exc))
        finally:
            self.outbound.in_flight[sub.id] -= 1
            if self._waiting.get(sub.id):
                self._pump(ctx, sub.id, report)

    def record(self, conn: Connection, outcomes: list[Outcome]) -> None:
        now = utcnow()
        attempts: list[Attempt] = []
        for o in outcomes:
            a = o.detail
            if not isinstance(a, Attempt):
                continue
            if a.delivery.status is S.DEAD:  # its job was replayed from /jobs: a replay
                store.record_sync(conn, a.delivery.id, S.PENDING, now=now, attempted=False)
                a = replace(a, delivery=replace(a.delivery, status=S.PENDING))
            attempts.append(a)
        store.record_many_sync(conn, attempts, now=now)

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the sends in flight, then cancel the rest (their jobs
        run again when their leases run out, as after a crash)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while self._tasks and loop.time() < end:  # a send that ends may start a waiting one
            await asyncio.wait(list(self._tasks), timeout=end - loop.time())
        late = list(self._tasks)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
