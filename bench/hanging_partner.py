"""Hanging partner benchmark: how long unrelated orders wait while a partner never answers.

The hub runs as ``hub serve`` does (the app with its in-process worker, default settings:
a partner call times out after 30 s) on a temp SQLite file. A REST warehouse connection
points at a socket on 127.0.0.1 that reads each request and never answers
(``tests/faults/partner.py``). Five orders go to that warehouse; once their sends hang
(2 s after the first), ``--orders`` orders for the merchant's own warehouse arrive.
Printed: each one's time from ``received`` to ``release`` on its timeline (the hub's own
clock), median and max.

    .venv/bin/python bench/hanging_partner.py
    .venv/bin/python bench/hanging_partner.py --orders 50 --wait 300
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.faults

from litestar.testing import AsyncTestClient  # noqa: E402

from hub.api.app import create_app  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.services import keys as key_service  # noqa: E402
from hub.store.database import Database  # noqa: E402
from hub.store.migrate import upgrade  # noqa: E402
from tests.faults.partner import HANG, running  # noqa: E402
from tests.faults.support import eventually, fault_settings, post_order, stocked  # noqa: E402


async def released(client: AsyncTestClient, auth: dict[str, str], ids: list[str]) -> set[str]:
    r = await client.get("/orders", params={"status": "released", "limit": 200}, headers=auth)
    return {o["id"] for o in r.json()["items"]} & set(ids)


async def latencies(client: AsyncTestClient, auth: dict[str, str], ids: list[str]) -> list[float]:
    out = []
    for order_id in ids:
        timeline = (await client.get(f"/orders/{order_id}", headers=auth)).json()["timeline"]
        at = {e["kind"]: datetime.fromisoformat(e["at"]) for e in timeline}
        out.append((at["release"] - at["received"]).total_seconds())
    return out


async def run(orders: int, wait: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-hang-"))
    url = f"sqlite+aiosqlite:///{folder / 'hub.db'}"
    upgrade(url)
    db = Database(url)
    _, key = await key_service.create(db, "bench", ["admin"])
    await db.dispose()
    auth = {"Authorization": f"Bearer {key}"}
    async with running(HANG) as partner:
        settings = fault_settings(Settings(database_url=url), folder, partner.url)
        settings = msgspec.structs.replace(settings, worker_poll_seconds=1.0)
        async with AsyncTestClient(app=create_app(settings, run_worker=True)) as client:
            await stocked(client, auth)
            for i in range(5):
                await post_order(client, auth, f"SLOW-{i}", "SLOW")

            async def hanging() -> bool:
                return len(partner.calls("/orders")) >= 1

            await eventually(hanging, "a send to hang", within=60)
            await asyncio.sleep(2)  # the others, where the worker lets them out
            print(f"{len(partner.calls('/orders'))} sends hang")
            ids = [await post_order(client, auth, f"FAST-{i}", "FAST") for i in range(orders)]
            deadline = time.monotonic() + wait
            while len(await released(client, auth, ids)) < len(ids):
                if time.monotonic() > deadline:
                    print(f"not all released after {wait:.0f} s")
                    return
                await asyncio.sleep(0.1)
            took = await latencies(client, auth, ids)
    print(
        f"{orders} unrelated orders, a partner hanging: release latency median "
        f"{statistics.median(took):.3f} s, max {max(took):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--wait", type=float, default=600.0, help="give up after (s)")
    args = parser.parse_args()
    asyncio.run(run(args.orders, args.wait))


if __name__ == "__main__":
    main()
