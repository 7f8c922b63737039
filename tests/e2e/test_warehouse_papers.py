"""Warehouse papers over HTTP: bins set by a count, the pick list of a location (each SKU
once, in bin order, with its total and its orders), and packing slips (a gift shows no
price), read back with pypdf."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from tests.e2e.test_fulfilment_api import drain, location, order, receive

ADDRESS = {"name": "Lager Nord", "line1": "Hafenstr. 1", "city": "Hamburg", "country": "DE"}


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


async def count(client: AsyncTestClient, auth: dict[str, str], *rows: tuple[str, int, str]) -> None:
    moves = [
        {"kind": "count", "sku": s, "location": "own", "quantity": n, "reason": "count", "bin": b}
        for s, n, b in rows
    ]
    r = await client.post("/stock/movements", json={"movements": moves}, headers=auth)
    assert r.status_code == 201, r.text


async def warehouse(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> dict[str, Any]:
    """Three orders at ``own`` (the second a gift), one at ``far``: their fulfilments."""
    await location(client, auth, "own", priority=1, address=ADDRESS)
    await location(client, auth, "far", priority=2)
    await count(client, auth, ("MUG", 10, "A-10"), ("TEE", 10, "A-2"))
    await receive(client, auth, ("CAP", "own", 10), ("HAT", "far", 5))
    bodies = [
        order("P-1", ("MUG", 1), ("TEE", 2)),
        order("P-2", ("TEE", 1), ("CAP", 3)) | {"tags": ["VIP", "gift"]},
        order("P-3", ("HAT", 1)),
    ]
    orders = []
    for body in bodies:
        r = await client.post("/orders", json=body, headers=auth)
        assert r.status_code == 201, r.text
        orders.append(r.json())
    await drain(db, settings)
    listed = (await client.get("/fulfilments?status=open", headers=auth)).json()["items"]
    by_order = {f["order_id"]: f["id"] for f in listed}
    return {"orders": orders, "fulfilments": [by_order[o["id"]] for o in orders]}


async def test_pick_list_and_packing_slips(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    world = await warehouse(client, auth, db, settings)
    f1, f2, f3 = world["fulfilments"]
    n1, n2, _ = [o["number"] for o in world["orders"]]
    mug = (await client.get("/stock/MUG", headers=auth)).json()
    assert [(x["location"], x["bin"]) for x in mug["locations"]] == [("own", "A-10")]

    _, plain = await key_service.create(db, "picker", ["fulfilment:read"])
    picker = {"Authorization": f"Bearer {plain}"}
    url = "/locations/own/pick-list.pdf"
    r = await client.get(url, params={"fulfilment": [f1, f2]}, headers=picker)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = text_of(r.content)
    # by bin: TEE (A-2), MUG (A-10), then CAP (no bin); each once with its total
    assert text.index("TEE") < text.index("MUG") < text.index("CAP")
    assert text.count("TEE") == 1 and text.count("CAP") == 1
    assert f"{n1} \u00d72, {n2} \u00d71" in text  # TEE: 3 units, to both orders
    assert f"{n2} \u00d73" in text and "Units 7" in text

    later = (utcnow() + timedelta(seconds=5)).isoformat()
    r = await client.get(url, params={"released_before": later}, headers=picker)
    assert r.status_code == 200, r.text
    assert text_of(r.content).count("TEE") == 1 and "Units 7" in text_of(r.content)
    earlier = (utcnow() - timedelta(days=1)).isoformat()
    r = await client.get(url, params={"released_before": earlier}, headers=picker)
    assert r.status_code == 200 and "TEE" not in text_of(r.content)

    # errors: another location's fulfilment, unknown ones, both ways at once, no offset
    r = await client.get(url, params={"fulfilment": [f1, f3]}, headers=picker)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "fulfilment[1]")
    r = await client.get(url, params={"fulfilment": "01NOSUCHFULFILMENT00000000"}, headers=picker)
    assert r.status_code == 404
    r = await client.get("/locations/nowhere/pick-list.pdf", headers=picker)
    assert r.status_code == 404
    r = await client.get(url, params={"fulfilment": f1, "released_before": later}, headers=picker)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "released_before")
    r = await client.get(url, params={"released_before": "2025-03-14T12:00:00"}, headers=picker)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "released_before")

    # packing slips: prices on a plain order, none on the gift; the public tracking reference
    plain_slip = await client.get(f"/fulfilments/{f1}/packing-slip.pdf", headers=picker)
    assert plain_slip.status_code == 200, plain_slip.text
    text = text_of(plain_slip.content)
    public_ref = world["orders"][0]["public_ref"]
    for expected in (
        n1,
        "Ada Lovelace",
        "London",
        "MUG",
        "TEE",
        "€10.00",
        public_ref,
        "Lager Nord",
    ):
        assert expected in text, expected
    gift = text_of(
        (await client.get(f"/fulfilments/{f2}/packing-slip.pdf", headers=picker)).content
    )
    assert world["orders"][1]["public_ref"] in gift and "CAP" in gift and "TEE" in gift
    assert "€" not in gift and "10.00" not in gift and "Unit price" not in gift
    r = await client.get("/fulfilments/01NOSUCHFULFILMENT00000000/packing-slip.pdf", headers=picker)
    assert r.status_code == 404


async def test_a_shipped_unit_is_not_picked_and_a_shipped_fulfilment_not_at_all(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    world = await warehouse(client, auth, db, settings)
    f1, f2, _ = world["fulfilments"]
    parcel = {"carrier": "DHL", "tracking_number": "JD1", "lines": [{"sku": "TEE", "quantity": 2}]}
    r = await client.post(f"/fulfilments/{f1}/shipments", json=parcel, headers=auth)
    assert r.status_code == 201, r.text
    r = await client.get("/locations/own/pick-list.pdf", params={"fulfilment": f1}, headers=auth)
    text = text_of(r.content)
    assert "MUG" in text and "TEE" not in text
    r = await client.post(
        f"/fulfilments/{f2}/shipments",
        json={"carrier": "DHL", "tracking_number": "JD2"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    r = await client.get("/locations/own/pick-list.pdf", params={"fulfilment": f2}, headers=auth)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "fulfilment[0]")
    slip = await client.get(f"/fulfilments/{f2}/packing-slip.pdf", headers=auth)
    assert slip.status_code == 200  # a packed parcel's slip can be printed again
