"""The connector SDK: the only part of the hub a connector imports.

A connector speaks one partner's protocol. It declares what it can do (``capabilities``),
implements the matching small protocol(s) below, raises ``RetriableError`` or ``FatalError``
(never a bare exception with a response body in it), and calls partners through
``PartnerHttp``. It never touches the database and never imports another connector.
"""

from hub.domain.money import MoneyError, to_minor
from hub.domain.order import (
    Address,
    Customer,
    FieldError,
    InvalidOrder,
    Line,
    OrderData,
    Payment,
    Shipping,
    Totals,
)
from hub.mapping import Mapping as OrderMapping
from hub.mapping import MappingError, load_default
from hub.sdk.connector import (
    Capability,
    ChannelOrder,
    Connection,
    Connector,
    MapsMessages,
    PolledMessage,
    PollResult,
    PollsOrders,
    ReceivesWebhooks,
    WebhookInfo,
    WebhookRequest,
)
from hub.sdk.documents import decode_document, map_documents, mapping_named
from hub.sdk.errors import ConnectorError, FatalError, RetriableError, SignatureError
from hub.sdk.http import PartnerHttp
from hub.sdk.signatures import hmac_sha256_base64, hmac_sha256_hex, signatures_match

__all__ = [
    "Address",
    "Capability",
    "ChannelOrder",
    "Connection",
    "Connector",
    "ConnectorError",
    "Customer",
    "FatalError",
    "FieldError",
    "InvalidOrder",
    "Line",
    "MappingError",
    "MapsMessages",
    "MoneyError",
    "OrderData",
    "OrderMapping",
    "PartnerHttp",
    "Payment",
    "PollResult",
    "PolledMessage",
    "PollsOrders",
    "ReceivesWebhooks",
    "RetriableError",
    "Shipping",
    "SignatureError",
    "Totals",
    "WebhookInfo",
    "WebhookRequest",
    "decode_document",
    "hmac_sha256_base64",
    "hmac_sha256_hex",
    "load_default",
    "map_documents",
    "mapping_named",
    "signatures_match",
    "to_minor",
]
