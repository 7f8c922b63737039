"""Stock out to every channel: coalesced, batched, rate-limited, retried and recorded.

The path of one stock change::

    movement transaction --- marks the SKU dirty, enqueues ``stock.fanout`` (one waiting)
                             (fanout.stock_changed)
    stock.fanout (local) --- dirty SKUs (and bundles made of them) -> one pending row per
                             (connection, SKU) that connection lists; one ``stock.push``
                             job waiting per connection (fanout.fan_out)
    stock.push           --- per connection: the oldest pending rows, up to its batch size;
                             each figure computed *now* (so only the newest is sent); one
                             partner call per batch; rows cleared only if nothing changed
                             them meanwhile (push.push)

Each connection has its own push job, token bucket and back-off: a channel that answers
429 or 5xx gets its figure later and no other channel waits for it. ``resync`` forces every
figure out now (the CLI); ``drift`` reads figures back and pushes what differs;
``schedule.enqueue_due`` is the worker's safety net; ``state`` is what the API shows;
``targets`` says who hears of stock and at what rate; ``jobs`` names the job kinds.

Connection settings (``hub.domain.settings.HubSettings``): ``stock_push``, ``stock_skus``,
``stock_calls_per_second`` and ``stock_burst`` (the token bucket; the connector's declared
``stock_calls_per_second`` otherwise), ``stock_batch_size`` (at most the connector's),
``stock_drift_minutes``.
"""

from __future__ import annotations

from typing import Any

from hub.services.stock_sync.drift import DRIFT_STREAM, DriftSummary, check_drift, handle_drift_job
from hub.services.stock_sync.fanout import OnDirty, fan_out, fanout_handler, stock_changed
from hub.services.stock_sync.jobs import DRIFT_JOB, FANOUT_JOB, JOB_ATTEMPTS, PUSH_JOB
from hub.services.stock_sync.push import PushSummary, handle_push_job, idempotency_key, push
from hub.services.stock_sync.resync import resync
from hub.services.stock_sync.schedule import Due, enqueue_due
from hub.services.stock_sync.state import drift_found, sync_state
from hub.services.stock_sync.targets import Target, figures, target, targets

__all__ = [
    "DRIFT_JOB",
    "DRIFT_STREAM",
    "FANOUT_JOB",
    "JOB_ATTEMPTS",
    "PUSH_JOB",
    "DriftSummary",
    "Due",
    "OnDirty",
    "PushSummary",
    "Target",
    "check_drift",
    "drift_found",
    "enqueue_due",
    "fan_out",
    "figures",
    "idempotency_key",
    "push",
    "register",
    "resync",
    "stock_changed",
    "sync_state",
    "target",
    "targets",
]


def register(registry: Any, connections: Any, on_dirty: OnDirty | None = None) -> None:
    """Register the stock sync job kinds (``jobs``) with their handlers."""
    registry.register_local(FANOUT_JOB, fanout_handler(connections, on_dirty))
    registry.register(PUSH_JOB, handle_push_job, outbound=True)
    registry.register(DRIFT_JOB, handle_drift_job)
