"""Where other features plug into complaints: ``return_required`` (the returns feature opens
the return a complaint's outcome asks for) and ``sends_refunds`` (which channels take a
``refund`` outcome from the hub).

Resolving a complaint with ``return_required`` calls the registered opener in the resolving
transaction with a ``ReturnRequired`` (the order, the lines, who and when); the id it gives
back is kept on the outcome (``return_id``). Registered from the composition root::

    hooks.open_returns_with(open_return_for_complaint)

With none registered the outcome and its lines are recorded and the return is opened by
hand (``POST /orders/{id}/returns``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from hub.domain.complaints import ComplaintLine


@dataclass(frozen=True, slots=True)
class ReturnRequired:
    complaint_id: str
    order_id: str
    lines: tuple[ComplaintLine, ...]
    actor: str
    at: datetime


Opener = Callable[[Connection, ReturnRequired], str | None]
_opener: list[Opener] = []


def open_returns_with(opener: Opener | None) -> None:
    """Open the return of every ``return_required`` outcome with ``opener`` (None: none)."""
    _opener[:] = [opener] if opener is not None else []


def return_required(conn: Connection, asked: ReturnRequired) -> str | None:
    """The return opened for ``asked`` (its id), or None when nothing opens returns yet."""
    return _opener[0](conn, asked) if _opener else None


#: does the channel take refunds from the hub (its connector ``hub.sdk.RefundsOrders``)?
SendsRefunds = Callable[[str], bool]
_sends_refunds: list[SendsRefunds] = []


def sends_refunds_with(check: SendsRefunds | None) -> None:
    """Send a ``refund`` outcome to the channel where ``check(channel)`` (None: record every
    refund by hand, as without connections)."""
    _sends_refunds[:] = [check] if check is not None else []


def sends_refunds(channel: str) -> bool:
    return bool(_sends_refunds) and _sends_refunds[0](channel)
