"""Outbound webhooks (issue 13): subscriptions, the deliveries the timeline and other events
queue for them, and the outbox job that sends each one (``hub.subscriptions`` signs and
sends; this package wires it to the database, the outbox and the API)."""

from __future__ import annotations

from hub.config import Settings
from hub.services.jobs import JobRegistry
from hub.services.subscriptions.events import configure, emit_sync, timeline_tap, wants
from hub.services.subscriptions.send import DeliveryStream, Outbound
from hub.store.subscriptions import DELIVER_JOB


def register(registry: JobRegistry, settings: Settings) -> Outbound:
    """Register the delivery jobs (a stream, retried on the partner schedule); returns the
    process's ``Outbound`` (close it with the hub)."""
    configure(settings.webhook_cache_seconds)
    outbound = Outbound(settings)
    registry.register_stream(DELIVER_JOB, DeliveryStream(outbound), outbound=True)
    return outbound


__all__ = ["DELIVER_JOB", "Outbound", "emit_sync", "register", "timeline_tap", "wants"]
