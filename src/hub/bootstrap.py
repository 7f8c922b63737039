"""The composition root: builds the hub's parts from settings. Nothing here runs at import."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

from hub import connections as connections_config
from hub import plugins
from hub.config import Settings
from hub.connections import DEFAULT_RELEASE_WHEN, Connections
from hub.domain.payments import ReleaseWhen
from hub.notifications.templates import Templates, check_templates
from hub.services import documents, forecast, returns, stock_sync
from hub.services import subscriptions as webhooks
from hub.services.complaints import channel_refund as complaint_refunds
from hub.services.complaints import hooks as complaint_hooks
from hub.services.complaints.stats import count_shipments
from hub.services.fulfilment import jobs as fulfilment_jobs
from hub.services.fulfilment import tracking as fulfilment_tracking
from hub.services.intake import messages, polling, return_reports
from hub.services.intake.accept import ACCEPT_JOB, accept_handler
from hub.services.intake.writer import OrderWriter
from hub.services.jobs import JobContext, JobRegistry, load_plugins
from hub.services.keys import KeyRing
from hub.services.notifications import send as notification_send
from hub.services.notifications.attachments import pdf_source
from hub.services.notifications.send import AttachmentSource, Mailer
from hub.services.notifications.tap import TAP_NAME, notification_tap
from hub.services.returns import channel_reports, exchange
from hub.services.returns import for_complaints as returns_for_complaints
from hub.services.returns import policy as returns_policy
from hub.services.returns import tracking as returns_tracking
from hub.services.routing import jobs as routing_jobs
from hub.services.routing.rules_source import RulesSource
from hub.services.routing.waits import retry_waiting_now
from hub.services.stock import Policy
from hub.store import documents as document_store
from hub.store.database import Database
from hub.store.event_taps import tap_events
from hub.worker import Worker


def stock_policy(connections: Connections | None) -> Callable[[str], Policy]:
    """A channel's policy for an order it cannot reserve: its connection's ``stock_policy``
    setting, ``hold`` (the default) or ``backorder``."""

    def policy(channel: str) -> Policy:
        return connections.hub_settings(channel).stock_policy if connections else "hold"

    return policy


def release_policy(connections: Connections | None) -> Callable[[str], ReleaseWhen]:
    """When a channel's orders may go to fulfilment: its connection's ``release_when``, or
    its connector's default (``paid`` without connections)."""

    def policy(channel: str) -> ReleaseWhen:
        return connections.release_when(channel) if connections else DEFAULT_RELEASE_WHEN

    return policy


@cache
def _checked_templates(root: str | None) -> Templates:
    return check_templates(Path(root) if root else None)


def templates(settings: Settings) -> Templates:
    """The buyer-mail templates (``HUB_TEMPLATES`` brand folders over the defaults), each
    loaded and rendered once per process: a broken one stops the start, naming file and line."""
    return _checked_templates(settings.templates_path)


def attachment_source() -> AttachmentSource | None:
    """Where an invoice mail's PDF comes from: the documents store."""
    return pdf_source(document_store.get_pdf)


def mailer(settings: Settings, connections: Connections) -> Mailer:
    found = Mailer.of(templates(settings), connections, settings)
    found.attachments = attachment_source()
    return found


def build_registry(
    settings: Settings, connections: Connections | None = None, mails: Mailer | None = None
) -> JobRegistry:
    registry = JobRegistry()
    known = connections or Connections([], {})
    notification_send.register(registry, mails or mailer(settings, known))
    tap_events(
        TAP_NAME, notification_tap(known.notify_events, max_attempts=settings.job_max_attempts)
    )
    rules = RulesSource(settings.routing_path)
    router = exchange.gate(
        routing_jobs.router(rules, release_policy(connections)), returns_policy.policy_of(known)
    )
    registry.register_local(ACCEPT_JOB, accept_handler(stock_policy(connections), router))
    registry.register(messages.PROCESS_JOB, messages.handle_process_job)
    registry.register(polling.POLL_JOB, polling.handle_poll_job)
    registry.register(polling.SHIPMENT_POLL_JOB, polling.handle_shipment_poll_job)
    registry.register(polling.RETURN_POLL_JOB, polling.handle_return_poll_job)
    stock_sync.register(registry, connections, retry_waiting_now)
    routing_jobs.register(registry, rules, release_policy(connections))
    fulfilment_jobs.register(registry, rules.get)
    forecast.register(registry)
    registry.closers.append(webhooks.register(registry, settings).aclose)
    tap_events("webhooks", webhooks.timeline_tap)
    returns.register(registry)
    documents.register(registry, connections)
    load_plugins(registry, settings.plugins)
    tap_events("complaint_figures", count_shipments)  # units shipped, for complaint rates
    complaint_hooks.open_returns_with(returns_for_complaints.opener(connections))
    complaint_hooks.sends_refunds_with(returns_policy.sends_refunds(known))
    complaint_refunds.register(registry)
    fulfilment_tracking.follow_also(returns_tracking.follow_return_parcels)
    return_reports.apply_with(channel_reports.applier(connections))
    return registry


def load_connections(settings: Settings, *, require_secrets: bool = True) -> Connections:
    return connections_config.load(
        settings.config_path, plugins.discover(), require_secrets=require_secrets
    )


@dataclass(slots=True)
class Hub:
    """Everything a request or a job needs, made once per process."""

    settings: Settings
    db: Database
    writer: OrderWriter
    keys: KeyRing
    registry: JobRegistry
    connections: Connections
    mailer: Mailer
    http: httpx.AsyncClient | None = field(default=None)
    _worker_stop: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _worker_task: asyncio.Task[None] | None = field(default=None, init=False)

    @classmethod
    def build(cls, settings: Settings, *, require_secrets: bool = True) -> Hub:
        """The hub of ``settings``; ``require_secrets=False`` for work that maps stored
        messages only (``hub inbound replay``): unset secrets are left out, not refused."""
        db = Database(settings.database_url)
        connections = load_connections(settings, require_secrets=require_secrets)
        mails = mailer(settings, connections)
        return cls(
            settings=settings,
            db=db,
            writer=OrderWriter(db, max_attempts=settings.job_max_attempts),
            keys=KeyRing(db, ttl=settings.key_cache_seconds),
            registry=build_registry(settings, connections, mails),
            connections=connections,
            mailer=mails,
        )

    def job_context(self) -> JobContext:
        return JobContext(
            db=self.db,
            settings=self.settings,
            connections=self.connections,
            http=self.http,
        )

    def worker(self) -> Worker:
        """A job worker on this hub's database, job kinds and pooled HTTP client."""
        return Worker(self.db, self.registry, self.settings, context=self.job_context())

    async def start(self, *, run_worker: bool = False) -> None:
        """Open the HTTP client and the order writer; with ``run_worker``, also run a job
        worker in this process until ``close``."""
        limit = self.settings.partner_timeout_seconds
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(limit, connect=min(10.0, limit)))
        await self.writer.start()
        if run_worker:
            self._worker_stop.clear()
            self._worker_task = asyncio.create_task(
                self.worker().run(self._worker_stop), name="hub-worker"
            )

    async def close(self) -> None:
        """Let the worker finish the jobs in hand, then close the writer, client and database."""
        try:
            if self._worker_task is not None:
                self._worker_stop.set()
                task, self._worker_task = self._worker_task, None
                await task
        finally:
            documents.unregister()
            await self.writer.stop()
            for close in self.registry.closers:
                await close()
            if self.http is not None:
                await self.http.aclose()
            await self.db.dispose()
