"""Documents benchmark: rendering invoices to PDF/A-3 with the EN 16931 e-invoice, one core.

In one process and thread: ``hub.domain.documents.invoice_content`` builds the content
from a canonical order, then ``hub.render.render_document`` draws it and embeds the Factur-X
XML. Cases:

- ``typical``: 3 lines and shipping, EUR, German buyer, e-invoice embedded;
- ``20 lines``: 20 lines with discounts and two tax rates, e-invoice embedded;
- ``cjk buyer``: the typical invoice to a buyer in Tokyo, so the CJK fallback font is
  parsed and subset for every document;
- ``no e-invoice``: the typical invoice without the XML (the cost of Factur-X).

Then the issuance (``--pg-url``, default ``postgresql://postgres@127.0.0.1:5432``; a scratch
database is made, migrated and dropped): 200 orders, then 200 invoices issued concurrently
through ``hub.services.documents.by_hand.invoice`` (each number taken from the series'
counter row inside its transaction), with the p50, p99 and max latency of one issuance and
a check that the numbers have no gap and no duplicate. ``--no-pg`` skips it.

Prints per case: invoices/s on one core (1000 / CPU ms of the process, which other load on
the machine barely moves), invoices/s by the wall clock, p50 and p99 of single renders (wall),
and the PDF size. ``--pin`` binds the process to one CPU::

    .venv/bin/python bench/documents.py                 # ~30 s
    .venv/bin/python bench/documents.py --duration 2 --only typical
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg
import msgspec

from hub.config import normalise_database_url
from hub.connections import Connections
from hub.domain.document_series import parse_series
from hub.domain.documents import DocumentContent, Seller, invoice_content
from hub.domain.order import Address, Order, OrderData
from hub.render import render_document
from hub.services.documents import by_hand
from hub.services.documents.by_hand import InvoiceIn
from hub.services.intake.writer import IngestRequest, OrderWriter
from hub.store.database import Database
from hub.store.migrate import upgrade

SELLER = Seller(
    name="Kiez Supply GmbH",
    address=Address(line1="Torstraße 1", city="Berlin", postal_code="10119", country="DE"),
    vat_id="DE123456789",
    tax_id="37/123/45678",
    iban="DE02120300000000202051",
    bic="BYLADEM1001",
    footer="Amtsgericht Charlottenburg HRB 123456 · Geschäftsführerin: Renée Øberg",
)


def order(lines: list[dict[str, Any]], city: str = "Berlin", country: str = "DE") -> Order:
    subtotal = sum(x["quantity"] * x["unit_price"] for x in lines)
    discount = sum(x.get("discount", 0) for x in lines)
    return msgspec.convert(
        {
            "id": "ord_01J", "number": "H-1042", "public_ref": "pr_7QxK2", "status": "shipped",
            "received_at": "2025-03-14T09:22:30Z",
        "updated_at": "2025-03-14T09:22:30Z", "placed_at": "2025-03-14T09:22:30Z",
            "currency": "EUR", "external_number": "#1042",
            "customer": {"name": "Jürgen Müller", "email": "j.mueller@example.com"},
            "billing_address": {"name": "Jürgen Müller", "company": "Müller & Söhne KG",
                                "line1": "Hafenstraße 3", "city": city, "postal_code": "20457",
                                "country": country},
            "lines": lines,
            "shipping": {"method": "DHL Paket", "price": 490},
            "totals": {"subtotal": subtotal, "discount": discount, "shipping": 490, "tax": 0,
                       "tax_included": True, "total": subtotal - discount + 490},
            "payment": {"status": "pending"},
        },
        Order,
    )  # fmt: skip


def typical(city: str = "Hamburg", country: str = "DE") -> Order:
    return order(
        [
            {"sku": "TEE-ORG-BLK-M", "name": "Organic tee, black, M", "quantity": 2,
             "unit_price": 2900, "discount": 580},
            {"sku": "MUG-CER-350", "name": "Ceramic mug 350 ml", "quantity": 1,
             "unit_price": 1450},
            {"sku": "TOTE-CNV-NAT", "name": "Canvas tote, natural", "quantity": 1,
             "unit_price": 990},
        ],
        city,
        country,
    )  # fmt: skip


def long_order() -> Order:
    return order(
        [
            {"sku": f"SKU-{i:04}", "name": f"Article {i}, a name of some length",
             "quantity": 1 + i % 3, "unit_price": 500 + 37 * i,
             "discount": 50 if i % 4 == 0 else 0}
            for i in range(20)
        ]
    )  # fmt: skip


def content(o: Order, rates: dict[int, str] | None = None) -> DocumentContent:
    return invoice_content(
        o, number="INV-2025-000123", issue_date=date(2025, 3, 20), seller=SELLER,
        default_rate="19", rates=rates, buyer_vat_id="DE987654321", locale="de_DE",
    )  # fmt: skip


def cases() -> dict[str, Callable[[], bytes]]:
    doc = content(typical())
    long_doc = content(long_order(), rates={i: "7" for i in range(0, 20, 3)})
    cjk = content(typical("東京都渋谷区", "JP"))
    return {
        "typical": lambda: render_document(doc),
        "20 lines": lambda: render_document(long_doc),
        "cjk buyer": lambda: render_document(cjk),
        "no e-invoice": lambda: render_document(doc, einvoice=False),
    }


def measure(fn: Callable[[], bytes], duration: float) -> dict[str, float]:
    pdf = fn()  # warm: fonts parsed once per process
    singles: list[float] = []
    count = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < duration:
        t = time.perf_counter()
        fn()
        singles.append(time.perf_counter() - t)
        count += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    singles.sort()
    return {
        "per_s": count / wall,
        "cpu_ms": cpu / count * 1000,
        "p50": statistics.median(singles) * 1000,
        "p99": singles[min(len(singles) - 1, int(len(singles) * 0.99))] * 1000,
        "kb": len(pdf) / 1024,
        "n": count,
    }


async def _issue_all(url: str, count: int) -> list[float]:
    """Latency of each of ``count`` concurrent issuances (seconds)."""
    db = Database(url)
    try:
        connections = Connections([], {}, documents=parse_series({"series": [SERIES]}, []))
        writer = OrderWriter(db, max_attempts=3)
        await writer.start()
        try:
            done = await asyncio.gather(
                *(writer.submit(IngestRequest(data=_order_in(i), actor="bench"))
                  for i in range(count))
            )  # fmt: skip
        finally:
            await writer.stop()

        async def one(order_id: str) -> tuple[float, str]:
            t = time.perf_counter()
            made = await by_hand.invoice(db, connections, order_id, InvoiceIn(), actor="bench")
            return time.perf_counter() - t, made.number

        results = await asyncio.gather(*(one(d.order_id) for d in done))
    finally:
        await db.dispose()
    numbers = sorted(int(n.removeprefix(SERIES["prefix"])) for _, n in results)
    assert numbers == list(range(1, count + 1)), "a gap or a duplicate"
    return sorted(t for t, _ in results)


SERIES: dict[str, Any] = {
    "code": "bench", "prefix": "B-", "default_tax_rate": "19",
    "seller": {"name": SELLER.name, "vat_id": SELLER.vat_id,
               "address": msgspec.to_builtins(SELLER.address)},
}  # fmt: skip


def _order_in(i: int) -> OrderData:
    return msgspec.convert(
        {"channel": "callcentre", "external_id": f"BENCH-{i}", "currency": "EUR",
         "billing_address": {"name": "Ana", "line1": "1 Way", "city": "Porto", "country": "PT"},
         "lines": [{"sku": "TEE", "quantity": 1, "unit_price": 1190}],
         "totals": {"subtotal": 1190, "tax_included": True, "total": 1190}},
        OrderData,
    )  # fmt: skip


def issuance(base: str, count: int) -> None:
    """200 concurrent issuances on a scratch PostgreSQL database: latency figures."""
    name = f"hub_bench_docs_{os.getpid()}"
    admin = base.rstrip("/") + "/postgres"

    async def admin_run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_run(f'CREATE DATABASE "{name}"'))
    try:
        url = normalise_database_url(f"{base.rstrip('/')}/{name}")
        upgrade(url)
        t = time.perf_counter()
        lat = asyncio.run(_issue_all(url, count))
        wall = time.perf_counter() - t
    finally:
        asyncio.run(admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    p = [lat[min(len(lat) - 1, int(len(lat) * q))] * 1000 for q in (0.5, 0.99)]
    print(
        f"issuance on PostgreSQL, {count} concurrent: p50 {p[0]:.0f} ms, p99 {p[1]:.0f} ms, "
        f"max {lat[-1] * 1000:.0f} ms, {count / wall:.0f} invoices/s "
        f"(orders included: {wall:.1f} s); numbers 1..{count}, no gap, no duplicate"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per case")
    parser.add_argument("--only", action="append", help="run only this case (repeatable)")
    parser.add_argument("--pin", action="store_true", help="bind the process to one CPU")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-pg", action="store_true", help="skip the issuance on PostgreSQL")
    parser.add_argument("--issuances", type=int, default=200)
    args = parser.parse_args()
    if args.pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    t = time.perf_counter()
    for _ in range(1000):
        content(typical())
    build_us = (time.perf_counter() - t) * 1000
    print(f"content from order (invoice_content): {build_us:.0f} µs per invoice")
    head = ("case", "per core/s", "wall/s", "cpu ms", "p50 ms", "p99 ms", "PDF kB", "n")
    print(f"{head[0]:<14} {head[1]:>10} " + " ".join(f"{h:>7}" for h in head[2:]))
    for name, fn in cases().items():
        if args.only and name not in args.only:
            continue
        r = measure(fn, args.duration)
        print(
            f"{name:<14} {1000 / r['cpu_ms']:>10.1f} {r['per_s']:>7.1f} {r['cpu_ms']:>7.1f} "
            f"{r['p50']:>7.1f} {r['p99']:>7.1f} {r['kb']:>7.1f} {r['n']:>7.0f}"
        )
    if not args.no_pg:
        issuance(args.pg_url, args.issuances)


if __name__ == "__main__":
    main()
