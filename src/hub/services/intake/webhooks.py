"""A partner's webhook in: verify it, keep the raw payload once, queue its mapping.

The webhook is answered as soon as its raw bytes and its ``inbound.process`` job are
committed; the mapping runs in the job (``intake/messages``). The same delivery twice is one
message: the connector names its dedupe key (else the body's SHA-256 is the key). A bad
signature keeps nothing. Credentials among the headers are never kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from hub.clock import utcnow
from hub.connections import Connections, NotConfigured
from hub.domain import ids
from hub.errors import NotFound
from hub.sdk.connector import ReceivesWebhooks, VerifiesWebhooks, WebhookInfo, WebhookRequest
from hub.sdk.fulfilment import ReceivesEvents
from hub.services.intake.messages import queue_processing
from hub.store import inbound as store
from hub.store.database import Database

#: a webhook brings orders (a channel) or shipment and tracking events (a warehouse, a carrier)
RECEIVERS = (ReceivesWebhooks, ReceivesEvents)
#: headers never kept with a message (credentials, not evidence)
_DROP_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(frozen=True, slots=True)
class Received:
    status: str  # accepted, duplicate, ignored
    inbound_id: str | None = None


def receiver(connections: Connections, code: str) -> tuple[Any, VerifiesWebhooks]:
    """The connection ``code`` and its connector, if it takes webhooks; else ``NotFound``."""
    for protocol in RECEIVERS:
        with contextlib.suppress(NotConfigured):
            return connections.require(code, protocol)
    raise NotFound(f"no connection {code!r} that receives webhooks")


async def receive_webhook(
    db: Database,
    connector: VerifiesWebhooks,
    connection: Any,
    request: WebhookRequest,
    *,
    max_attempts: int,
) -> Received:
    """Verify (``SignatureError`` propagates: keep nothing), dedupe, store, enqueue."""
    connector.verify(connection, request)
    try:
        info = connector.describe(connection, request)
    except RecursionError:  # signed, yet nested too deeply to read: kept, quarantined on mapping
        info = WebhookInfo(dedupe_key=None)
    if info.ignore:
        return Received("ignored")
    dedupe = info.dedupe_key or "sha256:" + hashlib.sha256(request.body).hexdigest()
    message_id = ids.new_id()

    def keep(conn: Connection) -> bool:
        now = utcnow()
        kept = store.keep_sync(
            conn,
            message_id=message_id,
            connection=connection.code,
            source="webhook",
            dedupe_key=dedupe,
            topic=info.topic,
            body=request.body,
            headers=_keep_headers(request.headers),
            now=now,
        )
        if kept:
            queue_processing(conn, [message_id], now=now, max_attempts=max_attempts)
        return kept

    try:
        stored = await db.run_write(keep)
    except IntegrityError:  # the same delivery, committed by a concurrent request
        stored = False
    if not stored:
        return Received("duplicate")
    db.signal_jobs()
    return Received("accepted", message_id)


def _keep_headers(headers: dict[str, str]) -> str:
    kept = {k: v for k, v in headers.items() if k not in _DROP_HEADERS}
    return msgspec.json.encode(kept).decode()
