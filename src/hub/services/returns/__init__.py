"""Returns (RMA): opened by an operator, the buyer (the tracking page's form) or a channel;
checked against the channel's policy; authorised with a return label; received and graded
at any location (sellable back into every channel's stock, refurbish aside, damaged
written off); refunded to the channel once, and recorded as a payment transaction.

- ``opening``: a return opened (lines checked against what shipped, the policy);
- ``decisions``: authorise (and queue the label), reject, cancel, close;
- ``labels``: ``return.label``, the return label bought (EasyPost ``is_return``);
- ``receiving``: units received and graded into the stock ledger;
- ``refunds``, ``channel_refund``: the refund decided, ``return.refund`` sent and recorded;
- ``exchange``: an exchange's replacement order, held until the return is received;
- ``tracking``: the return parcel followed through the carrier's tracking news;
- ``buyer_form``: the buyer's form on the public tracking page;
- ``views``: what the API shows.
"""

from __future__ import annotations

import msgspec

from hub.sdk import Parcel
from hub.services.jobs import JobContext, JobRegistry
from hub.services.returns import channel_refund, labels
from hub.services.returns.decisions import LABEL_JOB
from hub.services.returns.refunds import REFUND_JOB
from hub.store.jobs import Job

KINDS = (LABEL_JOB, REFUND_JOB)


async def _label(ctx: JobContext, job: Job) -> None:
    parcel = msgspec.convert(job.payload["parcel"], Parcel)
    await labels.buy_return_label(ctx, job.payload["return_id"], job.payload["connection"], parcel)


def register(registry: JobRegistry) -> None:
    """The return job kinds: both effects at a partner, retried on the partner schedule."""
    registry.register(LABEL_JOB, _label, outbound=True)
    registry.register(REFUND_JOB, channel_refund.handle_refund_job, outbound=True)
