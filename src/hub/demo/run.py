"""Start the demo (sandbox partners, the hub with its worker, the demo data), let orders
flow until Ctrl-C, ``--for`` seconds or ``--until-delivered`` orders, then stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec

from hub import config
from hub.api.app import create_app
from hub.demo import world
from hub.demo.carrier import Carrier
from hub.demo.narrate import TAP, Narrator, Voice
from hub.demo.packer import packer
from hub.demo.sandbox import HubLine, QuietServer, Sandbox, listen, start_server
from hub.demo.shop import Shop
from hub.demo.threepl import ThreePL
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.event_taps import tap_events, untap_events
from hub.store.migrate import upgrade


class Pace(msgspec.Struct, frozen=True, kw_only=True):
    """How fast the world moves, in seconds."""

    order_every: float = 12.0  # the shop places an order
    ship_after: float = 5.0  # the 3PL (and the packer) ship what came in
    step_every: float = 4.0  # the carrier moves a parcel one step


class Stop(msgspec.Struct, kw_only=True):
    """When to stop besides Ctrl-C: after ``seconds``, or once ``delivered`` orders are."""

    seconds: float | None = None
    delivered: int | None = None


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    placed: int
    delivered: int
    stock_pushes: int


class Partners:
    """The three sandbox partners, wired to each other (the 3PL and the packer hand their
    parcels to the carrier)."""

    def __init__(self, secrets: world.Secrets, voice: Voice, pace: Pace) -> None:
        self.shop = Shop(secrets.shop_webhook, secrets.shop_token, voice)
        self.carrier = Carrier(secrets.carrier_webhook, voice, step_every=pace.step_every)
        self.threepl = ThreePL(
            secrets.threepl_webhook,
            secrets.threepl_token,
            voice,
            ship_after=pace.ship_after,
            handover=self.carrier.track,
        )

    def app(self) -> Sandbox:
        return Sandbox(
            {
                "shopify": self.shop.handle,
                "shipbob": self.threepl.handle,
                "easypost": self.carrier.handle,
            }
        )

    def connect(self, hub: HubLine | None) -> None:
        self.threepl.hub = hub
        self.carrier.hub = hub

    def cancel(self) -> None:
        self.connect(None)
        for task in (*self.threepl.tasks, *self.carrier.tasks):
            task.cancel()


def hub_settings(folder: Path, sandbox_url: str) -> config.Settings:
    """A fresh SQLite file and the demo's connections; other ``HUB_*`` settings are left out
    so the demo runs the same wherever it starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = f"sqlite:///{folder / 'hub.db'}"
    env["HUB_CONFIG"] = str(world.write_connections(folder, sandbox_url))
    env["HUB_FORECAST_NIGHTLY"] = "0"
    return config.load(env)


async def admin_key(settings: config.Settings) -> str:
    db = Database(settings.database_url)
    try:
        _, plain = await key_service.create(db, "demo-admin", ["admin"])
    finally:
        await db.dispose()
    return plain


class DemoError(RuntimeError):
    """The demo could not start; the message says why."""


async def wait_until_ready(api: httpx.AsyncClient, serving: asyncio.Task[None]) -> None:
    """Until the hub answers ``/ready`` (its database, its worker started); a hub that
    stopped instead, or takes more than two minutes, is a ``DemoError``."""
    deadline = time.monotonic() + 120
    while not serving.done() and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if (await api.get("/ready")).is_success:
                return
        await asyncio.sleep(0.1)
    raise DemoError("the hub did not start (its log above says why)")


async def seed(api: httpx.AsyncClient) -> None:
    """The demo data, through the API: locations, the catalog, the opening stock."""
    for location in world.locations():
        (await api.post("/locations", json=location)).raise_for_status()
    (await api.put("/catalog/skus", json=world.catalog_batch())).raise_for_status()
    (await api.post("/stock/movements", json=world.opening_stock())).raise_for_status()


async def every(seconds: float, work: Callable[[], Awaitable[Any]]) -> None:
    """``work()`` now and then every ``seconds``, until cancelled."""
    while True:
        await work()
        await asyncio.sleep(seconds)


