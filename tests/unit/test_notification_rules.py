"""Which mail each timeline event calls for, which events a connection mails by default, the
notification's states, and who may never mail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.api.html import wants_html
from hub.connections import Connections, ConnectionsError, load
from hub.domain.lifecycle import EventKind, TransitionRefused
from hub.domain.notifications import (
    ALL_EVENTS,
    MailEvent,
    NotificationStatus,
    can_move_notification,
    mails_for,
    notify_default,
)
from hub.domain.settings import SettingsError, hub_settings
from hub.plugins import discover


def row(event_kind: str, to: str | None = None, **detail: Any) -> dict[str, Any]:
    return {"kind": event_kind, "to_status": to, "detail": json.dumps(detail) if detail else None}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (row(EventKind.ACCEPT, "accepted"), [("order_confirmed", "")]),
        (row(EventKind.RELEASE, "accepted"), [("order_confirmed", "")]),
        (row(EventKind.HOLD, "on_hold"), []),
        (row(EventKind.CANCEL, "cancelled", refund_due=2900), [("cancelled", "")]),
        (row(EventKind.STATUS, "delivered"), [("delivered", "")]),
        (row(EventKind.STATUS, "shipped"), []),
        (row(EventKind.SHIPMENT, shipment="shp_1"), [("shipped", "shp_1")]),
        (row(EventKind.TRACKING, shipment="shp_1", status="out_for_delivery"),
         [("out_for_delivery", "shp_1")]),
        (row(EventKind.TRACKING, shipment="shp_1", status="exception"), [("delayed", "shp_1")]),
        (row(EventKind.TRACKING, shipment="shp_1", status="in_transit"), []),
        (row(EventKind.OVERDUE), [("delayed", "")]),
        (row(EventKind.PAYMENT, source="manual", kind="capture", reference="BT-1", amount=5),
         [("payment_received", "BT-1")]),
        (row(EventKind.PAYMENT, source="channel", kind="capture", reference="ch_1"), []),
        (row(EventKind.PAYMENT, source="manual", kind="refund", reference="R-1"), []),
        (row(EventKind.DOCUMENT_ISSUED, document_id="doc_1", kind="invoice", number="RE-1"),
         [("invoice_issued", "doc_1")]),
        (row(EventKind.DOCUMENT_ISSUED, document_id="doc_2", kind="credit_note"), []),
        # after-sales: one mail per return (its id the notification's parcel)
        (row(EventKind.RETURN_REQUESTED, **{"return": "r1"}), [("return_requested", "r1")]),
        (row(EventKind.RETURN_AUTHORISED, label="queued", **{"return": "r1"}), []),
        (row(EventKind.RETURN_LABEL, **{"return": "r1"}), [("return_authorised", "r1")]),
        (row(EventKind.RETURN_AUTHORISED, **{"return": "r2"}), [("return_authorised", "r2")]),
        (row(EventKind.RETURN_RECEIVED, **{"return": "r1"}), [("return_received", "r1")]),
        (row(EventKind.RETURN_REFUNDED, amount=5, **{"return": "r1"}),
         [("refund_issued", "r1")]),
        (row(EventKind.COMPLAINT_REFUNDED, complaint="c1", amount=5), [("refund_issued", "c1")]),
        (row(EventKind.RETURN_REFUND_QUEUED, **{"return": "r1"}), []),
    ],
)  # fmt: skip
def test_each_event_calls_for_its_mail(event: dict[str, Any], expected: list[Any]) -> None:
    assert [(d.event, d.parcel) for d in mails_for(event)] == expected


def test_a_cancellation_freezes_the_refund_due() -> None:
    (due,) = mails_for(row(EventKind.CANCEL, "cancelled", refund_due=2900))
    assert due.facts == {"refund_due": 2900}
    by_hand = {"amount": 1500, "currency": "EUR", "action": "refund"}  # hub.domain.refund
    (due,) = mails_for(row(EventKind.CANCEL, "cancelled", refund_due=by_hand))
    assert due.facts == {"refund_due": 1500}
    (due,) = mails_for(row(EventKind.CANCEL, "cancelled"))
    assert due.facts == {"refund_due": 0}


def test_the_defaults_per_connector() -> None:
    assert notify_default("callcentre") == notify_default("generic_json") == ALL_EVENTS
    for shop in ("shopify", "woocommerce", "square", "amazon", "ebay"):
        assert notify_default(shop) == frozenset()


def test_notify_takes_all_none_or_a_list_and_names_a_wrong_event() -> None:
    assert hub_settings({"notify": "all"}).notify_events("shopify") == ALL_EVENTS
    assert hub_settings({"notify": "none"}).notify_events("callcentre") == frozenset()
    chosen = hub_settings({"notify": ["shipped", "delivered"]}).notify_events("shopify")
    assert chosen == {MailEvent.SHIPPED, MailEvent.DELIVERED}
    with pytest.raises(SettingsError) as caught:
        hub_settings({"notify": ["shipped", "posted"]})
    assert caught.value.key.startswith("notify")


def _config(tmp_path: Any, connector: str, settings: dict[str, Any]) -> Connections:
    conn = {"code": "m1", "connector": connector, "settings": settings}
    path = tmp_path / "hub.yaml"
    path.write_text(json.dumps({"connections": [conn]}))
    return load(path, discover(), require_secrets=False)


@pytest.mark.parametrize("connector", ["amazon", "ebay"])
def test_a_marketplace_refuses_buyer_mail_with_the_reason(tmp_path: Any, connector: str) -> None:
    with pytest.raises(ConnectionsError) as caught:
        _config(tmp_path, connector, {"notify": ["shipped"]})
    message = str(caught.value)
    assert "settings.notify" in message and "forbid" in message and "'m1'" in message
    assert _config(tmp_path, connector, {"notify": "none"}).notify_events("m1") == frozenset()


def test_a_shop_mails_nothing_unless_turned_on(tmp_path: Any) -> None:
    assert _config(tmp_path, "shopify", {}).notify_events("m1") == frozenset()
    on = _config(tmp_path, "shopify", {"notify": ["shipped"]})
    assert on.notify_events("m1") == {"shipped"}


def test_a_notification_moves_only_out_of_queued() -> None:
    Q, S = NotificationStatus.QUEUED, NotificationStatus.SENT
    assert can_move_notification(Q, S) and can_move_notification(Q, NotificationStatus.KEPT)
    assert not can_move_notification(S, NotificationStatus.FAILED)
    assert not can_move_notification(NotificationStatus.KEPT, S)
    assert issubclass(TransitionRefused, ValueError)


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0", False),
    ],
)
def test_a_page_for_those_who_ask_for_html(accept: str | None, html: bool) -> None:
    assert wants_html(accept) is html
