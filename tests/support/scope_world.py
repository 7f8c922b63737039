"""A small hub with something behind every route, for the walk in tests/e2e/test_scopes.py.

Two channels: ``shop-eu`` (the channel key's own; a configured connection) and
``callcentre`` (another channel). Each has a released order with a fulfilment at the
merchant's own warehouse ``main`` carrying a label. There is stock, a SKU, a kept inbound
message and a label-buying connection. ``build(route)`` gives the request that exercises a
route for the key's own channel (``"own"``) or the other one (``"other"``); with
``fresh=True`` it first makes what a successful write uses up (a new order to cancel, a
dead job to replay), so each key that may write gets a real 2xx.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from litestar.testing import AsyncTestClient
from sqlalchemy import insert, update

from hub.clock import utcnow
from hub.config import Settings
from hub.console.session import COOKIE
from hub.domain.ids import new_id
from hub.forecasting import ForecastConfig
from hub.services.forecast.run import run_forecasts
from hub.store import inbound as inbound_store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.tables import fulfilments, jobs
from hub.store.webhook_tables import webhook_deliveries
from tests.e2e.test_fulfilment_api import drain, order
from tests.support.documents import INVOICES

Variant = Literal["own", "other"]
PURCHASE = {
    "supplier": "acme",
    "location": "main",
    "expected_on": "2030-01-01",
    "lines": [{"sku": "TEE", "quantity": 5}],
}
OWN, OTHER = "shop-eu", "callcentre"
CONFIG = {
    "connections": [
        {
            "code": OWN,
            "connector": "generic_json",
            "settings": {"mapping": "example_partner_order"},
            "secrets": {"webhook_secret": {"env": "SCOPES_SHOP_SECRET"}},
        },
        {
            "code": "easypost",
            "connector": "easypost",
            "base_url": "https://easypost.invalid",
            "secrets": {
                "api_key": {"env": "SCOPES_EASYPOST_KEY"},
                "webhook_secret": {"env": "SCOPES_EASYPOST_SECRET"},
            },
        },
    ],
    "documents": {"series": [INVOICES | {"default_tax_rate": "0"}]},  # tax-free orders
}
#: a subscription no delivery is made to: job.dead, at a port nothing listens on
HOOK = {"url": "https://127.0.0.1:9/hook", "event_types": ["job.dead"], "allow_private": True}
ENV = {"SCOPES_SHOP_SECRET": "s1", "SCOPES_EASYPOST_KEY": "k", "SCOPES_EASYPOST_SECRET": "s2"}


def write_config(tmp_path: Path) -> str:
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps(CONFIG))
    return str(path)


@dataclass(frozen=True)
class Call:
    """One request, and what its answer must (``shows``) or, for a channel's key, must
    not (``hides``) contain."""

    path: str
    json: Any = None
    params: dict[str, str] | None = None
    shows: str | None = None
    hides: str | None = None
    form: dict[str, str] | None = None  # a console form (its CSRF token is added)


@dataclass
class World:
    client: AsyncTestClient
    admin: dict[str, str]
    db: Database
    settings: Settings
    orders: dict[str, str] = field(default_factory=dict)  # variant -> order id
    fulfilments: dict[str, str] = field(default_factory=dict)
    public_ref: str = ""
    message_id: str = ""
    purchase_order: str = ""
    subscription: str = ""
    delivery: str = ""
    returns_order: str = ""  # shipped in full: what the return routes take units from
    return_id: str = ""
    complaints: dict[str, str] = field(default_factory=dict)  # variant -> complaint id
    document: str = ""  # an invoice of the own channel's order, rendered
    secrets: list[str] = field(default_factory=list)  # plain keys: never in an answer
    sessions: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # key -> console
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def channel(self, variant: Variant) -> str:
        return OWN if variant == "own" else OTHER

    async def new_order(self, variant: Variant, *, hold: bool = False) -> str:
        body = order(f"SCOPE-{next(self._seq)}", ("TEE", 1)) | {"channel": self.channel(variant)}
        r = await self.client.post("/orders", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        order_id: str = r.json()["id"]
        if hold:
            r = await self.client.post(f"/orders/{order_id}/hold", headers=self.admin)
            assert r.status_code == 200, r.text
        return order_id

    async def dead_job(self) -> int:
        (row,) = job_store.job_rows([NewJob("scopes.test", {})], now=utcnow(), max_attempts=1)
        async with self.db.write() as conn:
            query = insert(jobs).values({**row, "state": "dead"}).returning(jobs.c.id)
            return int((await conn.execute(query)).scalar_one())

    def tracking(self) -> str:
        return f"TRK-{next(self._seq)}"

    async def new_subscription(self) -> str:
        r = await self.client.post("/subscriptions", json=HOOK, headers=self.admin)
        assert r.status_code == 201, r.text
        sub_id: str = r.json()["id"]
        return sub_id

    async def dead_delivery(self) -> str:
        """A delivery parked dead (no job: nothing tries to send it to the unused port)."""
        now = utcnow()
        row = {"id": new_id(), "subscription_id": self.subscription, "event_type": "job.dead",
               "body": b'{"type":"job.dead","timestamp":"2026-01-01T00:00:00Z","data":{}}',
               "status": "dead", "attempts": 3, "error": "refused", "created_at": now,
               "updated_at": now}  # fmt: skip
        async with self.db.write() as conn:
            await conn.execute(insert(webhook_deliveries).values(row))
        return str(row["id"])

    async def new_return(self, *steps: tuple[str, Any]) -> str:
        """A return of one unit of the shipped order, moved through ``steps`` (action, body)."""
        body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "other"}
        r = await self.client.post(
            f"/orders/{self.returns_order}/returns", json=body, headers=self.admin
        )
        assert r.status_code == 201, r.text
        return_id: str = r.json()["id"]
        for action, json_body in steps:
            r = await self.client.post(
                f"/returns/{return_id}/{action}", json=json_body, headers=self.admin
            )
            assert r.status_code == 200, r.text
        return return_id

    async def new_complaint(self, variant: Variant) -> str:
        body = {"kind": "damaged", "description": "scope walk"}
        path = f"/orders/{self.orders[variant]}/complaints"
        r = await self.client.post(path, json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        complaint_id: str = r.json()["id"]
        return complaint_id

    async def new_purchase_order(self) -> str:
        r = await self.client.post("/purchase-orders", json=PURCHASE, headers=self.admin)
        assert r.status_code == 201, r.text
        po_id: str = r.json()["id"]
        return po_id


async def admin_call(world: World, method: str, path: str, body: Any) -> None:
    r = await world.client.request(method, path, json=body, headers=world.admin)
    assert r.status_code in (200, 201), r.text


async def build_world(
    client: AsyncTestClient, admin: dict[str, str], db: Database, settings: Settings
) -> World:
    world = World(client, admin, db, settings)
    await admin_call(world, "POST", "/locations", {"code": "main", "name": "Main"})
    receipt = {"kind": "receipt", "sku": "TEE", "location": "main", "quantity": 500, "reason": "in"}
    await admin_call(world, "POST", "/stock/movements", {"movements": [receipt]})
    await admin_call(world, "PUT", "/catalog/skus", {"skus": [{"sku": "TEE", "name": "Tee"}]})
    for variant in ("own", "other"):
        body = order(f"SCOPE-{variant}", ("TEE", 20)) | {"channel": world.channel(variant)}
        r = await client.post("/orders", json=body, headers=admin)
        assert r.status_code == 201, r.text
        world.orders[variant] = r.json()["id"]
    world.public_ref = r.json()["public_ref"]
    await drain(db, settings)
    for variant, order_id in world.orders.items():
        listed = (await client.get("/fulfilments", headers=admin)).json()["items"]
        (f,) = [f for f in listed if f["order_id"] == order_id]
        world.fulfilments[variant] = f["id"]
    async with db.write() as conn:
        await conn.execute(update(fulfilments).values(label=b"%PDF-1.4 label", label_format="pdf"))
    await run_forecasts(db, history_end=utcnow().date(), config=ForecastConfig(workers=1))
    world.purchase_order = await world.new_purchase_order()
    world.subscription = await world.new_subscription()  # after the drain: nothing to send
    world.delivery = await world.dead_delivery()
    await ship_returns_order(world)
    for variant in ("own", "other"):
        world.complaints[variant] = await world.new_complaint(variant)
    r = await client.post(f"/orders/{world.orders['own']}/invoice", headers=admin)
    assert r.status_code == 201, r.text
    world.document = r.json()["id"]
    await drain(db, settings)  # its PDF
    world.message_id = "01JSCOPESMESSAGE0000000000"
    await db.run_write(
        lambda c: inbound_store.keep_sync(
            c,
            message_id=world.message_id,
            connection=OWN,  # configured: a replay maps it (and quarantines the empty body)
            source="webhook",
            dedupe_key="scopes-1",
            topic=None,
            body=b"{}",
            now=utcnow(),
        )
    )
    return world


async def ship_returns_order(world: World) -> None:
    """An order of the channel shipped in full (40 units), and one return of it."""
    body = order("SCOPE-returns", ("TEE", 40)) | {"channel": OWN}
    r = await world.client.post("/orders", json=body, headers=world.admin)
    assert r.status_code == 201, r.text
    world.returns_order = r.json()["id"]
    await drain(world.db, world.settings)
    listed = (await world.client.get("/fulfilments", headers=world.admin)).json()["items"]
    (f,) = [f for f in listed if f["order_id"] == world.returns_order]
    ship = {"carrier": "DHL", "tracking_number": world.tracking()}
    await admin_call(world, "POST", f"/fulfilments/{f['id']}/shipments", ship)
    world.return_id = await world.new_return()


Builder = Callable[[World, Variant, bool], Awaitable[Call]]


def fixed(path: str, **kwargs: Any) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        return Call(path, **kwargs)

    return build


async def _orders(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/orders", shows=world.orders["own"], hides=world.orders["other"])


async def _order(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/orders/{world.orders[variant]}", shows=world.orders[variant])


async def _by_external(world: World, variant: Variant, fresh: bool) -> Call:
    external = f"SCOPE-{variant}"
    path = f"/orders/by-external/{world.channel(variant)}/{external}"
    return Call(path, shows=world.orders[variant])


async def _patch(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = await world.new_order(variant, hold=True) if fresh else world.orders[variant]
    return Call(f"/orders/{order_id}", json={"note": "scope walk"})


async def _create(world: World, variant: Variant, fresh: bool) -> Call:
    body = order(f"SCOPE-NEW-{next(world._seq)}", ("TEE", 1))
    return Call("/orders", json=body | {"channel": world.channel(variant)})


def _action(action: str) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        order_id = world.orders[variant]
        if fresh:
            order_id = await world.new_order(variant, hold=action == "release")
        return Call(f"/orders/{order_id}/{action}", json={"reason": "scope walk"})

    return build


async def _payment(world: World, variant: Variant, fresh: bool) -> Call:
    """A refund of one cent, by bank transfer, on a paid order of the channel."""
    order_id = await world.new_order(variant) if fresh else world.orders[variant]
    body = {"kind": "refund", "amount": 1, "method": "bank_transfer",
            "reference": f"RF-{next(world._seq)}"}  # fmt: skip
    return Call(f"/orders/{order_id}/payments", json=body, shows='"refund"')


async def _fulfilment_list(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/fulfilments", shows=world.fulfilments["own"], hides=world.fulfilments["other"])


def _document(suffix: str = "") -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        return Call(
            f"/documents/{world.document}{suffix}", shows=None if suffix else world.document
        )

    return build


async def _order_documents(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = world.orders[variant]
    return Call(f"/orders/{order_id}/documents", shows=world.document if variant == "own" else None)


async def _invoice(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = await world.new_order(variant) if fresh else world.orders[variant]
    return Call(f"/orders/{order_id}/invoice", json={}, shows='"invoice"')


async def _credit_note(world: World, variant: Variant, fresh: bool) -> Call:
    """A credit note for the whole invoice of a new order, invoiced by the admin key."""
    order_id = world.orders[variant]
    if fresh:
        order_id = await world.new_order(variant)
        await admin_call(world, "POST", f"/orders/{order_id}/invoice", {})
    return Call(f"/orders/{order_id}/credit-notes", json={}, shows='"credit_note"')


def _fulfilment(suffix: str = "") -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        f = world.fulfilments[variant]
        return Call(f"/fulfilments/{f}{suffix}", shows=None if suffix else f)

    return build


async def _pick_list(world: World, variant: Variant, fresh: bool) -> Call:
    params = {"fulfilment": world.fulfilments[variant]}
    return Call("/locations/main/pick-list.pdf", params=params, shows="%PDF-")


async def _ship(world: World, variant: Variant, fresh: bool) -> Call:
    lines = [{"sku": "TEE", "quantity": 1}]
    body = {"carrier": "DHL", "tracking_number": world.tracking(), "lines": lines}
    return Call(f"/fulfilments/{world.fulfilments[variant]}/shipments", json=body)


async def _buy_label(world: World, variant: Variant, fresh: bool) -> Call:
    body = {"parcel": {"weight_grams": 500}}
    return Call(f"/fulfilments/{world.fulfilments[variant]}/label", json=body)


async def _ats(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/stock/TEE/ats", params={"channel": world.channel(variant)}, shows='"ats"')


async def _replay_job(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/jobs/{await world.dead_job() if fresh else 1}/replay")


async def _message(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/inbound/{world.message_id}", shows=world.message_id)


async def _replay_message(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/inbound/{world.message_id}/replay")


async def _add_location(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/locations", json={"code": f"loc-{next(world._seq)}", "name": "Another"})


async def _movements(world: World, variant: Variant, fresh: bool) -> Call:
    moves = [{"kind": "receipt", "sku": "MUG", "location": "main", "quantity": 1, "reason": "in"}]
    return Call("/stock/movements", json={"movements": moves})


def _purchase_order(suffix: str = "", json: Any = None) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        po_id = await world.new_purchase_order() if fresh else world.purchase_order
        return Call(f"/purchase-orders/{po_id}{suffix}", json=json, shows=None if json else po_id)

    return build


def _subscription(suffix: str = "", *, fresh_sub: bool = False, **more: Any) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        sub_id = await world.new_subscription() if fresh and fresh_sub else world.subscription
        return Call(f"/subscriptions/{sub_id}{suffix}", **more)

    return build


async def _subscriptions(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/subscriptions", shows=world.subscription)


async def _replay_delivery(world: World, variant: Variant, fresh: bool) -> Call:
    delivery = await world.dead_delivery() if fresh else world.delivery
    return Call(f"/subscriptions/{world.subscription}/deliveries/{delivery}/replay")


async def _track(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/track/{world.public_ref}")


async def console_session(world: World, headers: dict[str, str]) -> tuple[str, str] | None:
    """The console session (cookie, CSRF token) a bearer key signs in to, or None when the
    key does not sign in (none, or expired). Made once per key; the client keeps no cookie."""
    key = headers.get("Authorization", "").removeprefix("Bearer ")
    if not key:
        return None
    if key not in world.sessions:
        r = await world.client.post("/console/sign-in", data={"key": key}, follow_redirects=False)
        cookie = r.cookies.get(COOKIE)
        world.client.cookies.clear()
        session = None
        if r.status_code == 303 and cookie:
            today = await world.client.get("/console", headers={"Cookie": f"{COOKIE}={cookie}"})
            token = re.search(r'name="csrf_token" value="([^"]+)"', today.text)
            assert token, today.text
            session = (cookie, token[1])
        world.sessions[key] = session
    return world.sessions[key]


async def _console_sign_in(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/console/sign-in", form={"key": world.admin["Authorization"][7:]})


async def _console_orders(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/console/orders", shows=world.orders["own"], hides=world.orders["other"])


async def _console_order(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = world.orders[variant]
    return Call(f"/console/orders/{order_id}", shows=order_id)


async def _console_confirm(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = world.orders[variant]
    return Call(f"/console/orders/{order_id}/cancel", shows=order_id)


async def _console_act(world: World, variant: Variant, fresh: bool) -> Call:
    order_id = await world.new_order(variant) if fresh else world.orders[variant]
    return Call(f"/console/orders/{order_id}/hold", form={"reason": "scope walk"})


async def _console_replay_job(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/console/jobs/{await world.dead_job() if fresh else 1}/replay", form={})


async def _console_movement(world: World, variant: Variant, fresh: bool) -> Call:
    form = {"kind": "adjustment", "sku": "TEE", "location": "main", "quantity": "1",
            "reason": "scope walk", "token": f"walk-{next(world._seq)}"}  # fmt: skip
    return Call("/console/stock/movements", form=form)


async def _console_routing(world: World, variant: Variant, fresh: bool) -> Call:
    today = utcnow().date()
    form = {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()}
    return Call("/console/routing", form=form, shows="Result")


async def _console_returns(world: World, variant: Variant, fresh: bool) -> Call:
    return Call("/console/returns", shows=world.return_id)


async def _console_return(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/console/returns/{world.return_id}", shows=world.return_id)


async def _console_return_act(world: World, variant: Variant, fresh: bool) -> Call:
    return_id = await world.new_return() if fresh else world.return_id
    return Call(f"/console/returns/{return_id}/authorise", form={"note": "scope walk"})


async def _console_complaints(world: World, variant: Variant, fresh: bool) -> Call:
    own, other = world.complaints["own"], world.complaints["other"]
    return Call("/console/complaints", shows=own, hides=other)


async def _console_complaint(world: World, variant: Variant, fresh: bool) -> Call:
    complaint_id = world.complaints[variant]
    return Call(f"/console/complaints/{complaint_id}", shows=complaint_id)


async def _console_complaint_act(world: World, variant: Variant, fresh: bool) -> Call:
    cid = await world.new_complaint(variant) if fresh else world.complaints[variant]
    return Call(f"/console/complaints/{cid}/answer", form={"message": "sorry"})


async def _console_document(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/console/documents/{world.document}", shows=world.document)


async def _console_pdf(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/console/documents/{world.document}/pdf", shows="%PDF")


CONSOLE: dict[str, Builder] = {
    "GET /console": fixed("/console", shows="Work queue"),
    "GET /console/sign-in": fixed("/console/sign-in"),
    "POST /console/sign-in": _console_sign_in,
    "POST /console/sign-out": fixed("/console/sign-out", form={}),
    "GET /console/static/{file_path}": fixed("/console/static/console.css"),
    "GET /console/orders": _console_orders,
    "GET /console/orders/{order_id}": _console_order,
    "GET /console/orders/{order_id}/{action}": _console_confirm,
    "POST /console/orders/{order_id}/{action}": _console_act,
    "GET /console/inbound": fixed("/console/inbound"),
    "GET /console/inbound/{message_id}": fixed(
        "/console/inbound/01JSCOPESMESSAGE0000000000", shows="01JSCOPESMESSAGE0000000000"
    ),
    "POST /console/inbound/{message_id}/replay": fixed(
        "/console/inbound/01JSCOPESMESSAGE0000000000/replay", form={}
    ),
    "POST /console/inbound/replay-all": fixed("/console/inbound/replay-all", form={}),
    "GET /console/jobs": fixed("/console/jobs"),
    "POST /console/jobs/{job_id}/replay": _console_replay_job,
    "GET /console/stock": fixed("/console/stock", params={"sku": "TEE"}, shows="Per location"),
    "POST /console/stock/movements": _console_movement,
    "GET /console/catalog": fixed("/console/catalog", shows="TEE"),
    "GET /console/connections": fixed("/console/connections", shows=OWN),
    "GET /console/routing": fixed("/console/routing"),
    "POST /console/routing": _console_routing,
    "GET /console/documents": fixed("/console/documents", shows="INV-2026-00001"),
    "GET /console/documents/{document_id}": _console_document,
    "GET /console/documents/{document_id}/pdf": _console_pdf,
    "GET /console/notifications": fixed("/console/notifications", shows="order confirmed"),
    "GET /console/notifications/{notification_id}": fixed(
        "/console/notifications/1", shows="order confirmed"
    ),
    "GET /console/returns": _console_returns,
    "GET /console/returns/{return_id}": _console_return,
    "POST /console/returns/{return_id}/{action}": _console_return_act,
    "GET /console/complaints": _console_complaints,
    "GET /console/complaints/{complaint_id}": _console_complaint,
    "POST /console/complaints/{complaint_id}/{action}": _console_complaint_act,
}

RECEIVE = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
AUTHORISED = ("authorise", {})
RECEIVED = ("receive", RECEIVE)


def _return_step(action: str, json: Any, *steps: tuple[str, Any]) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        return_id = await world.new_return(*steps) if fresh else world.return_id
        return Call(f"/returns/{return_id}/{action}", json=json, shows=return_id)

    return build


async def _complain(world: World, variant: Variant, fresh: bool) -> Call:
    path = f"/orders/{world.orders[variant]}/complaints"
    return Call(path, json={"kind": "late", "description": "scope walk"}, shows='"late"')


async def _complaints(world: World, variant: Variant, fresh: bool) -> Call:
    own, other = world.complaints["own"], world.complaints["other"]
    return Call("/complaints", shows=own, hides=other)


async def _complaint(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/complaints/{world.complaints[variant]}", shows=world.complaints[variant])


def _complaint_action(action: str, body: dict[str, Any]) -> Builder:
    async def build(world: World, variant: Variant, fresh: bool) -> Call:
        cid = await world.new_complaint(variant) if fresh else world.complaints[variant]
        return Call(f"/complaints/{cid}/{action}", json=body, shows=cid)

    return build


async def _open_return(world: World, variant: Variant, fresh: bool) -> Call:
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit"}
    return Call(f"/orders/{world.returns_order}/returns", json=body, shows='"requested"')


async def _return(world: World, variant: Variant, fresh: bool) -> Call:
    return Call(f"/returns/{world.return_id}", shows=world.return_id)


async def _return_form(world: World, variant: Variant, fresh: bool) -> Call:
    """An unknown reference: the same 404 with a key or none (each call a new reference, so
    the form's per-reference limit never answers first)."""
    return Call(f"/track/NO-SUCH-REF-{next(world._seq)}/return")


#: how to call each route: "METHOD /path" as the test's table names it.
BUILDERS: dict[str, Builder] = {
    "GET /health": fixed("/health"),
    "GET /ready": fixed("/ready"),
    "GET /schema/*": fixed("/schema/openapi.json"),
    "GET /track/{public_ref}": _track,
    "GET /track/{public_ref}/return": _return_form,
    "POST /track/{public_ref}/return": _return_form,
    "POST /orders/{order_id}/returns": _open_return,
    "GET /returns": fixed("/returns", shows='"items"'),
    "GET /returns/{return_id}": _return,
    "POST /returns/{return_id}/authorise": _return_step("authorise", {}),
    "POST /returns/{return_id}/reject": _return_step("reject", {"reason": "scope walk"}),
    "POST /returns/{return_id}/cancel": _return_step("cancel", {}),
    "POST /returns/{return_id}/receive": _return_step("receive", RECEIVE, AUTHORISED),
    "POST /returns/{return_id}/refund": _return_step("refund", {}, AUTHORISED, RECEIVED),
    "POST /returns/{return_id}/close": _return_step("close", {}, AUTHORISED, RECEIVED),
    "POST /webhooks/{code}": fixed("/webhooks/no-such-connection", json={}),
    "GET /orders": _orders,
    "GET /orders/{order_id}": _order,
    "POST /orders": _create,
    "GET /orders/by-external/{channel}/{external_id}": _by_external,
    "PATCH /orders/{order_id}": _patch,
    "POST /orders/{order_id}/cancel": _action("cancel"),
    "POST /orders/{order_id}/hold": _action("hold"),
    "POST /orders/{order_id}/release": _action("release"),
    "POST /orders/{order_id}/payments": _payment,
    "POST /orders/{order_id}/complaints": _complain,
    "GET /complaints": _complaints,
    "GET /complaints/stats": fixed("/complaints/stats", shows='"by_carrier"'),
    "GET /complaints/{complaint_id}": _complaint,
    "POST /complaints/{complaint_id}/answer": _complaint_action("answer", {"message": "sorry"}),
    "POST /complaints/{complaint_id}/resolve": _complaint_action("resolve", {"outcome": "none"}),
    "POST /complaints/{complaint_id}/reject": _complaint_action("reject", {"reason": "no"}),
    "GET /orders/{order_id}/documents": _order_documents,
    "POST /orders/{order_id}/invoice": _invoice,
    "POST /orders/{order_id}/credit-notes": _credit_note,
    "GET /documents": fixed("/documents", shows='"INV-2026-00001"'),
    "GET /documents/{document_id}": _document(),
    "GET /documents/{document_id}/pdf": _document("/pdf"),
    "GET /fulfilments": _fulfilment_list,
    "GET /fulfilments/{fulfilment_id}": _fulfilment(),
    "GET /fulfilments/{fulfilment_id}/label": _fulfilment("/label"),
    "GET /fulfilments/{fulfilment_id}/packing-slip.pdf": _fulfilment("/packing-slip.pdf"),
    "GET /locations/{code}/pick-list.pdf": _pick_list,
    "POST /fulfilments/{fulfilment_id}/shipments": _ship,
    "POST /fulfilments/{fulfilment_id}/label": _buy_label,
    "GET /stock/{sku}": fixed("/stock/TEE", shows='"locations"'),
    "GET /stock/{sku}/ats": _ats,
    "GET /stock/sync": fixed("/stock/sync"),
    "GET /stock/drift": fixed("/stock/drift"),
    "POST /stock/movements": _movements,
    "GET /locations": fixed("/locations", shows='"main"'),
    "POST /locations": _add_location,
    "GET /catalog/skus": fixed("/catalog/skus", shows='"TEE"'),
    "GET /catalog/skus/{sku}": fixed("/catalog/skus/TEE", shows='"TEE"'),
    "PUT /catalog/skus": fixed("/catalog/skus", json={"skus": [{"sku": "CAP", "name": "Cap"}]}),
    "GET /connections": fixed("/connections", shows=f'"{OWN}"'),
    "GET /forecast/{sku}": fixed("/forecast/TEE", shows='"model"'),
    "GET /replenishment": fixed("/replenishment"),
    "GET /replenishment/suppliers": fixed("/replenishment/suppliers"),
    "PUT /replenishment/suppliers/{code}": fixed(
        "/replenishment/suppliers/acme",
        json={"name": "Acme", "lead_time_days": 7, "review_period_days": 7},
    ),
    "PUT /replenishment/settings": fixed(
        "/replenishment/settings", json={"settings": [{"sku": "TEE", "lead_time_days": 5}]}
    ),
    "GET /purchase-orders": fixed("/purchase-orders"),
    "GET /purchase-orders/{po_id}": _purchase_order(),
    "POST /purchase-orders": fixed("/purchase-orders", json=PURCHASE),
    "POST /purchase-orders/{po_id}/receive": _purchase_order(
        "/receive", json={"lines": [{"sku": "TEE", "quantity": 1}]}
    ),
    "POST /purchase-orders/{po_id}/close": _purchase_order("/close", json={}),
    "GET /jobs": fixed("/jobs"),
    "POST /jobs/{job_id}/replay": _replay_job,
    "POST /subscriptions": fixed("/subscriptions", json=HOOK, shows="whsec_"),
    "GET /subscriptions": _subscriptions,
    "GET /subscriptions/{sub_id}": _subscription(),
    "DELETE /subscriptions/{sub_id}": _subscription(fresh_sub=True),
    "POST /subscriptions/{sub_id}/rotate-secret": _subscription("/rotate-secret"),
    "GET /subscriptions/{sub_id}/deliveries": _subscription("/deliveries"),
    "POST /subscriptions/{sub_id}/deliveries/{delivery_id}/replay": _replay_delivery,
    "POST /subscriptions/{sub_id}/replay": _subscription("/replay", params={"state": "failed"}),
    "GET /inbound": fixed("/inbound", shows="01JSCOPESMESSAGE0000000000"),
    "GET /notifications": fixed("/notifications", shows='"order_confirmed"'),
    "GET /notifications/{notification_id}": fixed("/notifications/1", shows='"order_confirmed"'),
    "GET /inbound/{message_id}": _message,
    "POST /inbound/{message_id}/replay": _replay_message,
    **CONSOLE,
}
