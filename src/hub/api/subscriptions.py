"""``/subscriptions``: outbound webhooks for the merchant's systems (admin only).

The secret is shown once, when the subscription is made (and a new one when it is rotated).
README "Outbound webhooks" documents each event type's ``data`` and how to verify a
signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.domain.webhooks import DeliveryStatus, EventType
from hub.errors import Unprocessable
from hub.services.subscriptions import manage
from hub.store.subscriptions import Delivery as StoredDelivery
from hub.store.subscriptions import Subscription as Stored


class SubscriptionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new subscription: where to send which events."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=50)]
    #: deliver to a host that resolves to a private, loopback or link-local address
    allow_private: bool = False
    description: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as the API shows it (never its secret).
    ``previous_secret_valid_until``: after a rotation, the old secret also signs until then."""

    id: str
    url: str
    event_types: list[str]
    allow_private: bool
    description: str | None
    created_at: datetime
    updated_at: datetime
    previous_secret_valid_until: datetime | None = None


class SubscriptionCreated(Subscription, frozen=True, kw_only=True):
    """The new subscription and its signing secret: shown this once, keep it."""

    secret: str


class SecretRotated(Subscription, frozen=True, kw_only=True):
    """The new signing secret (shown this once); the old one signs beside it until
    ``previous_secret_valid_until``."""

    secret: str


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One event sent (or to be sent) to a subscription. ``id`` is the ``webhook-id``
    header; ``event`` the body as sent; ``http_status``, ``response_ms`` and ``error`` are
    of the last attempt."""

    id: str
    subscription_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    http_status: int | None
    response_ms: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    event: Any


class Replayed(msgspec.Struct, frozen=True):
    """How many deliveries were queued again."""

    replayed: int


_SUBS: Listing[tuple[str]] = Listing("subscriptions", tuple[str])
_DELIVERIES: Listing[tuple[str]] = Listing("deliveries", tuple[str])


def _shown(sub: Stored) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "event_types": sub.event_types,
        "allow_private": sub.allow_private,
        "description": sub.description,
        "created_at": sub.created_at,
        "updated_at": sub.updated_at,
        "previous_secret_valid_until": sub.previous_until if sub.previous_secret else None,
    }


def _listed(sub: Stored) -> Subscription:
    return Subscription(**_shown(sub))


def _delivery(d: StoredDelivery) -> Delivery:
    return Delivery(
        id=d.id,
        subscription_id=d.subscription_id,
        event_type=d.event_type,
        status=d.status,
        attempts=d.attempts,
        http_status=d.status_code,
        response_ms=d.response_ms,
        error=d.error,
        created_at=d.created_at,
        updated_at=d.updated_at,
        delivered_at=d.delivered_at,
        event=msgspec.json.decode(d.body),
    )


class SubscriptionController(Controller):
    path = "/subscriptions"
    tags = ["subscriptions"]
    guards = [requires("admin")]

    @post("/", status_code=201, summary="Subscribe a URL to event types (secret shown once)")
    async def create(
        self, hub: NamedDependency[Hub], data: JSONBody[SubscriptionIn]
    ) -> SubscriptionCreated:
        sub = await manage.create(
            hub.db,
            url=data.url,
            event_types=[t.value for t in data.event_types],
            allow_private=data.allow_private,
            description=data.description,
            allow_http_loopback=hub.settings.webhook_allow_http_loopback,
        )
        return SubscriptionCreated(**_shown(sub), secret=sub.secret)

    @get("/", summary="Subscriptions, oldest first")
    async def list_all(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk]
    ) -> Page[Subscription]:
        after = _SUBS.after(page.cursor)
        found = await manage.list_all(hub.db, after=after[0] if after else None, limit=page.fetch)
        return _SUBS.page(found, page, key=lambda s: (s.id,), show=_listed)

    @get("/{sub_id:str}", summary="One subscription")
    async def get_one(self, hub: NamedDependency[Hub], sub_id: FromPath[str]) -> Subscription:
        return Subscription(**_shown(await manage.get(hub.db, sub_id)))

    @delete("/{sub_id:str}", status_code=204, summary="Stop a subscription (history kept)")
    async def remove(self, hub: NamedDependency[Hub], sub_id: FromPath[str]) -> None:
        await manage.delete(hub.db, sub_id)

    @post(
        "/{sub_id:str}/rotate-secret",
        status_code=200,
        summary="A new signing secret; the old one also signs for 24 h",
    )
    async def rotate(self, hub: NamedDependency[Hub], sub_id: FromPath[str]) -> SecretRotated:
        sub = await manage.rotate(hub.db, sub_id)
        return SecretRotated(**_shown(sub), secret=sub.secret)

    @get("/{sub_id:str}/deliveries", summary="A subscription's deliveries, oldest first")
    async def deliveries(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        sub_id: FromPath[str],
        status: Annotated[
            list[DeliveryStatus] | None, QueryParameter(name="state", description="any of")
        ] = None,
    ) -> Page[Delivery]:
        after = _DELIVERIES.after(page.cursor)
        found = await manage.deliveries(
            hub.db,
            sub_id,
            status=[s.value for s in status] if status else None,
            after=after[0] if after else None,
            limit=page.fetch,
        )
        return _DELIVERIES.page(found, page, key=lambda d: (d.id,), show=_delivery)

    @post(
        "/{sub_id:str}/deliveries/{delivery_id:str}/replay",
        status_code=200,
        summary="Send a delivered or dead delivery again",
    )
    async def replay_one(
        self, hub: NamedDependency[Hub], sub_id: FromPath[str], delivery_id: FromPath[str]
    ) -> Delivery:
        return _delivery(await manage.replay_one(hub.db, sub_id, delivery_id))

    @post("/{sub_id:str}/replay", status_code=200, summary="Replay every failed (dead) delivery")
    async def replay_failed(
        self,
        hub: NamedDependency[Hub],
        sub_id: FromPath[str],
        which: Annotated[
            str,
            QueryParameter(
                name="state", max_length=20, description="`failed`: the dead deliveries"
            ),
        ],
    ) -> Replayed:
        if which != "failed":
            reason = "must be failed (the dead deliveries)"
            raise Unprocessable(f"state: {reason}", [FieldError("state", reason)])
        return Replayed(await manage.replay_failed(hub.db, sub_id))
