"""A channel that refuses a stock figure for good: recorded once, visibly, and not sent again
until the figure or the listing changes, or an operator resyncs.

Seen under test: WooCommerce's ``products/batch`` answered 400 to one stock figure, and the
hub sent it again at +12, +24, +38 s and on without end, each time leaving one more dead
``stock.push`` job. Here the real WooCommerce connector runs against respx at the store's
REST API, through the HTTP API, the database (both kinds), the outbox and the worker.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import respx
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services import keys as key_service
from hub.services import stock_sync
from hub.store.database import Database

API = "https://shop.example.com/wp-json/wc/v3"
LISTINGS = {"A": "101", "B": "102", "C": "103"}


class Woo:
    """``products/batch``: refuses the whole call (400) when it sets a refused figure."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.calls: list[list[tuple[int, int]]] = []  # (product id, quantity) per call
        self.refuse: set[tuple[int, int]] = {(102, 10)}
        router.post(f"{API}/products/batch").mock(side_effect=self._batch)

    def _batch(self, request: httpx.Request) -> httpx.Response:
        update = json.loads(request.content)["update"]
        figures = [(u["id"], u["stock_quantity"]) for u in update]
        self.calls.append(figures)
        if self.refuse & set(figures):
            return httpx.Response(400, json={"code": "woocommerce_rest_invalid_stock"})
        return httpx.Response(200, json={"update": update})

    def sent(self, product: int) -> list[int]:
        """Every quantity sent for ``product``, in order."""
        return [q for call in self.calls for p, q in call if p == product]


class Scene:
    def __init__(self, client: AsyncTestClient, auth: dict[str, str], hub: Hub, woo: Woo):
        self.client, self.auth, self.hub, self.woo = client, auth, hub, woo
        self.worker = hub.worker()

    async def run(self) -> None:
        """What the worker does: its schedule's safety net, then every due job."""
        for _ in range(3):
            await stock_sync.enqueue_due(self.hub.job_context())
            while await self.worker.run_once():
                pass

    async def receive(self, sku: str, quantity: int, kind: str = "receipt") -> None:
        move = {"kind": kind, "sku": sku, "location": "main", "quantity": quantity}
        r = await self.client.post(
            "/stock/movements", json={"movements": [{**move, "reason": "t"}]}, headers=self.auth
        )
        assert r.status_code == 201, r.text

    async def errors(self) -> list[dict[str, Any]]:
        r = await self.client.get("/stock/sync", params={"state": "error"}, headers=self.auth)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    async def push_jobs(self) -> list[str]:
        r = await self.client.get("/jobs", params={"kind": "stock.push"}, headers=self.auth)
        return [j["state"] for j in r.json()["items"]]


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def scene(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    router: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Scene]:
    config = tmp_path / "connections.yaml"
    woo_connection = {
        "code": "woo",
        "connector": "woocommerce",
        "base_url": "https://shop.example.com",
        "settings": {"stock_calls_per_second": 1000, "stock_burst": 1000},
        "secrets": {
            "consumer_key": {"env": "REFUSAL_WOO_KEY"},
            "consumer_secret": {"env": "REFUSAL_WOO_SECRET"},
        },
    }
    config.write_text(json.dumps({"connections": [woo_connection]}))
    monkeypatch.setenv("REFUSAL_WOO_KEY", "ck_test")
    monkeypatch.setenv("REFUSAL_WOO_SECRET", "cs_test")
    chosen = msgspec.structs.replace(settings, config_path=str(config))
    _, key = await key_service.create(db, "admin", ["admin"])
    auth = {"Authorization": f"Bearer {key}"}
    hub = Hub.build(chosen)
    await hub.start()
    try:
        async with AsyncTestClient(app=create_app(chosen, run_worker=False)) as client:
            r = await client.post("/locations", json={"code": "main", "name": "M"}, headers=auth)
            assert r.status_code == 201, r.text
            skus = [{"sku": s, "name": s, "listings": {"woo": i}} for s, i in LISTINGS.items()]
            r = await client.put("/catalog/skus", json={"skus": skus}, headers=auth)
            assert r.status_code == 200, r.text
            yield Scene(client, auth, hub, Woo(router))
    finally:
        await hub.close()


async def refused_once(scene: Scene) -> None:
    """A, B and C at 10; WooCommerce refuses B at 10, and takes the others."""
    for sku in LISTINGS:
        await scene.receive(sku, 10)
    await scene.run()
    # the whole batch is refused, then its halves are sent: [A] and [B, C], then [B], [C]
    assert scene.woo.calls == [
        [(101, 10), (102, 10), (103, 10)],
        [(101, 10)],
        [(102, 10), (103, 10)],
        [(102, 10)],
        [(103, 10)],
    ]
    (error,) = await scene.errors()
    assert (error["sku"], error["pending"], error["refused_quantity"]) == ("B", False, 10)
    assert (error["attempts"], error["pushed_quantity"]) == (1, None)
    assert "products/batch: partner answered 400" in error["last_error"]
    assert set(await scene.push_jobs()) == {"done"}, "no dead stock.push job"


async def test_a_refused_figure_is_recorded_once_and_not_sent_again(scene: Scene) -> None:
    await refused_once(scene)
    calls = len(scene.woo.calls)
    await scene.run()
    await scene.run()
    assert len(scene.woo.calls) == calls, "nothing pending, nothing sent"

    await scene.receive("A", 5)  # another SKU moves: only it goes out
    await scene.run()
    assert scene.woo.calls[calls:] == [[(101, 15)]]

    await scene.receive("B", 1)  # B moves and comes back to the refused figure
    await scene.receive("B", -1, "adjustment")
    calls = len(scene.woo.calls)
    await scene.run()
    assert len(scene.woo.calls) == calls, "the refused figure is not sent again"
    (error,) = await scene.errors()
    assert error["refused_quantity"] == 10 and error["attempts"] == 1

    await scene.receive("B", 2)  # a new figure: sent, taken, the error cleared
    await scene.run()
    assert scene.woo.sent(102)[-1] == 12
    assert await scene.errors() == []
    assert set(await scene.push_jobs()) == {"done"}


async def test_a_changed_listing_or_a_resync_sends_a_refused_figure_again(scene: Scene) -> None:
    await refused_once(scene)
    await stock_sync.resync(scene.hub.job_context(), ["woo"])  # forced: sent, refused again
    assert scene.woo.sent(102)[3:] == [10, 10, 10]
    (error,) = await scene.errors()
    assert (error["refused_quantity"], error["attempts"]) == (10, 2)

    skus = [{"sku": "B", "name": "B", "listings": {"woo": "104"}}]  # the listing changes
    r = await scene.client.put("/catalog/skus", json={"skus": skus}, headers=scene.auth)
    assert r.status_code == 200, r.text
    await scene.run()
    assert scene.woo.sent(104) == [10]
    assert await scene.errors() == []
