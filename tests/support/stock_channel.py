"""A minimal stock channel for the hub's stock sync tests and bench, and its fake partner API.

``StockChannel`` is a connector that only pushes and reads back stock:

- push: ``POST {base_url}/stock`` with ``{"key": idempotency_key, "figures": [{"sku",
  "listing_id", "quantity"}]}``; the partner answers ``{"rejected": {sku: reason}}``;
- read-back: ``POST {base_url}/read`` with ``{"figures": [{"sku", "listing_id"}]}``; the
  partner answers ``{sku: quantity}`` for the SKUs it knows.

``FakeStockApi`` is that partner at its edge (respx routes on one base URL): it records every
call's decoded body, shows what was pushed to it, and can be told to fail the next calls or
refuse SKUs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec
import respx

from hub.sdk import (
    Capability,
    ChannelOrder,
    Connection,
    PartnerHttp,
    StockFigure,
    StockPushResult,
)

NAME = "stock-test"


class _PushAnswer(msgspec.Struct):
    rejected: dict[str, str] = {}


class StockChannel:
    """Pushes figures in batches of ``batch_size``; no token-bucket waits to speak of."""

    name = NAME
    capabilities = frozenset({Capability.PUSH_STOCK, Capability.READ_STOCK})
    stock_calls_per_second = 100_000.0

    def __init__(self, batch_size: int = 100) -> None:
        self.stock_batch_size = batch_size

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        return []  # a stock-only channel brings no orders

    async def push_stock(
        self,
        connection: Connection,
        figures: list[StockFigure],
        http: PartnerHttp,
        *,
        idempotency_key: str,
    ) -> StockPushResult:
        body = {
            "key": idempotency_key,
            "figures": [
                {"sku": f.sku, "listing_id": f.listing_id, "quantity": f.quantity} for f in figures
            ],
        }
        r = await http.post(f"{connection.base_url}/stock", json=body)
        return StockPushResult(rejected=msgspec.json.decode(r.content, type=_PushAnswer).rejected)

    async def read_stock(
        self, connection: Connection, figures: list[StockFigure], http: PartnerHttp
    ) -> dict[str, int]:
        body = {"figures": [{"sku": f.sku, "listing_id": f.listing_id} for f in figures]}
        r = await http.post(f"{connection.base_url}/read", json=body)
        return msgspec.json.decode(r.content, type=dict[str, int])


class FakeStockApi:
    """One channel's partner API: ``/stock`` and ``/read`` on ``base_url``."""

    def __init__(self, router: respx.MockRouter, base_url: str) -> None:
        self.base_url = base_url
        self.pushes: list[dict[str, Any]] = []  # decoded bodies of calls that were answered 200
        self.attempts = 0  # every /stock call, failed ones too
        self.reads = 0
        self.shown: dict[str, int] = {}  # sku -> what the channel shows
        self.fail_next: list[httpx.Response] = []  # answers for the next calls, then 200s
        self.reject: dict[str, str] = {}  # sku -> reason the partner refuses it
        self.arrived = asyncio.Event()  # set by each answered push
        self.push_route = router.post(f"{base_url}/stock").mock(side_effect=self._push)
        self.read_route = router.post(f"{base_url}/read").mock(side_effect=self._read)

    def _push(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.fail_next:
            return self.fail_next.pop(0)
        body = msgspec.json.decode(request.content)
        self.pushes.append(body)
        self.arrived.set()
        rejected = {}
        for f in body["figures"]:
            if f["sku"] in self.reject:
                rejected[f["sku"]] = self.reject[f["sku"]]
            else:
                self.shown[f["sku"]] = f["quantity"]
        return httpx.Response(200, json={"rejected": rejected})

    def _read(self, request: httpx.Request) -> httpx.Response:
        self.reads += 1
        body = msgspec.json.decode(request.content)
        known = {f["sku"]: self.shown[f["sku"]] for f in body["figures"] if f["sku"] in self.shown}
        return httpx.Response(200, json=known)

    def figures(self) -> list[list[tuple[str, str | None, int]]]:
        """Each answered push call's figures, as (sku, listing_id, quantity)."""
        return [
            [(f["sku"], f["listing_id"], f["quantity"]) for f in body["figures"]]
            for body in self.pushes
        ]

    def clear(self) -> None:
        self.pushes.clear()
        self.arrived.clear()
        self.attempts = 0
        self.reads = 0
