"""What returns read of the configured connections: each channel's policy, whether its
connector refunds, which channel a location is offered to, the label-buying connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.connections import NotConfigured
from hub.domain.order import FieldError
from hub.domain.returns import ReturnPolicy
from hub.errors import Unprocessable
from hub.sdk import BuysLabels, PushesStock, RefundsOrders


def policy_of(connections: Any) -> Callable[[str], ReturnPolicy]:
    """A channel's return policy (its ``return_*`` settings; the defaults without any)."""
    return lambda channel: connections.hub_settings(channel).return_policy()


def return_location(connections: Any) -> Callable[[str], str | None]:
    return lambda channel: connections.hub_settings(channel).return_location


def sends_refunds(connections: Any) -> Callable[[str], bool]:
    """Does the channel's connector refund (``hub.sdk.RefundsOrders``)?"""

    def check(channel: str) -> bool:
        try:
            connections.require(channel, RefundsOrders)
        except NotConfigured:
            return False
        return True

    return check


def offered_to(connections: Any) -> Callable[[str], str | None]:
    """The first channel whose stock pushes count ``location`` (None: no channel's do)."""

    def find(location: str) -> str | None:
        for c in connections.all():
            settings = connections.hub_settings(c.code)
            if not settings.stock_push or not isinstance(connections.connector(c), PushesStock):
                continue
            if settings.stock_locations is None or location in settings.stock_locations:
                return str(c.code)
        return None

    return find


def label_connection(connections: Any, asked: str | None) -> str | None:
    """The connection that buys the return label: the one asked (which must buy labels),
    else the only one configured, else None (no label is bought)."""
    found = [c.code for c in connections.all() if isinstance(connections.connector(c), BuysLabels)]
    if asked is not None and asked not in found:
        reason = "not a label-buying connection"
        raise Unprocessable(f"carrier_connection: {asked!r} is {reason}",
                            [FieldError("carrier_connection", reason)])  # fmt: skip
    if asked is not None:
        return asked
    if len(found) > 1:
        reason = f"choose one of {', '.join(found)}"
        raise Unprocessable(f"carrier_connection: {reason}",
                            [FieldError("carrier_connection", reason)])  # fmt: skip
    return found[0] if found else None
