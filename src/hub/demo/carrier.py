"""An EasyPost-shaped carrier: each parcel handed to it moves pre_transit -> in_transit ->
out_for_delivery -> delivered, one step every few seconds, each step a ``tracker.updated``
Event POSTed to the hub, signed ``X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256>``
with the webhook secret (NFKD, as easypost-python checks it).

Its API (``/v2/shipments``: rates and labels) is not in the sandbox: the demo's parcels
come with the 3PL's and the packer's own tracking numbers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import unicodedata
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from hub.demo.narrate import Voice
from hub.demo.sandbox import Call, HubLine, Reply
from hub.demo.world import CARRIER

STEPS: tuple[tuple[str, str, str], ...] = (
    ("in_transit", "arrived_at_facility", "Arrived at the regional facility"),
    ("out_for_delivery", "out_for_delivery", "Out for delivery"),
    ("delivered", "arrived_at_destination", "Delivered, in or at the mailbox"),
)


class Carrier:
    """The parcels the carrier follows, each on its own clock."""

    def __init__(self, secret: str, voice: Voice, *, step_every: float) -> None:
        self.secret = secret
        self.voice = voice
        self.step_every = step_every
        self.hub: HubLine | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0

    async def handle(self, call: Call) -> Reply:
        return Reply(404, {"error": {"code": "NOT_FOUND", "message": "not in the sandbox"}})

    def track(self, carrier: str, service: str, tracking_code: str) -> None:
        """A parcel handed over: follow it to delivered."""
        task = asyncio.create_task(self._follow(carrier, service, tracking_code))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _follow(self, carrier: str, service: str, code: str) -> None:
        tracker_id = f"trk_{uuid.uuid4().hex}"
        for step in range(len(STEPS)):
            await asyncio.sleep(self.step_every)
            if self.hub is None:
                return
            tracker = tracker_at(tracker_id, carrier, service, code, step)
            self.voice.say("carrier", f"{carrier} {code}: {tracker['status'].replace('_', ' ')}")
            await self.hub.deliver(CARRIER, *self.signed(tracker))
        self.delivered += 1

    def signed(self, tracker: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        now = _stamp(datetime.now(UTC))
        body = msgspec.json.encode(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "object": "Event",
                "mode": "test",
                "description": "tracker.updated",
                "created_at": now,
                "updated_at": now,
                "status": "pending",
                "result": tracker,
            }
        )
        key = unicodedata.normalize("NFKD", self.secret).encode()
        digest = hmac.new(key, body, hashlib.sha256).hexdigest()
        return body, {"X-Hmac-Signature": f"hmac-sha256-hex={digest}"}


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def tracker_at(tracker_id: str, carrier: str, service: str, code: str, step: int) -> dict[str, Any]:
    """The Tracker after ``STEPS[step]``, with a tracking detail for each step so far."""
    now = datetime.now(UTC)
    details = [
        {
            "object": "TrackingDetail",
            "message": message,
            "status": status,
            "status_detail": detail,
            "datetime": _stamp(now),
        }
        for status, detail, message in STEPS[: step + 1]
    ]
    status, detail, _ = STEPS[step]
    return {
        "id": tracker_id,
        "object": "Tracker",
        "tracking_code": code,
        "status": status,
        "status_detail": detail,
        "carrier": carrier,
        "created_at": _stamp(now),
        "updated_at": _stamp(now),
        "tracking_details": details,
        "est_delivery_date": _stamp(now + timedelta(days=1)),
        "carrier_detail": {
            "object": "CarrierDetail",
            "service": service,
            "est_delivery_date_local": (date.today() + timedelta(days=1)).isoformat(),
        },
        "public_url": f"https://track.easypost.com/{tracker_id}",
    }
