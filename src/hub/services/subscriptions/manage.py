"""Subscriptions: create (secret shown once), list, read, delete, rotate the secret, and the
deliveries: list and replay.

A URL is checked when the subscription is made, as it will be at every delivery: https
(http to loopback only with ``HUB_WEBHOOK_ALLOW_HTTP_LOOPBACK``), no credentials in it, and
its host resolving only to addresses the subscription may reach (public ones, unless it says
``allow_private``). Rotation: the new secret signs from now on, and the old one goes on
signing beside it for 24 h (two signatures in ``webhook-signature``), so the receiver can
switch at its own pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import httpcore
import httpx

from hub.clock import utcnow
from hub.domain.order import FieldError
from hub.domain.webhooks import FAILED
from hub.errors import Conflict, NotFound, Unprocessable
from hub.services.subscriptions.events import forget
from hub.store import subscriptions as store
from hub.store.database import Database
from hub.store.subscriptions import Delivery, Subscription
from hub.subscriptions.delivery import new_secret
from hub.subscriptions.guard import (
    Resolver,
    UnsafeAddress,
    UnsafeUrl,
    check_url,
    resolve_checked,
    system_resolver,
)

ROTATION_GRACE = timedelta(hours=24)
RESOLVE_SECONDS = 3.0


def _refuse(reason: str) -> Unprocessable:
    return Unprocessable(f"url: {reason}", [FieldError("url", reason)])


async def check_target(
    url: str, *, allow_private: bool, allow_http_loopback: bool, resolver: Resolver | None = None
) -> None:
    """``Unprocessable`` naming ``url`` when the hub would refuse to deliver there."""
    try:
        policy = check_url(
            url, allow_http_loopback=allow_http_loopback, allow_private=allow_private
        )
    except UnsafeUrl as exc:
        raise _refuse(str(exc)) from None
    u = httpx.URL(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            await resolve_checked(u.host, port, policy, resolver or system_resolver)
    except UnsafeAddress as exc:
        raise _refuse(str(exc)) from None
    except (httpcore.ConnectError, TimeoutError, UnicodeError):
        raise _refuse(f"{u.host} does not resolve") from None


async def create(
    db: Database,
    *,
    url: str,
    event_types: Sequence[str],
    allow_private: bool,
    description: str | None,
    allow_http_loopback: bool,
    resolver: Resolver | None = None,
) -> Subscription:
    await check_target(
        url,
        allow_private=allow_private,
        allow_http_loopback=allow_http_loopback,
        resolver=resolver,
    )
    async with db.write() as conn:
        sub = await store.add(
            conn,
            url=url,
            event_types=event_types,
            allow_private=allow_private,
            description=description,
            secret=new_secret(),
            now=utcnow(),
        )
    forget()
    return sub


async def get(db: Database, sub_id: str) -> Subscription:
    async with db.read() as conn:
        sub = await store.get(conn, sub_id)
    if sub is None:
        raise NotFound(f"no subscription {sub_id}")
    return sub


async def list_all(db: Database, *, after: str | None, limit: int) -> list[Subscription]:
    async with db.read() as conn:
        return await store.list_active(conn, after=after, limit=limit)


async def delete(db: Database, sub_id: str) -> None:
    """No new deliveries; those queued are parked dead; the history stays readable."""
    async with db.write() as conn:
        if not await store.delete(conn, sub_id, now=utcnow()):
            raise NotFound(f"no subscription {sub_id}")
    forget()


async def rotate(db: Database, sub_id: str) -> Subscription:
    now = utcnow()
    async with db.write() as conn:
        if not await store.rotate(
            conn, sub_id, secret=new_secret(), grace_until=now + ROTATION_GRACE, now=now
        ):
            raise NotFound(f"no subscription {sub_id}")
        sub = await store.get(conn, sub_id)
    assert sub is not None
    return sub


async def deliveries(
    db: Database, sub_id: str, *, status: Sequence[str] | None, after: str | None, limit: int
) -> list[Delivery]:
    await get(db, sub_id)
    async with db.read() as conn:
        return await store.list_deliveries(conn, sub_id, status=status, after=after, limit=limit)


async def replay_one(db: Database, sub_id: str, delivery_id: str) -> Delivery:
    """Send a delivered or dead delivery again (same body and ``webhook-id``)."""
    await get(db, sub_id)
    async with db.read() as conn:
        found = await store.get_delivery(conn, sub_id, delivery_id)
    if found is None:
        raise NotFound(f"no delivery {delivery_id} for subscription {sub_id}")
    if found.status not in FAILED and found.status != "delivered":
        raise Conflict(
            f"delivery {delivery_id} is {found.status}: it is queued already; only a "
            "delivered or dead one can be replayed"
        )
    await db.run_write(lambda c: store.replay_sync(c, [delivery_id], now=utcnow()))
    db.signal_jobs()
    async with db.read() as conn:
        again = await store.get_delivery(conn, sub_id, delivery_id)
    assert again is not None
    return again


async def replay_failed(db: Database, sub_id: str) -> int:
    """Replay every dead delivery of the subscription; how many."""
    await get(db, sub_id)

    def replay(conn):  # type: ignore[no-untyped-def]
        ids = store.ids_in_states_sync(conn, sub_id, [s.value for s in FAILED])
        return store.replay_sync(conn, ids, now=utcnow())

    n: int = await db.run_write(replay)
    if n:
        db.signal_jobs()
    return n
