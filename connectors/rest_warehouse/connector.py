"""A generic REST warehouse: fulfilments out as mapped JSON, shipments back by signed webhooks,
all driven by a mapping file (``mappings/warehouse/<name>.yaml``), no Python per warehouse.

Not a sales channel: no ``normalize``. Capabilities ``fulfil`` and ``receive_events``.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from connectors.rest_warehouse import webhooks
from connectors.rest_warehouse.events import reports_from_body
from connectors.rest_warehouse.expressions import (
    Expr,
    ExpressionError,
    TemplateError,
    render,
    search,
)
from connectors.rest_warehouse.mapping import WarehouseMapping, load_mapping
from connectors.rest_warehouse.settings import (
    WHAT,
    RestWarehouseSettings,
    auth_headers,
    base_url,
    fill,
    parse_settings,
)
from hub.sdk import (
    Capability,
    Connection,
    FatalError,
    FulfilmentAccepted,
    FulfilmentRequest,
    MappingError,
    PartnerEvent,
    PartnerHttp,
    RetriableError,
    WebhookInfo,
    WebhookRequest,
)

_ENCODER = msgspec.json.Encoder(decimal_format="number")


def _mapping(settings: RestWarehouseSettings) -> WarehouseMapping:
    """The connection's mapping; for a partner call, a broken one is a FatalError."""
    try:
        return load_mapping(settings.mapping)
    except MappingError as exc:
        raise FatalError(f"{WHAT} mapping: {exc}") from None


class _Api:
    """One connection's calls: base URL, auth headers and the HTTP helper."""

    def __init__(self, connection: Connection, settings: RestWarehouseSettings, http: PartnerHttp):
        self.base = base_url(connection)
        self.headers = {"Accept": "application/json", **auth_headers(connection, settings)}
        self.settings = settings
        self.http = http

    def url(self, template: str, **values: str) -> str:
        return self.base + fill(template, **values)


def _json(response: httpx.Response, what: str) -> Any:
    """A 2xx answer's JSON (None when empty); anything else is most likely a proxy's page."""
    if not response.content.strip():
        return None
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        raise RetriableError(f"{what}: the answer is not JSON") from None


def _ref(mapping: WarehouseMapping, expression: Expr, document: Any, what: str) -> str | None:
    """The partner's id for the fulfilment in an answer (None: not there)."""
    try:
        value = search(expression.parsed, document)
    except ExpressionError as exc:
        raise FatalError(f"{mapping.where}: {expression.key}: {exc} ({what})") from None
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FatalError(
        f"{mapping.where}: {expression.key}: gave a {type(value).__name__}, not an id ({what})"
    )


class RestWarehouseConnector:
    """Any warehouse with a JSON API: create, cancel, and shipment webhooks, by mapping."""

    name = "rest_warehouse"
    settings_type = RestWarehouseSettings
    capabilities = frozenset({Capability.FULFIL, Capability.RECEIVE_EVENTS})

    # ------------------------------------------------------------------ fulfilment

    def request_body(self, connection: Connection, request: FulfilmentRequest) -> Any:
        """The JSON the mapping's ``request`` template gives for ``request`` (the bench's
        view of what would be sent)."""
        settings = parse_settings(connection.settings)
        return self._body(_mapping(settings), request)

    @staticmethod
    def _body(mapping: WarehouseMapping, request: FulfilmentRequest) -> Any:
        document = msgspec.to_builtins(request)
        try:
            return render(mapping.request, document, currency=request.currency)
        except TemplateError as exc:
            raise FatalError(
                f"{mapping.where}: {exc.key}: {exc.reason} (fulfilment {request.id})"
            ) from None

    async def create_fulfilment(
        self, connection: Connection, request: FulfilmentRequest, http: PartnerHttp
    ) -> FulfilmentAccepted:
        """POST the mapped JSON to ``create_path`` with ``Idempotency-Key``; the mapping's
        ``partner_ref`` reads the warehouse's id from the 2xx answer. On a duplicate answer
        (409 by default), or a 2xx answer without the id (empty, say), the order is looked
        up (``lookup_path``) and its id returned; when the lookup does not find it (yet),
        RetriableError: it is never taken as sent without the warehouse's id. A redirect is
        never success (``PartnerHttp``)."""
        settings = parse_settings(connection.settings)
        mapping = _mapping(settings)
        api = _Api(connection, settings, http)
        body = self._body(mapping, request)
        try:
            response = await http.post(
                api.url(settings.create_path, reference=request.id),
                headers={
                    **api.headers,
                    "Content-Type": "application/json",
                    "Idempotency-Key": request.idempotency_key,
                },
                content=_ENCODER.encode(body),
            )
        except FatalError as exc:
            if exc.status_code not in settings.duplicate_statuses:
                raise
            status, why = exc.status_code, "answered {status} to"
        else:
            answer = _json(response, "create")
            ref = _ref(mapping, mapping.partner_ref, answer, "create answer")
            if ref is not None:
                return FulfilmentAccepted(partner_ref=ref)
            status, why = response.status_code, "answered {status} without its id to"
        found = await self._lookup(api, mapping, request.id)
        if found is None:
            raise RetriableError(
                f"{WHAT}: the warehouse {why.format(status=status)} fulfilment {request.id} "
                "and does not list it yet",
                status_code=status,
            )
        return FulfilmentAccepted(partner_ref=found)

    async def cancel_fulfilment(
        self,
        connection: Connection,
        request: FulfilmentRequest,
        partner_ref: str | None,
        http: PartnerHttp,
    ) -> None:
        """POST ``cancel_path``. Without a partner ref the order is looked up first; none at
        the warehouse: nothing to cancel. A refusal (e.g. it has shipped) is a FatalError."""
        settings = parse_settings(connection.settings)
        api = _Api(connection, settings, http)
        if partner_ref is None:
            partner_ref = await self._lookup(api, _mapping(settings), request.id)
            if partner_ref is None:
                return
        try:
            await http.post(
                api.url(settings.cancel_path, reference=request.id, partner_ref=partner_ref),
                headers=api.headers,
            )
        except FatalError as exc:
            raise FatalError(
                f"{WHAT}: the warehouse refused to cancel fulfilment {request.id} "
                f"({exc.status_code})",
                status_code=exc.status_code,
            ) from None

    @staticmethod
    async def _lookup(api: _Api, mapping: WarehouseMapping, reference: str) -> str | None:
        response = await api.http.get(
            api.url(api.settings.lookup_path, reference=reference), headers=api.headers
        )
        return _ref(mapping, mapping.lookup_ref, _json(response, "lookup"), "lookup answer")

    # ------------------------------------------------------------------ webhooks

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """HMAC-SHA256 of the raw body under ``webhook_secret``, in ``signature_header``."""
        webhooks.verify(connection, parse_settings(connection.settings), request)

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        return webhooks.describe(parse_settings(connection.settings), request)

    async def events_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[PartnerEvent]:
        """The parcels a confirmation body reports, by the mapping's ``confirmation``. A body
        or mapping that cannot be read is a MappingError (the message is quarantined, and can
        be replayed once the mapping is fixed)."""
        settings = parse_settings(connection.settings)
        return list(reports_from_body(load_mapping(settings.mapping), body))
