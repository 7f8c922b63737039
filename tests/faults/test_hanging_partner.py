"""A partner that accepts connections and never answers holds up nothing else.

Five orders go to a warehouse whose API hangs (a real socket on 127.0.0.1 that reads the
request and never writes); then twenty unrelated orders for the merchant's own warehouse
arrive. They are released within 2 s, while the five sends still hang: each job runs on its
own, and the worker keeps claiming. After its timeouts the connection is put aside (its
circuit breaker opens, shown by ``GET /connections``), its jobs wait, none is lost or dead.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from tests.faults.partner import HANG, running
from tests.faults.support import (
    CONNECTION,
    eventually,
    fault_settings,
    post_order,
    release_latency,
    stocked,
)

TIMEOUT = 2.5  # the partner call's timeout: longer than the 2 s the other orders may take


async def test_unrelated_orders_are_released_within_2_s_while_a_partner_hangs(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    async with running(HANG) as partner:
        hanging = fault_settings(
            settings,
            tmp_path,
            partner.url,
            partner_timeout_seconds=TIMEOUT,
            job_timeout_seconds=4 * TIMEOUT,
            breaker_failures=3,
            breaker_open_seconds=60.0,
        )
        _, key = await key_service.create(db, "admin", ["admin"])
        auth = {"Authorization": f"Bearer {key}"}
        async with AsyncTestClient(app=create_app(hanging, run_worker=True)) as client:
            await stocked(client, auth)
            for i in range(5):
                await post_order(client, auth, f"SLOW-{i}", "SLOW")

            async def all_sends_hang() -> bool:
                return len(partner.calls("/orders")) >= 5

            await eventually(all_sends_hang, "the five sends to reach the partner", within=5)
            hung_at = time.monotonic()
            fast = [await post_order(client, auth, f"FAST-{i}", "FAST") for i in range(20)]
            took, seen_at = await release_latency(client, auth, fast, within=2.0)
            assert len(took) == 20, f"only {len(took)} of 20 released within 2 s"
            assert max(took.values()) < 2.0, sorted(took.values())
            assert seen_at - hung_at < TIMEOUT, "released while the sends still hang"
            print(  # the figure for the notes (pytest -s)
                f"\nrelease latency with a hanging partner: median "
                f"{statistics.median(took.values()):.3f} s, max {max(took.values()):.3f} s"
            )

            async def put_aside() -> bool:
                r = await client.get("/connections", headers=auth)
                health = next(c for c in r.json()["items"] if c["code"] == CONNECTION)["health"]
                return bool(health["state"] == "open")

            await eventually(put_aside, "the breaker to open", within=3 * TIMEOUT)
            listed = (await client.get("/connections", headers=auth)).json()["items"]
            health = next(c for c in listed if c["code"] == CONNECTION)["health"]
            assert health["failures"] >= 3 and health["open_until"] is not None
            assert health["last_error"] == "POST /orders: timed out"
            calls_when_open = len(partner.calls("/orders"))
            await asyncio.sleep(0.5)  # the sends wait for the breaker: no call goes out
            assert len(partner.calls("/orders")) == calls_when_open

            jobs = await client.get("/jobs", params={"kind": "fulfilment.send"}, headers=auth)
            states = [j["state"] for j in jobs.json()["items"]]
            assert len(states) == 5 and "dead" not in states and "done" not in states, states
            waiting = [j for j in jobs.json()["items"] if j["state"] in ("pending", "retrying")]
            assert all(j["next_attempt_at"] for j in waiting)
            work = await client.get("/fulfilments", params={"location": "wh"}, headers=auth)
            assert [f["status"] for f in work.json()["items"]] == ["open"] * 5
