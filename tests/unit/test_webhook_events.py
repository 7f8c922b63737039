"""Which timeline entries become which webhook event, and the delivery state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.lifecycle import EventKind, TransitionRefused
from hub.domain.webhooks import (
    DELIVERY_TRANSITIONS,
    DeliveryStatus,
    EventType,
    require_delivery_move,
    signing_secrets,
    timeline_types,
)

E = EventType
D = DeliveryStatus


def row(kind: str, before: str | None = None, after: str | None = None) -> dict[str, object]:
    return {"kind": kind, "from_status": before, "to_status": after}


@pytest.mark.parametrize(
    ("entry", "types"),
    [
        (row("received", None, "received"), [E.ORDER_CREATED]),
        (row("accept", "received", "accepted"), [E.ORDER_STATUS_CHANGED]),
        (row("cancel", "accepted", "cancelled"), [E.ORDER_STATUS_CHANGED]),
        (row("stock_short", "received", "on_hold"), [E.ORDER_ATTENTION, E.ORDER_STATUS_CHANGED]),
        (row("payment_mismatch"), [E.ORDER_ATTENTION]),
        (row("shipment", "released", "shipped"), [E.SHIPMENT_CREATED, E.ORDER_STATUS_CHANGED]),
        (row("tracking"), [E.TRACKING_UPDATED]),
        (row("document_issued"), [E.DOCUMENT_ISSUED]),  # added by the documents work, by name
        (row("edited", "accepted", "accepted"), []),
        (row("route"), []),
    ],
)
def test_timeline_entries_map_to_event_types(entry: dict[str, object], types: list[E]) -> None:
    assert timeline_types(entry) == types


def test_every_attention_kind_is_an_attention_event() -> None:
    for kind in ("update_refused", "cancel_refused", "stock_not_taken",
                 "fulfilment_cancel_refused", "cancelled_fulfilment_shipped"):  # fmt: skip
        assert timeline_types(row(EventKind(kind))) == [E.ORDER_ATTENTION]


def test_delivery_moves() -> None:
    require_delivery_move(D.PENDING, D.DELIVERED)
    require_delivery_move(D.RETRYING, D.RETRYING)
    require_delivery_move(D.DEAD, D.PENDING)  # a replay
    with pytest.raises(TransitionRefused, match="a webhook delivery that is delivered"):
        require_delivery_move(D.DELIVERED, D.DEAD)
    with pytest.raises(TransitionRefused):
        require_delivery_move(D.PENDING, D.PENDING)  # replaying a queued one
    assert set(DELIVERY_TRANSITIONS) == set(DeliveryStatus)


def test_old_secret_signs_only_within_its_grace() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = now + timedelta(hours=24)
    assert signing_secrets("new", "old", later, now) == ["new", "old"]
    assert signing_secrets("new", "old", later, later) == ["new"]
    assert signing_secrets("new", None, None, now) == ["new"]
