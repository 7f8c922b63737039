"""The contract's check of return and refund reports (``hub.sdk.ReportsReturns``)."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from hub.sdk import (
    RETURN_REASONS,
    RETURN_STATES,
    ChannelReturn,
    PartnerHttp,
    ReportedRefund,
)
from hub.sdk.testing.subject import ContractSubject


def _valid(report: Any) -> None:
    if isinstance(report, ChannelReturn):
        assert report.return_id, "a ChannelReturn without its return_id"
        assert report.state in RETURN_STATES, f"state {report.state!r} is not a return state"
        for line in report.lines:
            assert line.quantity >= 1, f"a return line of {line.quantity} units"
            assert line.line_id or line.sku, "a return line names neither line_id nor sku"
            assert line.reason in RETURN_REASONS, f"reason {line.reason!r} is not a hub code"
        return
    assert isinstance(report, ReportedRefund), f"not a return report: {type(report).__name__}"
    assert report.refund_id and report.order_id, "a ReportedRefund without its ids"
    assert isinstance(report.amount, int) and report.amount > 0, "a refund's amount is > 0"
    assert len(report.currency) == 3 and report.currency.isupper(), report.currency


async def check_return_reports(subject: ContractSubject) -> None:
    """Each sample is a return topic and maps the same way twice to valid reports; a bad
    body is refused with a ValueError (a ``MappingError``: quarantined) or gives valid ones."""
    connector, conn = subject.connector, subject.connection
    assert subject.return_reports, "a connector that reports returns supplies return_reports"
    async with httpx.AsyncClient() as client:
        http = PartnerHttp(client, attempts=1)
        for body, topic in subject.return_reports:
            assert connector.reports_returns(topic), f"{topic!r} is not a return topic"
            first = await connector.returns_from_message(conn, body, topic, http)
            assert first, f"the {topic!r} sample reports nothing"
            assert first == await connector.returns_from_message(conn, body, topic, http)
            for report in first:
                _valid(report)
        for topic in {t for _, t in subject.return_reports}:
            for bad in subject.bad_documents:
                try:
                    got = await connector.returns_from_message(conn, bad, topic, http)
                except (ValueError, msgspec.MsgspecError):
                    continue
                for report in got:
                    _valid(report)
