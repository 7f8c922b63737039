"""An order as a channel reports it: the canonical order plus the channel's view of its state."""

from __future__ import annotations

from typing import Literal

import msgspec

from hub.domain.order import OrderData

ChannelState = Literal["open", "cancelled", "fulfilled"]


class ChannelOrder(msgspec.Struct, frozen=True, kw_only=True):
    """A canonical order as a channel reports it, with the channel's view of its state."""

    order: OrderData
    state: ChannelState = "open"
    updated_at: str | None = None
