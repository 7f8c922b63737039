"""The hub the fault tests run: a REST warehouse connection at a misbehaving local partner
(``tests.faults.partner``), its location ``wh`` stocking ``SLOW``, and the merchant's own
warehouse ``main`` stocking ``FAST``: a ``FAST`` order never calls the partner."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from hub.config import Settings

Body = dict[str, Any]
CONNECTION = "wh"


def fault_settings(
    settings: Settings, tmp_path: Path, partner_url: str, **changes: Any
) -> Settings:
    """``settings`` with the connections file of one warehouse at ``partner_url``."""
    config = tmp_path / "connections.yaml"
    config.write_text(
        json.dumps(
            {
                "connections": [
                    {
                        "code": CONNECTION,
                        "connector": "rest_warehouse",
                        "base_url": partner_url,
                        "settings": {"mapping": "example_warehouse", "auth": "none"},
                    }
                ]
            }
        )
    )
    return msgspec.structs.replace(settings, config_path=str(config), **changes)


async def stocked(client: AsyncTestClient, auth: dict[str, str]) -> None:
    """Two locations: ``wh`` at the partner with SLOW, ``main`` (own) with FAST."""
    for body in (
        {"code": "wh", "name": "Partner", "priority": 1, "kind": "3pl", "connection": CONNECTION},
        {"code": "main", "name": "Own", "priority": 2},
    ):
        r = await client.post("/locations", json=body, headers=auth)
        assert r.status_code == 201, r.text
    movements = [
        {"kind": "receipt", "sku": sku, "location": loc, "quantity": 1000, "reason": "in"}
        for sku, loc in (("SLOW", "wh"), ("FAST", "main"))
    ]
    r = await client.post("/stock/movements", json={"movements": movements}, headers=auth)
    assert r.status_code == 201, r.text


def order(external_id: str, sku: str) -> Body:
    return {
        "external_id": external_id,
        "currency": "EUR",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {"line1": "1 Way", "city": "London", "country": "GB"},
        "lines": [{"line_id": "1", "sku": sku, "name": sku, "quantity": 1, "unit_price": 1000}],
        "totals": {"subtotal": 1000, "total": 1000},
        "payment": {"status": "paid"},  # captured: the call centre releases it (release_when)
    }


async def post_order(
    client: AsyncTestClient, auth: dict[str, str], external_id: str, sku: str
) -> str:
    r = await client.post("/orders", json=order(external_id, sku), headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def release_latency(
    client: AsyncTestClient, auth: dict[str, str], order_ids: list[str], *, within: float
) -> tuple[dict[str, float], float]:
    """Seconds from each order's ``received`` to its ``release`` on its timeline (the hub's
    own clock), for the orders released within ``within`` seconds from now; and when (the
    monotonic clock) the last of them was seen released."""
    deadline = time.monotonic() + within
    released: set[str] = set()
    seen_at = time.monotonic()
    while len(released) < len(order_ids) and time.monotonic() < deadline:
        r = await client.get("/orders", params={"status": "released", "limit": 200}, headers=auth)
        seen_at = time.monotonic()
        released |= {o["id"] for o in r.json()["items"]} & set(order_ids)
        await asyncio.sleep(0.02)
    took = {}
    for order_id in sorted(released):
        timeline = (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
        at = {e["kind"]: datetime.fromisoformat(e["at"]) for e in timeline}
        took[order_id] = (at["release"] - at["received"]).total_seconds()
    return took, seen_at


async def eventually(check: Callable[[], Awaitable[bool]], what: str, *, within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)
