"""What happens, printed: the partners speak through a ``Voice``, and the hub's own steps
are read from its timeline as they are written (an event tap, see ``hub.store.event_taps``).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Connection, select

from hub.store.tables import orders

TAP = "demo"


class Voice:
    """One line per happening: the time, who, what."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.lock = threading.Lock()

    def say(self, who: str, text: str) -> None:
        with self.lock:
            print(f"{datetime.now():%H:%M:%S}  {who:<8} {text}", file=self.out, flush=True)


def _route(detail: dict[str, Any]) -> str:
    places = sorted({str(f.get("location")) for f in detail.get("fulfilments", [])})
    if not places:
        return f"not routed: {detail.get('reason')}"
    return f"routed to {' + '.join(places)} ({detail.get('reason') or detail.get('rule')})"


def describe(kind: str, to_status: str | None, detail: dict[str, Any]) -> str | None:
    """The line for one timeline entry (None: not worth a line in the demo)."""
    match kind:
        case "received":
            return "received"
        case "accept":
            return "reserved"
        case "route":
            return _route(detail)
        case "release":
            return "released to fulfilment"
        case "fulfilment_sent":
            return f"fulfilment sent to {detail.get('location')} ({detail.get('partner_ref')})"
        case "shipment":
            return f"shipped: {detail.get('carrier')} {detail.get('tracking_number')}"
        case "shipment_confirmed":
            return "parcel reported back to the shop"
        case "tracking":
            return f"tracked: {detail.get('tracking_number')} {detail.get('status')}"
        case "status":
            return str(to_status).replace("_", " ")
        case "hold":
            return f"on hold: {detail.get('reason')}"
        case "payment" | "updated":
            return None
    return kind.replace("_", " ")


class Narrator:
    """The event tap: prints the hub's steps for each order, by its number."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.numbers: dict[str, str] = {}

    def __call__(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            detail = row.get("detail")
            parsed = json.loads(detail) if isinstance(detail, str) else detail or {}
            line = describe(str(row["kind"]), row.get("to_status"), parsed)
            if line is not None:
                self.voice.say("hub", f"{self._number(conn, row['order_id'])} {line}")

    def _number(self, conn: Connection, order_id: str) -> str:
        if order_id not in self.numbers:
            found = conn.execute(select(orders.c.number).where(orders.c.id == order_id))
            self.numbers[order_id] = found.scalar() or order_id
        return self.numbers[order_id]
