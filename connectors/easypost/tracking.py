"""EasyPost tracker events to the hub's ``TrackingEvent``s, statuses mapped by a table.

A tracker event is ``{id, object: "Event", description: "tracker.updated", result:
{Tracker}}``; the Tracker carries ``tracking_code``, ``carrier``, ``status``,
``status_detail``, ``updated_at``, ``est_delivery_date``, ``carrier_detail``,
``tracking_details[]`` and ``public_url``.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from hub.sdk import MappingError, TrackingEvent, TrackingStatus, tracking_status

#: EasyPost's Tracker ``status`` values -> the hub's tracking statuses
STATUSES: dict[str, TrackingStatus] = {
    "unknown": "unknown",
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "available_for_pickup",
    "return_to_sender": "returned_to_sender",
    "failure": "exception",
    "cancelled": "cancelled",
    "error": "exception",
}
#: event descriptions whose result is a Tracker; any other event maps to no event
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
#: the name MappingErrors carry for this connector's documents
DOCUMENT = "easypost_event"


class TrackingDetail(msgspec.Struct, frozen=True, kw_only=True):
    message: str | None = None
    datetime: str | None = None


class CarrierDetail(msgspec.Struct, frozen=True, kw_only=True):
    est_delivery_date_local: str | None = None


class Tracker(msgspec.Struct, frozen=True, kw_only=True):
    tracking_code: str
    carrier: str | None = None
    status: str | None = None
    status_detail: str | None = None
    updated_at: datetime | None = None
    est_delivery_date: str | None = None
    carrier_detail: CarrierDetail | None = None
    tracking_details: list[TrackingDetail] = []
    public_url: str | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None = None
    description: str | None = None
    result: msgspec.Raw = msgspec.Raw(b"")  # decoded only for a tracker event


def decode_event(body: bytes) -> Event:
    """The event envelope; a body that is not one is a MappingError (quarantined)."""
    try:
        return msgspec.json.decode(body, type=Event)
    except msgspec.MsgspecError as exc:
        raise MappingError(DOCUMENT, "$", f"not an EasyPost event ({_why(exc)})") from None


def _why(exc: msgspec.MsgspecError) -> str:
    # msgspec's messages name a type or a path, never the document's values
    return str(exc).splitlines()[0][:200]


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise MappingError(DOCUMENT, "result.est_delivery_date", "not a date") from None


def _latest_message(details: list[TrackingDetail]) -> str | None:
    for detail in reversed(details):
        if detail.message:
            return detail.message
    return None


def tracking_event(tracker: Tracker) -> TrackingEvent:
    """One Tracker as the hub's TrackingEvent."""
    carrier_detail = tracker.carrier_detail or CarrierDetail()
    at = tracker.updated_at
    if at is not None and at.tzinfo is None:
        raise MappingError(DOCUMENT, "result.updated_at", "a time without a time zone")
    return TrackingEvent(
        tracking_number=tracker.tracking_code,
        status=tracking_status(STATUSES, tracker.status),
        carrier=tracker.carrier,
        detail=tracker.status_detail or _latest_message(tracker.tracking_details),
        at=at,
        estimated_delivery=_date(carrier_detail.est_delivery_date_local)
        or _date(tracker.est_delivery_date),
        public_url=tracker.public_url,
    )


def events(body: bytes) -> list[TrackingEvent]:
    """The tracking news an event body stands for: one for a tracker event, else none."""
    event = decode_event(body)
    if event.description not in TRACKER_EVENTS:
        return []
    if bytes(event.result).strip() in (b"", b"null"):
        raise MappingError(DOCUMENT, "result", "a tracker event without its tracker")
    try:
        tracker = msgspec.json.decode(event.result, type=Tracker)
    except msgspec.MsgspecError as exc:
        raise MappingError(DOCUMENT, "result", f"not a tracker ({_why(exc)})") from None
    return [tracking_event(tracker)]
