"""The merchant's own warehouse: a packer who works the hub's open-fulfilment list over the
API (``GET /fulfilments?location=home&status=open``), ships each with a DHL parcel
(``POST /fulfilments/{id}/shipments``) and hands it to the carrier."""

from __future__ import annotations

import asyncio
import itertools

import httpx

from hub.demo.carrier import Carrier
from hub.demo.narrate import Voice
from hub.demo.world import HOME

_numbers = itertools.count(1)


async def pack_once(api: httpx.AsyncClient, carrier: Carrier, voice: Voice) -> int:
    """Ship every open fulfilment of the own warehouse; how many were shipped."""
    answer = await api.get("/fulfilments", params={"location": HOME, "status": "open"})
    answer.raise_for_status()
    shipped = 0
    for fulfilment in answer.json()["items"]:
        number = f"JJD0001{next(_numbers):011d}"
        parcel = {"carrier": "DHL", "service": "Paket", "tracking_number": number}
        posted = await api.post(f"/fulfilments/{fulfilment['id']}/shipments", json=parcel)
        if posted.is_success:
            voice.say("packer", f"{fulfilment['order_number']} packed at {HOME}: DHL {number}")
            carrier.track("DHL", "Paket", number)
            shipped += 1
    return shipped


async def packer(api: httpx.AsyncClient, carrier: Carrier, voice: Voice, every: float) -> None:
    """Pack every ``every`` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            await pack_once(api, carrier, voice)
        except httpx.HTTPError as exc:
            voice.say("packer", f"could not reach the hub ({type(exc).__name__}); trying again")
