"""A refund made on its channel, for the jobs that send one (a return's, a complaint's): the
channel's connector refunds, or finds the refund it made before for the same reference, so a
job retried after a lost answer refunds once."""

from __future__ import annotations

from hub.connections import NotConfigured
from hub.sdk import ChannelRefund, RefundSent, RefundsOrders, RetriableError
from hub.services.jobs import FatalJobError, JobContext, RetryLater


async def refund_on_channel(ctx: JobContext, channel: str, refund: ChannelRefund) -> RefundSent:
    """Refund on ``channel`` through its connector. A channel that cannot refund (or is not
    configured) fails the job for good; an answer that may change later retries it."""
    try:
        connection, connector = ctx.connections.require(channel, RefundsOrders)
    except NotConfigured as exc:
        raise FatalJobError(str(exc)) from None
    try:
        return await connector.refund_order(
            connection,
            refund,
            ctx.partner_http(connection.code, attempts=1),  # a lost answer: the job asks first
        )
    except RetriableError as exc:
        raise RetryLater.after(exc) from None
