"""A first pass through the real app on both databases."""

from __future__ import annotations

import json

from litestar.testing import AsyncTestClient

from tests.conftest import PAYLOADS


async def test_post_then_get(client: AsyncTestClient, auth: dict[str, str]) -> None:
    body = json.loads((PAYLOADS / "order_callcentre.json").read_text())
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["placed_at"] == "2025-03-14T09:22:30Z"
    r2 = await client.get(f"/orders/{order['id']}", headers=auth)
    assert r2.status_code == 200
    assert [e["kind"] for e in r2.json()["timeline"]] == ["received"]
