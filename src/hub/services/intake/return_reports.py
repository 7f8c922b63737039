"""Where the returns feature applies the return and refund reports a channel's message
carries (``hub.sdk.ReportsReturns``).

``inbound.process`` maps such a message with the connector and calls the registered
applier in the transaction that marks the message processed; ``ReportRefused`` from it
quarantines the message with the reason. Registered from the composition root (intake never
imports the returns feature, which reaches intake through complaints' reships)::

    return_reports.apply_with(channel_reports.applier(connections))

With none registered, such a message is quarantined ("returns are not applied here") and
can be replayed once they are.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from hub.sdk.returns import ChannelReport


class ReportRefused(ValueError):
    """A channel's report the hub cannot apply as it is: the message is quarantined."""


#: (conn, reports, channel, actor) -> the ids of the orders they touched
Applier = Callable[[Connection, list[ChannelReport], str, str], list[str]]
_applier: list[Applier] = []


def apply_with(applier: Applier | None) -> None:
    """Apply every channel's return and refund reports with ``applier`` (None: none)."""
    _applier[:] = [applier] if applier is not None else []


def apply_reports(
    conn: Connection, reports: list[ChannelReport], *, channel: str, actor: str
) -> list[str]:
    if not _applier:
        raise ReportRefused("returns and refunds a channel reports are not applied here")
    return _applier[0](conn, reports, channel, actor)
