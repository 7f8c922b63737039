"""What one connector supplies to the contract: the connector, a connection, its samples."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx

from hub.sdk import Connection, PartnerHttp, WebhookRequest

#: bodies no partner sends as an order; normalize must refuse them as a MappingError
BAD_DOCUMENTS: tuple[bytes, ...] = (
    b"",
    b"<html><body>502 Bad Gateway</body></html>",
    b"null",
    b"{}",
    b"[1, 2]",
    b'"just text"',
    b"webhook_id=12",
    b"\xff\xfe\x00garbage",
)


@dataclass(frozen=True, slots=True)
class SignedSample:
    """A webhook delivery exactly as the partner signs it, and the header with the signature."""

    request: WebhookRequest
    signature_header: str


@dataclass(frozen=True, slots=True)
class PartnerCall:
    """One call a connector makes to its partner, for ``check_partner_retries``.

    ``call`` makes it with the ``PartnerHttp`` it is given (e.g. one ``poll_orders`` page);
    requests whose URL starts with ``url`` are answered by the check (failures first, then
    ``respond``); ``other_routes`` mocks anything else the call needs.
    """

    call: Callable[[PartnerHttp], Awaitable[object]]
    url: str
    respond: Callable[[httpx.Request], httpx.Response]
    method: str = "GET"
    other_routes: Callable[[respx.MockRouter], None] | None = None


@dataclass(frozen=True, slots=True)
class ContractSubject:
    """What one connector supplies to the contract."""

    connector: Any
    connection: Connection
    documents: list[bytes]  # partner documents as normalize takes them ([] for non-channels)
    webhook: SignedSample | None = None  # required when it declares receive_webhook
    partner_call: PartnerCall | None = None  # required when it declares poll_orders
    bad_documents: tuple[bytes, ...] = field(default=BAD_DOCUMENTS)
    #: (body, topic) of return or refund reports as kept; required when it declares
    #: report_returns (each must map without a partner call)
    return_reports: list[tuple[bytes, str | None]] = field(default_factory=list)
