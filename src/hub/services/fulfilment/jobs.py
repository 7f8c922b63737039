"""Every job kind of fulfilment, its payload and its handler, registered in one place.

=====================  =================================  ==========================
kind                   payload                            handler
=====================  =================================  ==========================
``fulfilment.send``    fulfilment_id                      ``dispatch.send``
``fulfilment.cancel``  fulfilment_id                      ``dispatch.cancel_at_partner``
``fulfilment.label``   fulfilment_id, connection, parcel  ``labels.buy_label``
``shipment.push``      shipment_id                        ``channel_push.push_shipment``
=====================  =================================  ==========================

Each is an effect at a partner, run one job at a time and retried by the worker on the
partner schedule (``outbound``: for ``HUB_PARTNER_RETRY_HOURS``, 24 h by default).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from hub.domain.routing import RuleSet
from hub.sdk import Parcel
from hub.services.fulfilment import channel_push, dispatch, labels
from hub.services.jobs import Handler, JobContext, JobRegistry
from hub.store.jobs import Job

KINDS = (dispatch.SEND_JOB, dispatch.CANCEL_JOB, labels.LABEL_JOB, channel_push.PUSH_JOB)


async def _send(ctx: JobContext, job: Job) -> None:
    await dispatch.send(ctx, job.payload["fulfilment_id"])


async def _cancel(ctx: JobContext, job: Job) -> None:
    await dispatch.cancel_at_partner(ctx, job.payload["fulfilment_id"])


async def _push(ctx: JobContext, job: Job) -> None:
    await channel_push.push_shipment(ctx, job.payload["shipment_id"])


def _label(rules: Callable[[], RuleSet]) -> Handler:
    async def run(ctx: JobContext, job: Job) -> None:
        parcel = msgspec.convert(job.payload["parcel"], Parcel)
        await labels.buy_label(
            ctx, job.payload["fulfilment_id"], job.payload["connection"], parcel, rules()
        )

    return run


def register(registry: JobRegistry, rules: Callable[[], RuleSet]) -> None:
    """``rules``: the routing rules as they are now (labels buy what they allow)."""
    registry.register(dispatch.SEND_JOB, _send, outbound=True)
    registry.register(dispatch.CANCEL_JOB, _cancel, outbound=True)
    registry.register(labels.LABEL_JOB, _label(rules), outbound=True)
    registry.register(channel_push.PUSH_JOB, _push, outbound=True)
