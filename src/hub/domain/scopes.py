"""What an API key may do: the scopes, what each implies, and whose data it reaches. Pure.

Scopes name a resource and ``read`` or ``write``; the README's "Keys and scopes" table lists
the routes each one may call (and ``tests/e2e/test_scopes.py`` walks every route to prove it):

- ``admin``: everything (jobs, inbound messages, adding locations; keys are made by the CLI).
- ``orders:read`` / ``orders:write``: orders of every channel, and their fulfilments.
- ``fulfilment:read`` / ``fulfilment:write``: fulfilments of every channel (the work list,
  shipments, labels), with the ship-to address the warehouse needs; not the orders.
- ``stock:read`` / ``stock:write``: levels, movements, locations, stock sync and drift.
- ``catalog:read`` / ``catalog:write``: SKUs, listings, aliases, bundles.
- ``connections:read``: the configured connections and their health.
- ``payments:write``: record a payment or refund by hand on any channel's order (cash, a
  bank transfer, a card terminal's slip); nothing else, not even reading the order.
- ``returns:read`` / ``returns:write``: returns of every channel's orders: open, authorise,
  receive and grade, refund, close.
- ``complaints:read`` / ``complaints:write``: complaints of every channel's orders, their
  figures (``GET /complaints/stats``); write: open, answer, resolve (refund, reship,
  voucher, return) and reject them.
- ``notifications:read``: the buyer mails (``/notifications``): recipient, subject, parts.
- ``documents:read`` / ``documents:write``: invoices, receipts and credit notes of every
  channel (an accountant's key reads them, their PDFs and the lists); write issues an
  invoice or a credit note by hand.
- ``channel:<code>``: a channel's own key: create, read and change *that channel's* orders
  and read their fulfilments; open complaints on them and read those. Nothing of other
  channels, no stock, no catalog.
- ``ats:read``: only beside ``channel:<code>``: that channel's available to sell for a SKU
  (``GET /stock/{sku}/ats``), one figure and its pooled terms, nothing per location.

A write scope implies the read scope of its resource (a warehouse that confirms shipments
reads its work list); ``orders:read`` implies ``fulfilment:read`` (a fulfilment is part of
an order); ``stock:read`` reads every channel's ATS; ``admin`` implies every scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import msgspec

#: scope -> the scopes it implies (the closure is taken, so chains work).
IMPLIES: dict[str, frozenset[str]] = {
    "orders:write": frozenset({"orders:read"}),
    "orders:read": frozenset({"fulfilment:read"}),
    "fulfilment:write": frozenset({"fulfilment:read"}),
    "stock:write": frozenset({"stock:read"}),
    "stock:read": frozenset({"ats:read"}),
    "catalog:write": frozenset({"catalog:read"}),
    "returns:write": frozenset({"returns:read"}),
    "complaints:write": frozenset({"complaints:read"}),
    "documents:write": frozenset({"documents:read"}),
}
FIXED_SCOPES = frozenset(
    {"admin", "connections:read", "payments:write", "notifications:read", *IMPLIES}.union(
        *IMPLIES.values()
    )
)
#: what ``channel:<code>`` grants, for that channel's data only.
CHANNEL_GRANTS = frozenset(
    {"orders:read", "orders:write", "fulfilment:read", "complaints:read", "complaints:write"}
)
#: granted only together with ``channel:<code>``, for that channel only.
CHANNEL_ONLY = frozenset({"ats:read"})
_CHANNEL_SCOPE = re.compile(r"^channel:[a-z0-9][a-z0-9_-]{0,63}$")


class ScopeError(ValueError):
    """A list of scopes a key cannot have."""


def closure(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes and everything they imply; ``admin`` implies every fixed scope."""
    found = set(scopes)
    if "admin" in found:
        return FIXED_SCOPES
    todo = list(found)
    while todo:
        for implied in IMPLIES.get(todo.pop(), ()):
            if implied not in found:
                found.add(implied)
                todo.append(implied)
    return frozenset(found)


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, sorted and without repeats; ScopeError names the first that is wrong."""
    checked = sorted(set(scopes))
    if not checked:
        raise ScopeError("a key needs at least one scope")
    for scope in checked:
        if scope not in FIXED_SCOPES and not _CHANNEL_SCOPE.match(scope):
            known = ", ".join(sorted(FIXED_SCOPES))
            raise ScopeError(f"unknown scope {scope!r}; use {known} or channel:<code>")
    bound = any(s.startswith("channel:") for s in checked)
    for scope in sorted(CHANNEL_ONLY & set(checked)):
        if not bound:
            raise ScopeError(
                f"{scope!r} goes with a channel:<code> scope (the channel's own figure); "
                "stock:read reads every channel's"
            )
    return checked


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the key's name, its scopes and when it expires."""

    key_id: str
    name: str
    scopes: frozenset[str]
    expires_at: datetime | None = None

    @property
    def bound_channels(self) -> frozenset[str]:
        return frozenset(s.split(":", 1)[1] for s in self.scopes if s.startswith("channel:"))

    def channels(self, scope: str) -> frozenset[str] | None:
        """Whose data ``scope`` reaches for this key: None for every channel's, else the
        channels it is bound to (empty: none at all)."""
        unbound = closure(s for s in self.scopes if s not in CHANNEL_ONLY)
        if scope in unbound:
            return None
        bound = CHANNEL_GRANTS | (CHANNEL_ONLY & self.scopes)
        return self.bound_channels if scope in bound else frozenset()

    def allows(self, scope: str) -> bool:
        """May call a route that needs ``scope`` (for some channel, at least)."""
        reach = self.channels(scope)
        return reach is None or bool(reach)

    def may_write_channel(self, channel: str) -> bool:
        reach = self.channels("orders:write")
        return reach is None or channel in reach

    def every_channel(self, scope: str) -> bool:
        """Holds ``scope`` for every channel's records (not only through a channel key)."""
        return self.channels(scope) is None

    def readable_channels(self) -> frozenset[str] | None:
        """The channels whose orders this key reads; None when every channel's."""
        return self.channels("orders:read")

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def actor(self) -> str:
        return f"key:{self.name}"
