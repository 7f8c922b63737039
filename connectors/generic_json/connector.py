"""The generic JSON webhook connector: a partner that POSTs JSON with an HMAC header.

Such a partner is added with a mapping file and a connection entry, no Python. The
connection's settings name the mapping and say where the signature, delivery id, topic and
(against replays) send time travel (see ``settings.py`` and ``webhooks.py``); its secret
``webhook_secret`` is the HMAC key.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec

from connectors.generic_json import webhooks
from connectors.generic_json.settings import GenericJsonSettings, parse_settings
from hub.sdk import (
    Capability,
    ChannelOrder,
    Connection,
    FatalError,
    MappingError,
    OrderMapping,
    PartnerHttp,
    WebhookInfo,
    WebhookRequest,
    load_default,
)

SECRET_NAME = "webhook_secret"  # noqa: S105 - the name of the secret, not a secret


def _mapping(name: str) -> OrderMapping:
    try:
        return load_default().get(name)
    except KeyError as exc:
        raise FatalError(f"generic_json: {exc.args[0]}") from None
    except FileNotFoundError as exc:
        raise FatalError(f"generic_json: {exc}") from None


def _documents(raw: bytes, mapping: str) -> list[Any]:
    """The order objects in one body: a JSON object, or a JSON array of them."""
    try:
        document = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise MappingError(mapping, "document", f"not JSON: {exc}") from None
    items = document if isinstance(document, list) else [document]
    if not all(isinstance(item, dict) for item in items):
        raise MappingError(mapping, "document", "expected a JSON object or an array of objects")
    return items


class GenericJsonConnector:
    name = "generic_json"
    settings_type = GenericJsonSettings
    capabilities = frozenset({Capability.RECEIVE_WEBHOOK})

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def verify(self, connection: Connection, request: WebhookRequest) -> None:
        """Raise SignatureError unless the HMAC-SHA256 header matches the raw body (and, with
        ``timestamp_header`` set, the delivery's time is within the tolerance of now)."""
        settings = parse_settings(connection.settings)
        try:
            secret = connection.secret(SECRET_NAME)
        except KeyError as exc:
            raise FatalError(str(exc.args[0])) from None
        webhooks.verify(settings, secret, request, now=self._clock())

    def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
        """The partner's delivery id when it sends one, else a digest of the body."""
        settings = parse_settings(connection.settings)
        dedupe = request.header(settings.dedupe_header) if settings.dedupe_header else None
        if not dedupe:
            dedupe = "sha256:" + hashlib.sha256(request.body).hexdigest()
        topic = request.header(settings.topic_header) if settings.topic_header else None
        return WebhookInfo(dedupe_key=dedupe, topic=topic)

    async def orders_from_message(
        self, connection: Connection, body: bytes, topic: str | None, http: PartnerHttp
    ) -> list[ChannelOrder]:
        return self.normalize([body], channel=connection.code, settings=connection.settings)

    def normalize(
        self, documents: list[bytes], *, channel: str, settings: Mapping[str, Any] | None = None
    ) -> list[ChannelOrder]:
        """Each JSON body (one order object or an array of them) through the settings' mapping."""
        mapping = _mapping(parse_settings(settings).mapping)
        return list(self._orders(mapping, documents, channel))

    def _orders(
        self, mapping: OrderMapping, documents: list[bytes], channel: str
    ) -> Iterator[ChannelOrder]:
        for i, raw in enumerate(documents, 1):
            items = _documents(raw, mapping.name)
            for j, item in enumerate(items, 1):
                try:
                    yield mapping.to_order(item, channel=channel)
                except MappingError as exc:
                    if len(documents) == 1 and len(items) == 1:
                        raise
                    where = f"document {i} of {len(documents)}, order {j} of {len(items)}"
                    raise MappingError(exc.mapping, exc.field, f"{exc.reason} ({where})") from None
