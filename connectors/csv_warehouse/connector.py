"""A warehouse that works with files in folders (synced over SFTP or on a share): pick
requests out as one CSV per fulfilment, shipment confirmations in as CSV files.

Not a sales channel: no ``normalize``, no orders in. Capabilities ``fulfil`` and
``poll_shipments``. No HTTP: the ``PartnerHttp`` handed in is not used. File work runs in a
worker thread (``asyncio.to_thread``) so that an fsync never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from connectors.csv_warehouse import inbox, picks
from connectors.csv_warehouse.settings import CsvWarehouseSettings, parse_settings
from hub.sdk import (
    Capability,
    Connection,
    FulfilmentAccepted,
    FulfilmentRequest,
    PartnerHttp,
    ShipmentPollResult,
)


class CsvWarehouseConnector:
    """Pick files to an outbox folder, shipment confirmations from an inbox folder."""

    name = "csv_warehouse"
    settings_type = CsvWarehouseSettings
    capabilities = frozenset({Capability.FULFIL, Capability.POLL_SHIPMENTS})

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    async def create_fulfilment(
        self, connection: Connection, request: FulfilmentRequest, http: PartnerHttp
    ) -> FulfilmentAccepted:
        """Write ``<outbox_dir>/<id>.csv`` atomically (one row per line); the file name is the
        partner ref. Safe to call twice: the same content is not written again, and a pick
        the warehouse already took is not handed out again."""
        folders = parse_settings(connection.settings)
        name = await asyncio.to_thread(picks.create, folders, request)
        return FulfilmentAccepted(partner_ref=name)

    async def cancel_fulfilment(
        self,
        connection: Connection,
        request: FulfilmentRequest,
        partner_ref: str | None,
        http: PartnerHttp,
    ) -> None:
        """Delete the pick file if still in the outbox, else write ``<id>.cancel.csv``. The
        warehouse decides whether a taken pick can still be stopped; the hub hears of a
        shipment anyway by its confirmation file."""
        folders = parse_settings(connection.settings)
        await asyncio.to_thread(picks.cancel, folders, request)

    async def poll_shipments(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> ShipmentPollResult:
        """Every settled ``*.csv`` in the inbox as ShipmentReports; bad files quarantined;
        the files the previous poll returned (named in ``cursor``) archived first. The
        folder is state, not a time series, so ``until`` is not used."""
        folders = parse_settings(connection.settings)
        return await asyncio.to_thread(inbox.poll, folders, cursor, self._clock())