async def delivered(api: httpx.AsyncClient) -> int:
    answer = await api.get("/orders", params={"status": "delivered", "limit": 1000})
    return len(answer.json()["items"]) if answer.is_success else 0


async def wait_for_stop(api: httpx.AsyncClient, stop: Stop, stopping: asyncio.Event) -> None:
    """Until Ctrl-C (``stopping``), the time is up, or enough orders were delivered."""
    deadline = None if stop.seconds is None else time.monotonic() + stop.seconds
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=0.5)
        if deadline is not None and time.monotonic() >= deadline:
            return
        if stop.delivered is not None and await delivered(api) >= stop.delivered:
            return


def banner(voice: Voice, hub_url: str, key: str, folder: Path) -> None:
    print(
        f"""
The hub is running at {hub_url}, with a worker, on {folder / "hub.db"}
  console:  {hub_url}/console   (sign in with the key below)
  API docs: {hub_url}/schema/swagger
  admin key (printed once): {key}
  try:      curl -s {hub_url}/orders -H "Authorization: Bearer {key}"
Sandbox partners on loopback: a Shopify shop, a ShipBob 3PL, an EasyPost carrier.
Press Ctrl-C to stop.
""",
        file=voice.out,
        flush=True,
    )


def on_signals(stopping: asyncio.Event) -> Callable[[], None]:
    """Ctrl-C (SIGINT) and SIGTERM set ``stopping``; the returned function undoes it."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)

    def undo() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    return undo


async def run_demo(
    *, host: str, port: int, pace: Pace, stop: Stop, voice: Voice | None = None
) -> Summary:
    """The whole demo, from a fresh temporary folder that is removed at the end."""
    voice = voice or Voice()
    stopping = asyncio.Event()
    undo = on_signals(stopping)
    try:
        with tempfile.TemporaryDirectory(prefix="hub-demo-") as folder:
            return await _run_in(Path(folder), host, port, pace, stop, voice, stopping)
    finally:
        undo()


async def _run_in(
    folder: Path,
    host: str,
    port: int,
    pace: Pace,
    stop: Stop,
    voice: Voice,
    stopping: asyncio.Event,
) -> Summary:
    secrets = world.Secrets.fresh()
    os.environ.update(secrets.environment())
    hub_sock = listen(host, port)
    sandbox_sock = listen("127.0.0.1", 0)
    sandbox_url = f"http://127.0.0.1:{sandbox_sock.getsockname()[1]}"
    hub_url = f"http://{host}:{hub_sock.getsockname()[1]}"
    settings = hub_settings(folder, sandbox_url)
    await asyncio.to_thread(upgrade, settings.database_url)
    key = await admin_key(settings)
    partners = Partners(secrets, voice, pace)
    tap_events(TAP, Narrator(voice))
    servers = [start_server(partners.app(), sandbox_sock)]
    servers.append(start_server(create_app(settings, run_worker=True), hub_sock))
    line = HubLine(hub_url)
    api = httpx.AsyncClient(
        base_url=hub_url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0
    )
    loops: list[asyncio.Task[None]] = []
    try:
        await wait_until_ready(api, servers[1][1])
        await seed(api)
        banner(voice, hub_url, key, folder)
        partners.connect(line)
        loops += [
            asyncio.create_task(every(pace.order_every, lambda: partners.shop.place_order(line))),
            asyncio.create_task(packer(api, partners.carrier, voice, pace.ship_after)),
        ]
        await wait_for_stop(api, stop, stopping)
        voice.say("demo", "stopping")
        await _cancel(loops)
        summary = Summary(
            placed=len(partners.shop.orders),
            delivered=await delivered(api),
            stock_pushes=partners.shop.stock_pushes,
        )
    finally:
        await _shut_down(loops, partners, servers)
        await api.aclose()
        await line.close()
        untap_events(TAP)
        hub_sock.close()
        sandbox_sock.close()
    return summary


async def _shut_down(
    loops: list[asyncio.Task[None]],
    partners: Partners,
    servers: list[tuple[QuietServer, asyncio.Task[None]]],
) -> None:
    """The order of the shop floor: no new orders or parcels; the hub finishes its jobs
    (the partners still answer); then the partners close."""
    await _cancel(loops)
    partners.cancel()
    for server, task in reversed(servers):
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
