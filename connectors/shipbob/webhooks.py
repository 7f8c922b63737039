"""ShipBob's webhook signature (Standard Webhooks) and what a delivery's headers say.

ShipBob signs as Standard Webhooks says (``webhook-id``, ``webhook-timestamp``,
``webhook-signature`` = space-separated ``v1,<base64>``, key = the ``whsec_`` secret): the
check is ``hub.sdk.verify_standard_webhook``, with the connection's tolerance. A timestamp
further than that from now (either way) is refused, so a captured delivery cannot be
replayed.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.shipbob.events import TOPIC_STATUS
from hub.sdk import (
    Connection,
    SignatureError,
    WebhookInfo,
    WebhookRequest,
    verify_standard_webhook,
)

ID_HEADER = "webhook-id"
TOPIC_HEADER = "x-webhook-topic"
LEGACY_TOPIC_HEADER = "shipbob-topic"


def verify(
    connection: Connection, request: WebhookRequest, *, tolerance: int, now: Callable[[], float]
) -> None:
    """Raise SignatureError unless one ``v1`` signature matches and the timestamp is fresh."""
    secret = connection.secrets.get("webhook_secret")
    if not secret:
        raise SignatureError(
            f"shipbob connection {connection.code!r} lacks secret 'webhook_secret'"
        )
    verify_standard_webhook(request, [secret], tolerance=tolerance, now=now())


def describe(request: WebhookRequest) -> WebhookInfo:
    """Dedupe on ``webhook-id``; topic from ``x-webhook-topic`` (legacy: ``shipbob-topic``).

    Topics without shipment news (``return.*``, billing, ...) are acknowledged and ignored.
    """
    topic = request.header(TOPIC_HEADER) or request.header(LEGACY_TOPIC_HEADER) or None
    return WebhookInfo(
        dedupe_key=request.header(ID_HEADER) or None,
        topic=topic,
        ignore=topic is not None and topic.strip().lower() not in TOPIC_STATUS,
    )
