"""A message's return and refund reports (``hub.sdk.ReportsReturns``), applied in order in
the caller's transaction: returns through ``from_channel``, refunds the channel made itself
through ``reported_refund``. ``applier`` is what the composition root registers with
``services/intake/return_reports``; ``ReportRefused`` quarantines the message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.domain.settings import HubSettings
from hub.sdk.returns import ChannelReport, ReportedRefund
from hub.services.intake.return_reports import Applier
from hub.services.returns import policy
from hub.services.returns.from_channel import apply_return
from hub.services.returns.opening import PolicyOf
from hub.services.returns.reported_refund import record_reported


def apply_reports(
    conn: Connection,
    reports: list[ChannelReport],
    *,
    channel: str,
    actor: str,
    policy_of: PolicyOf,
) -> list[str]:
    """Apply a message's return and refund reports, in order; the orders they touched."""
    order_ids = []
    for report in reports:
        if isinstance(report, ReportedRefund):
            order_ids.append(record_reported(conn, report, channel=channel, actor=actor))
        else:
            order_ids.append(
                apply_return(conn, report, channel=channel, actor=actor, policy_of=policy_of)
            )
    return sorted(set(order_ids))


def applier(connections: Any) -> Applier:
    """The applier for ``services/intake/return_reports``, with each channel's policy (the
    defaults' without connections)."""
    default = HubSettings().return_policy()
    policy_of = policy.policy_of(connections) if connections else (lambda _channel: default)

    def apply(
        conn: Connection, reports: list[ChannelReport], channel: str, actor: str
    ) -> list[str]:
        return apply_reports(conn, reports, channel=channel, actor=actor, policy_of=policy_of)

    return apply
