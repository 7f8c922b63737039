"""What a connector is: declared capabilities and one small protocol per capability."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import msgspec

from hub.domain.channel import ChannelOrder
from hub.sdk.http import PartnerHttp


class Capability(StrEnum):
    RECEIVE_WEBHOOK = "receive_webhook"
    POLL_ORDERS = "poll_orders"
    PUSH_STOCK = "push_stock"  # hub.sdk.stock.PushesStock
    READ_STOCK = "read_stock"  # hub.sdk.stock.ReadsStock (drift checks)
    PUSH_SHIPMENT = "push_shipment"  # hub.sdk.fulfilment.PushesShipments
    FULFIL = "fulfil"  # hub.sdk.fulfilment.FulfilsOrders
    RECEIVE_EVENTS = "receive_events"  # hub.sdk.fulfilment.ReceivesEvents
    POLL_SHIPMENTS = "poll_shipments"  # hub.sdk.fulfilment.PollsShipments
    BUY_LABELS = "buy_labels"  # hub.sdk.fulfilment.BuysLabels
    REFUND = "refund"  # hub.sdk.refunds.RefundsOrders
    REPORT_RETURNS = "report_returns"  # hub.sdk.returns.ReportsReturns
    POLL_RETURNS = "poll_returns"  # hub.sdk.returns.PollsReturns


@dataclass(frozen=True, slots=True)
class Connection:
    """One configured instance of a connector (two Shopify stores are two connections).

    ``secrets`` come from the environment; they are left out of ``repr`` so that they never
    reach a log line or an error message by accident.
    """

    code: str
    connector: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    base_url: str | None = None

    def secret(self, name: str) -> str:
        try:
            return self.secrets[name]
        except KeyError:
            raise KeyError(f"connection {self.code!r} has no secret {name!r}") from None


class WebhookRequest(msgspec.Struct, frozen=True):
    """A partner's webhook as it arrived: the URL it was sent to, lower-cased headers, raw body."""

    url: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class WebhookInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the hub needs to know about a verified webhook before keeping it."""

    dedupe_key: str | None  # the partner's delivery or event id
    topic: str | None = None
    ignore: bool = False  # e.g. WooCommerce's ping when a webhook is created


class PolledMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One document a poll fetched, kept by the hub as an inbound message before mapping.

    ``dedupe_key`` names this version of the document (e.g. the order id and its last-update
    time), so that polling the same version twice keeps it once while a later version of the
    same order comes in as an update. ``body`` is what ``orders_from_message`` will map: the
    partner's document, or a combined root the connector built (Amazon: order and items).
    """

    dedupe_key: str
    body: bytes
    topic: str | None = None


class PollResult(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[PolledMessage]
    cursor: (
        str | None
    )  # stored with the messages, in the same transaction, and handed back next time
    more: bool = False  # another page is waiting right now: poll again at once


@runtime_checkable
class Connector(Protocol):
    """A connector: its name, what it can do, and ``normalize``.

    Optionally it declares its connection settings as ``settings_type`` (see
    ``HasSettings``): the hub then checks every connection's keys against it at start.
    A channel whose marketplace collects the money itself declares
    ``default_release_when = "always"`` (its orders go to fulfilment as they come; without
    it an order waits until it is paid, see the ``release_when`` setting).
    """

    name: str
    capabilities: frozenset[Capability]

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """Partner documents, as its API or webhook delivers them, to canonical orders.

        ``channel`` is the connection code the orders belong to; ``settings`` are the
        connection's settings (a generic connector reads its mapping name there).

        Used by ``hub normalize`` (the integrator's test bench) and by the ingest path once
        any extra documents have been fetched. Raises ``hub.mapping.MappingError`` when a
        document cannot be mapped.
        """
        ...


@runtime_checkable
class HasSettings(Protocol):
    """A connector that declares its connection settings: a msgspec Struct, each key with
    its default (a required one without). At start the hub converts the connection's keys
    into it (a wrong value stops the hub with an error naming the connection and the key),
    and refuses a key that neither the hub nor the connector knows. A connector may still
    parse ``connection.settings`` per call; it holds the connector's keys, not the hub's.
    Checks beyond types (a path that must be absolute) belong in ``__post_init__``,
    raising ``ValueError`` with a message that names the key.
    """

    settings_type: type[msgspec.Struct]


@runtime_checkable
class MapsMessages(Protocol):
    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        """The orders a stored message (webhook body or polled document) stands for.

        May fetch more from the partner (Square's webhook carries only an order id).
        Raises ``MappingError`` (the message is quarantined) or a ``ConnectorError``.
        """
        ...


@runtime_checkable
class VerifiesWebhooks(Protocol):
    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """Raise ``SignatureError`` unless the signature matches the raw body."""
        ...

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo: ...


@runtime_checkable
class ReceivesWebhooks(MapsMessages, VerifiesWebhooks, Protocol):
    """A channel whose webhooks carry orders."""


@runtime_checkable
class PollsOrders(MapsMessages, Protocol):
    async def poll_orders(
        self, connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str
    ) -> PollResult:
        """Fetch one page of orders changed since ``cursor`` (None: the first poll; the
        connector picks its own start, e.g. ``settings["start"]``) and up to ``until`` (ISO
        UTC time the run started, less a small look-back for clock skew).

        The returned ``cursor`` is stored only once every message of the page is kept.
        """
        ...
