"""The contract's checks of capabilities, mapped orders and webhook signatures."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from hub.sdk import (
    BuysLabels,
    Capability,
    ChannelOrder,
    Connection,
    Connector,
    FulfilsOrders,
    MappingError,
    OrderData,
    PollsOrders,
    PollsReturns,
    PollsShipments,
    PushesShipments,
    PushesStock,
    ReadsStock,
    ReceivesEvents,
    ReceivesWebhooks,
    RefundsOrders,
    ReportsReturns,
    SignatureError,
    WebhookRequest,
    check,
    normalise,
)
from hub.sdk.testing.subject import ContractSubject, SignedSample

#: each capability's protocol in hub.sdk
PROTOCOLS: dict[Capability, type] = {
    Capability.RECEIVE_WEBHOOK: ReceivesWebhooks,
    Capability.POLL_ORDERS: PollsOrders,
    Capability.PUSH_STOCK: PushesStock,
    Capability.READ_STOCK: ReadsStock,
    Capability.PUSH_SHIPMENT: PushesShipments,
    Capability.FULFIL: FulfilsOrders,
    Capability.RECEIVE_EVENTS: ReceivesEvents,
    Capability.POLL_SHIPMENTS: PollsShipments,
    Capability.BUY_LABELS: BuysLabels,
    Capability.REFUND: RefundsOrders,
    Capability.REPORT_RETURNS: ReportsReturns,
    Capability.POLL_RETURNS: PollsReturns,
}

# --------------------------------------------------------------------------- capabilities


def is_channel(connector: Any) -> bool:
    """A sales channel maps orders (``normalize``); a warehouse or carrier does not."""
    return isinstance(connector, Connector)


def check_capabilities(connector: Any) -> None:
    """A connector declares a capability exactly when it implements that capability's protocol."""
    assert isinstance(connector.name, str) and connector.name
    declared = connector.capabilities
    if declared & {Capability.RECEIVE_WEBHOOK, Capability.POLL_ORDERS}:  # a channel
        assert isinstance(connector, Connector), f"{connector!r} is not a hub.sdk.Connector"
    assert isinstance(declared, frozenset), "capabilities must be a frozenset"
    assert all(isinstance(c, Capability) for c in declared), f"not all Capability: {declared}"
    for capability, protocol in PROTOCOLS.items():
        implements = isinstance(connector, protocol)
        if capability in declared:
            assert implements, (
                f"{connector.name} declares {capability} but is no {protocol.__name__}"
            )
        else:
            assert not implements, (
                f"{connector.name} implements {protocol.__name__} but does not declare {capability}"
            )


# --------------------------------------------------------------------------- normalize


def normalize_documents(subject: ContractSubject, documents: list[bytes]) -> list[ChannelOrder]:
    """The subject's connector's ``normalize`` on ``documents``, for its connection."""
    conn = subject.connection
    return subject.connector.normalize(documents, channel=conn.code, settings=conn.settings)


def check_order(reported: ChannelOrder, channel: str) -> None:
    """One mapped order is valid as the hub would store it."""
    assert isinstance(reported, ChannelOrder), f"not a ChannelOrder: {type(reported).__name__}"
    order = reported.order
    assert check(order) == [], f"{order.external_id}: {check(order)}"
    assert normalise(order) == order, f"{order.external_id}: placed_at is not UTC"
    assert order.channel == channel, f"{order.external_id}: channel {order.channel!r}"
    assert order.external_id, "an order from a channel needs its external_id"
    again = msgspec.json.decode(msgspec.json.encode(order), type=OrderData)
    assert again == order, f"{order.external_id}: does not survive the POST /orders schema"


def check_normalize(subject: ContractSubject) -> None:
    """Same documents, same orders (twice, and one by one); every order valid."""
    assert subject.documents, "the contract needs at least one sample document"
    first = normalize_documents(subject, subject.documents)
    second = normalize_documents(subject, subject.documents)
    assert first, "the sample documents gave no orders"
    assert first == second, "normalize gave other orders the second time"
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    one_by_one = [r for doc in subject.documents for r in normalize_documents(subject, [doc])]
    assert one_by_one == first, "documents one at a time give other orders than all at once"
    for reported in first:
        check_order(reported, subject.connection.code)


def check_bad_documents(subject: ContractSubject) -> None:
    """A document that is not an order is a MappingError (quarantined), never another error."""
    for document in subject.bad_documents:
        try:
            reported = normalize_documents(subject, [document])
        except MappingError:
            continue
        except Exception as exc:
            raise AssertionError(
                f"normalize({document[:40]!r}) raised {type(exc).__name__}, not MappingError"
            ) from exc
        for r in reported:
            check_order(r, subject.connection.code)


# --------------------------------------------------------------------------- webhooks


def with_changes(
    request: WebhookRequest, *, body: bytes | None = None, **headers: str | None
) -> WebhookRequest:
    """A copy of ``request`` with another body and headers replaced (None: removed)."""
    changed = {**request.headers, **{k.lower(): v for k, v in headers.items()}}
    return WebhookRequest(
        url=request.url,
        headers={k: v for k, v in changed.items() if v is not None},
        body=request.body if body is None else body,
    )


def flip_byte(body: bytes, index: int) -> bytes:
    """``body`` with the byte at ``index`` changed (its lowest bit flipped)."""
    return body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]


def _webhook_subject(subject: ContractSubject) -> tuple[Any, SignedSample]:
    assert subject.webhook is not None, "a webhook connector must supply a signed sample"
    assert subject.connection.secrets, "the sample connection must carry its test secret"
    return subject.connector, subject.webhook


def check_webhook(subject: ContractSubject) -> None:
    """The signed sample verifies; a changed byte, no signature, another secret do not."""
    connector, sample = _webhook_subject(subject)
    conn, request = subject.connection, sample.request
    connector.verify(conn, request)
    body = request.body
    assert body, "the signed sample has an empty body"
    for index in sorted({0, len(body) // 2, len(body) - 1, *range(0, len(body), 97)}):
        with pytest.raises(SignatureError):
            connector.verify(conn, with_changes(request, body=flip_byte(body, index)))
    with pytest.raises(SignatureError):
        connector.verify(conn, with_changes(request, body=body + b" "))
    for missing in (None, "", " "):
        with pytest.raises(SignatureError):
            connector.verify(conn, with_changes(request, **{sample.signature_header: missing}))
    other = Connection(
        code=conn.code,
        connector=conn.connector,
        settings=conn.settings,
        secrets={name: value + "-other" for name, value in conn.secrets.items()},
        base_url=conn.base_url,
    )
    with pytest.raises(SignatureError):
        connector.verify(other, request)


def check_describe(subject: ContractSubject) -> None:
    """The sample gives a dedupe key, the same one every time, and is not ignored."""
    connector, sample = _webhook_subject(subject)
    info = connector.describe(subject.connection, sample.request)
    assert info.dedupe_key, "the signed sample gives no dedupe key"
    assert not info.ignore, "the signed sample (an order delivery) is ignored"
    copy = msgspec.json.decode(msgspec.json.encode(sample.request), type=WebhookRequest)
    assert connector.describe(subject.connection, copy) == info
    assert connector.describe(subject.connection, sample.request) == info
