"""The connector contract: checks every connector's tests run on that connector's fixtures.

A connector's ``tests/test_contract.py`` describes itself once, as a ``ContractSubject`` (the
connector, a ``Connection`` with test secrets, sample documents, a signed sample webhook for
webhook connectors, a partner call for polling connectors), and inherits the suite::

    from connectors.contract import ConnectorContract, ContractSubject, SignedSample

    class TestAcmeContract(ConnectorContract):
        subject = ContractSubject(connector=connector, connection=..., documents=[...])

The checks are also plain functions (``check_capabilities``, ``check_normalize``,
``check_webhook``, ``check_no_secret_leaks``, ``check_partner_retries``) for tests that want
one of them on other fixtures. ``tests/unit/test_contract_all.py`` fails while a discovered
connector has no ``tests/test_contract.py``.

What is checked:

- capabilities: declared exactly when the matching ``hub.sdk`` protocol is implemented;
- normalize: deterministic and idempotent (the same documents twice give equal orders, one
  at a time the same as all at once), every order valid (``check``, UTC, the ``POST /orders``
  schema) and on the connection's channel; a bad document is a ``MappingError`` (quarantined)
  or gives valid orders, never another exception;
- webhooks: the signed sample verifies; one changed body byte, a missing or empty signature,
  and a wrong secret raise ``SignatureError``; ``describe`` gives a stable dedupe key;
- secrets: no secret value of the connection (nor a valid signature of a bad request) in
  ``repr(connection)``, in the text or traceback of any exception ``verify``, ``describe`` or
  ``normalize`` raise on bad input, nor in any log record they write;
- partner calls (respx): 429 and 5xx retried, timeouts retried, other 4xx fatal at once, and
  error texts without the partner's body or headers.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import msgspec
import pytest
import respx

from hub.domain.order import OrderData, check, normalise
from hub.sdk import (
    BuysLabels,
    Capability,
    ChannelOrder,
    Connection,
    Connector,
    FatalError,
    FulfilsOrders,
    MappingError,
    PartnerHttp,
    PollsOrders,
    PollsShipments,
    PushesShipments,
    PushesStock,
    ReadsStock,
    ReceivesEvents,
    ReceivesWebhooks,
    RetriableError,
    SignatureError,
    WebhookRequest,
    hmac_sha256_base64,
    hmac_sha256_hex,
)

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
}
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
#: put in partner answers' bodies and headers; must never reach an error text
PARTNER_MARKER = "partner-private-7f3a9c"
RETRIED_STATUSES = (429, 500, 502, 503, 504)
FATAL_STATUSES = (400, 401, 403, 404, 422)


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


def _normalize(subject: ContractSubject, documents: list[bytes]) -> list[ChannelOrder]:
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
    first = _normalize(subject, subject.documents)
    second = _normalize(subject, subject.documents)
    assert first, "the sample documents gave no orders"
    assert first == second, "normalize gave other orders the second time"
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    one_by_one = [r for doc in subject.documents for r in _normalize(subject, [doc])]
    assert one_by_one == first, "documents one at a time give other orders than all at once"
    for reported in first:
        check_order(reported, subject.connection.code)


def check_bad_documents(subject: ContractSubject) -> None:
    """A document that is not an order is a MappingError (quarantined), never another error."""
    for document in subject.bad_documents:
        try:
            reported = _normalize(subject, [document])
        except MappingError:
            continue
        except Exception as exc:
            raise AssertionError(
                f"normalize({document[:40]!r}) raised {type(exc).__name__}, not MappingError"
            ) from exc
        for r in reported:
            check_order(r, subject.connection.code)


# --------------------------------------------------------------------------- webhooks


def _with(
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
            connector.verify(conn, _with(request, body=flip_byte(body, index)))
    with pytest.raises(SignatureError):
        connector.verify(conn, _with(request, body=body + b" "))
    for missing in (None, "", " "):
        with pytest.raises(SignatureError):
            connector.verify(conn, _with(request, **{sample.signature_header: missing}))
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


# --------------------------------------------------------------------------- secrets


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log record (DEBUG and up) written inside the block, formatted with tracebacks."""
    lines: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = _Keep(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def exception_text(exc: BaseException) -> str:
    """What a log line could show of ``exc``: the message, repr and args of it and its chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [*traceback.format_exception_only(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "".join(parts)


def _signatures(secrets: list[str], body: bytes) -> list[str]:
    """Valid signatures of ``body`` in the usual encodings: an error must not tell them."""
    return [f(s, body) for s in secrets for f in (hmac_sha256_base64, hmac_sha256_hex)]


def _bad_requests(sample: SignedSample, secrets: list[str]) -> list[WebhookRequest]:
    request, header = sample.request, sample.signature_header
    bad = [
        _with(request, body=flip_byte(request.body, len(request.body) // 2)),
        _with(request, **{header: None}),
        _with(request, **{header: ""}),
        _with(request, **{header: "sha256=0000"}),
        _with(request, body=b"\x00\xff not json"),
        WebhookRequest(url=request.url, headers={}, body=b""),
    ]
    bad += [_with(request, body=request.body + b"\n", **{header: s}) for s in secrets]
    return bad


def _assert_clean(where: str, text: str, forbidden: list[str]) -> None:
    for value in forbidden:
        assert value not in text, f"{where} shows a secret or a valid signature:\n{text}"


def check_no_secret_leaks(subject: ContractSubject) -> None:
    """No secret in repr(connection), nor in exceptions or log lines on bad input."""
    conn = subject.connection
    secrets = [v for v in conn.secrets.values() if v]
    for text in (repr(conn), str(conn)):
        _assert_clean("repr(connection)", text, secrets)
    with captured_logs() as logs:
        if subject.webhook is not None:
            for request in _bad_requests(subject.webhook, secrets):
                forbidden = [*secrets, *_signatures(secrets, request.body)]
                with pytest.raises(SignatureError) as raised:
                    subject.connector.verify(conn, request)
                _assert_clean("verify's error", exception_text(raised.value), forbidden)
                try:
                    subject.connector.describe(conn, request)
                except Exception as exc:
                    _assert_clean("describe's error", exception_text(exc), forbidden)
        for document in subject.bad_documents if is_channel(subject.connector) else ():
            try:
                _normalize(subject, [document])
            except Exception as exc:
                _assert_clean("normalize's error", exception_text(exc), secrets)
    _assert_clean("a log line", "\n".join(logs), secrets)


# --------------------------------------------------------------------------- partner calls

ATTEMPTS = 3


async def run_partner_call(
    partner: PartnerCall, failures: list[httpx.Response | type[httpx.TimeoutException]]
) -> tuple[object, int]:
    """Make the call once, the first answers at ``partner.url`` being ``failures``.

    Returns what the call returned or raised, and how many requests reached ``partner.url``.
    """
    seen = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        if seen > len(failures):
            return partner.respond(request)
        failure = failures[seen - 1]
        if isinstance(failure, httpx.Response):
            return failure
        raise failure("timed out", request=request)

    async with respx.mock(assert_all_called=False) as router:
        router.route(method=partner.method, url__startswith=partner.url).mock(side_effect=answer)
        if partner.other_routes is not None:
            partner.other_routes(router)
        async with httpx.AsyncClient() as client:
            http = PartnerHttp(client, attempts=ATTEMPTS, max_wait=5.0, backoff=0.001)
            try:
                outcome: object = await partner.call(http)
            except Exception as exc:
                outcome = exc
    return outcome, seen


def failing(status: int) -> httpx.Response:
    """A partner's error answer with private data in its body and headers."""
    return httpx.Response(
        status,
        headers={"x-request-id": PARTNER_MARKER, "set-cookie": f"session={PARTNER_MARKER}"},
        json={"error": "nope", "customer": {"email": f"{PARTNER_MARKER}@example.com"}},
    )


def _assert_no_partner_data(exc: BaseException) -> None:
    text = exception_text(exc)
    assert PARTNER_MARKER not in text, f"an error carries the partner's body or headers:\n{text}"


async def check_partner_retries(partner: PartnerCall) -> None:
    """429, 5xx and timeouts are retried; other 4xx are fatal at once; errors stay clean."""
    for failure in [*(failing(s) for s in RETRIED_STATUSES), httpx.ReadTimeout]:
        outcome, seen = await run_partner_call(partner, [failure])
        what = getattr(failure, "status_code", failure)
        assert not isinstance(outcome, BaseException), f"{what} then OK raised {outcome!r}"
        assert seen >= 2, f"{what} was not retried"
    for status in FATAL_STATUSES:
        outcome, seen = await run_partner_call(partner, [failing(status)])
        assert seen == 1, f"{status} was retried ({seen} requests)"
        assert isinstance(outcome, FatalError), f"{status} gave {outcome!r}, not a FatalError"
        _assert_no_partner_data(outcome)
    outcome, seen = await run_partner_call(partner, [failing(503) for _ in range(ATTEMPTS)])
    assert isinstance(outcome, RetriableError), f"503 every time gave {outcome!r}"
    assert seen == ATTEMPTS, f"{seen} requests for {ATTEMPTS} attempts"
    _assert_no_partner_data(outcome)


# --------------------------------------------------------------------------- the suite


class ConnectorContract:
    """The suite a connector's ``tests/test_contract.py`` inherits (as ``class Test...``).

    A warehouse or carrier connector (no ``normalize``) inherits it too: the order checks
    skip, the webhook checks run for ``receive_events`` as for ``receive_webhook``."""

    subject: ClassVar[ContractSubject]

    def _declares(self, capability: Capability) -> bool:
        return capability in self.subject.connector.capabilities

    def test_capabilities_match_the_protocols(self) -> None:
        check_capabilities(self.subject.connector)

    def _channel_only(self) -> None:
        if not is_channel(self.subject.connector):
            pytest.skip("not a sales channel: maps no orders")

    def _webhooks_only(self) -> None:
        if not self.subject.connector.capabilities & {
            Capability.RECEIVE_WEBHOOK,
            Capability.RECEIVE_EVENTS,
        }:
            pytest.skip("does not receive webhooks")

    def test_normalize_is_deterministic_and_gives_valid_orders(self) -> None:
        self._channel_only()
        check_normalize(self.subject)

    def test_a_bad_document_is_a_mapping_error(self) -> None:
        self._channel_only()
        check_bad_documents(self.subject)

    def test_no_secret_in_errors_logs_or_repr(self) -> None:
        check_no_secret_leaks(self.subject)

    def test_webhook_signature(self) -> None:
        self._webhooks_only()
        check_webhook(self.subject)

    def test_webhook_dedupe_key_is_stable(self) -> None:
        self._webhooks_only()
        check_describe(self.subject)

    async def test_partner_calls_retry_on_429_and_5xx_only(self) -> None:
        if self.subject.partner_call is None:
            assert not self._declares(Capability.POLL_ORDERS), (
                "a polling connector must supply a partner_call for the retry check"
            )
            pytest.skip("makes no partner call of its own")
        await check_partner_retries(self.subject.partner_call)
