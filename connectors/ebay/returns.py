"""eBay post-order returns, polled: ``GET /post-order/v2/return/search`` to
``hub.sdk.ChannelReturn``.

The call: ``GET {base_url}/post-order/v2/return/search?creation_date_range_from&
creation_date_range_to&offset&limit&sort=FILING_DATE`` with the seller's OAuth user token as
``Authorization: IAF <token>`` (the post-order API's scheme). ``offset`` is the page number,
from 1; the answer is ``{members: [ReturnSummary], paginationOutput: {offset, limit,
totalEntries, totalPages}, total}``.

The search filters on creation dates only, so a window re-reads the returns created in the
last ``returns_lookback_days`` (default 30) before its lower bound: a return whose state
changed comes again, and each (return, state) is one message (the dedupe key), so an
unchanged one is kept once. The cursor is ``hub.sdk.WindowCursor``'s, as for orders.

State mapping (``summary.status``; ``STATES``): a request waiting for the seller ->
``requested``; READY_FOR_SHIPPING (accepted, label available) -> ``authorised``;
ITEM_SHIPPED and ITEM_DELIVERED -> ``in_transit`` (the hub receives and grades the parcel
at a location); RETURN_REJECTED -> ``rejected``; CLOSED -> ``closed``. An unknown status is a
``MappingError``: the message is quarantined, to be replayed once the table knows it.

A line is the order line whose ``lineItemId`` is the return's ``creationInfo.item.
transactionId`` (eBay's id of the purchase); eBay's reason (``ReturnReasonEnum``) maps to
the hub's codes (``REASONS``), kept as the channel's text with the buyer's comment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from connectors.ebay.settings import access_token, base_url
from hub.sdk import (
    ChannelReturn,
    ChannelReturnLine,
    Connection,
    MappingError,
    PartnerHttp,
    PolledMessage,
    PollResult,
    RetriableError,
    ReturnState,
    WindowCursor,
    utc_millis,
)

SEARCH_PATH = "/post-order/v2/return/search"
TOPIC = "ebay:return"
WHAT = "ebay return"
STATES: dict[str, ReturnState] = {
    "RETURN_REQUESTED": "requested",
    "RETURN_REQUESTED_TIMEOUT": "requested",
    "WAITING_FOR_RMA": "requested",
    "RETURN_LABEL_REQUESTED": "requested",
    "WAITING_FOR_RETURN_LABEL": "requested",
    "PARTIAL_REFUND_REQUESTED": "requested",
    "PARTIAL_REFUND_DECLINED": "requested",
    "PARTIAL_REFUND_FAILED": "requested",
    "ESCALATED": "requested",
    "READY_FOR_SHIPPING": "authorised",
    "ITEM_SHIPPED": "in_transit",
    "ITEM_DELIVERED": "in_transit",
    "RETURN_REJECTED": "rejected",
    "CLOSED": "closed",
}
REASONS = {
    "ARRIVED_DAMAGED": "damaged",
    "DEFECTIVE_ITEM": "defective",
    "NOT_AS_DESCRIBED": "not_as_described",
    "MISSING_PARTS": "not_as_described",
    "WRONG_ITEM": "wrong_item",
    "WRONG_SIZE": "size_or_fit",
    "DOES_NOT_FIT": "size_or_fit",
    "NO_LONGER_NEED_ITEM": "no_longer_needed",
    "CHANGED_MIND": "no_longer_needed",
    "FOUND_BETTER_PRICE": "no_longer_needed",
    "ORDERED_ACCIDENTALLY": "no_longer_needed",
    "ARRIVED_LATE": "arrived_late",
    "NOT_AS_EXPECTED": "not_as_described",
}


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """Returns created in ``[since - lookback .. until]``, and the page to fetch next."""

    since: str
    until: str
    page: int = 1


CURSOR = WindowCursor(
    "ebay returns", Window, opens=lambda a, b: Window(since=a, until=b), time_format=utc_millis
)


class _Item(msgspec.Struct, frozen=True, rename="camel"):
    item_id: str | None = None
    transaction_id: str | None = None
    return_quantity: int = 1


class _Comments(msgspec.Struct, frozen=True):
    content: str | None = None


class _Creation(msgspec.Struct, frozen=True):
    item: _Item | None = None
    reason: str | None = None
    comments: _Comments | None = None


class _Summary(msgspec.Struct, frozen=True, rename="camel"):
    return_id: str
    order_id: str | None = None
    status: str | None = None
    state: str | None = None
    creation_info: _Creation | None = None


class _Pages(msgspec.Struct, frozen=True, rename="camel"):
    total_pages: int | None = None


class SearchPage(msgspec.Struct, frozen=True, rename="camel"):
    members: list[dict[str, Any]] = []
    pagination_output: _Pages | None = None


def _from(window: Window, lookback_days: int) -> str:
    since = datetime.fromisoformat(window.since.replace("Z", "+00:00"))
    return utc_millis(since - timedelta(days=lookback_days))


async def search(
    http: PartnerHttp, connection: Connection, window: Window, *, limit: int, lookback_days: int
) -> SearchPage:
    """One page of the returns created in the window (less the look-back)."""
    response = await http.get(
        base_url(connection) + SEARCH_PATH,
        params={
            "creation_date_range_from": _from(window, lookback_days),
            "creation_date_range_to": window.until, "offset": str(window.page),
            "limit": str(limit), "sort": "FILING_DATE",
        },
        headers={"Authorization": f"IAF {access_token(connection)}", "Accept": "application/json"},
    )  # fmt: skip
    try:
        return msgspec.json.decode(response.content, type=SearchPage)
    except msgspec.MsgspecError:
        raise RetriableError(f"GET {SEARCH_PATH}: the answer is not a return search page") from None


def messages_of(page: SearchPage) -> list[PolledMessage]:
    """One message per return, keyed by its id and status (a new status: a new message)."""
    out = []
    for member in page.members:
        status = member.get("status") or member.get("state")
        key = f"return:{member.get('returnId')}:{status}"
        out.append(PolledMessage(dedupe_key=key, body=msgspec.json.encode(member), topic=TOPIC))
    return out


def to_channel_return(body: bytes) -> ChannelReturn:
    """One return summary as the search gave it; ``MappingError`` when it cannot be read."""
    try:
        ret = msgspec.json.decode(body, type=_Summary)
    except msgspec.MsgspecError as exc:
        raise MappingError(WHAT, "body", str(exc)) from None
    status = ret.status or ret.state or ""
    if status not in STATES:
        raise MappingError(WHAT, "status", f"{status!r} is not a known eBay return status")
    if not ret.order_id:
        raise MappingError(WHAT, "orderId", "missing")
    created = ret.creation_info or _Creation()
    item = created.item
    if item is None or not item.transaction_id:
        raise MappingError(WHAT, "creationInfo.item.transaction_id", "missing")
    raw = created.reason or "OTHER"
    comment = created.comments.content if created.comments else None
    line = ChannelReturnLine(
        line_id=item.transaction_id, quantity=item.return_quantity,
        reason=REASONS.get(raw, "other"),  # type: ignore[arg-type]
        reason_text=" / ".join(w for w in (raw, comment) if w),
    )  # fmt: skip
    return ChannelReturn(
        return_id=ret.return_id, order_id=ret.order_id, state=STATES[status],
        channel_state=status, lines=[line], note=f"eBay return {ret.return_id}",
    )  # fmt: skip


async def poll(
    connection: Connection, cursor: str | None, http: PartnerHttp, *, until: str,
    start: datetime | None, limit: int, lookback_days: int,
) -> PollResult:  # fmt: skip
    """One page of the window; ``more`` while it has pages left."""
    window = CURSOR.window(cursor, start=start, until=until)
    if window.page == 1 and window.since >= window.until:
        return PollResult(messages=[], cursor=window.since)
    page = await search(http, connection, window, limit=limit, lookback_days=lookback_days)
    pages = page.pagination_output.total_pages if page.pagination_output else None
    if page.members and pages is not None and window.page < pages:
        following = msgspec.structs.replace(window, page=window.page + 1)
        return PollResult(messages=messages_of(page), cursor=CURSOR.encode(following), more=True)
    return PollResult(messages=messages_of(page), cursor=window.until)
