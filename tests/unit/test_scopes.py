"""Scopes: what each implies, whose data a key reaches, the scopes a key may not have, and
when a key made now expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.ats import ChannelAts, Term, pooled
from hub.domain.scopes import FIXED_SCOPES, Principal, ScopeError, check_scopes, closure
from hub.errors import Unprocessable
from hub.services.keys import expiry_from

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def key(*scopes: str, expires_at: datetime | None = None) -> Principal:
    return Principal("k1", "test", frozenset(scopes), expires_at)


def test_write_implies_read_and_admin_implies_all() -> None:
    assert closure(["stock:write"]) == {"stock:write", "stock:read", "ats:read"}
    assert closure(["catalog:write"]) == {"catalog:write", "catalog:read"}
    assert closure(["fulfilment:write"]) == {"fulfilment:write", "fulfilment:read"}
    assert closure(["orders:write"]) == {"orders:write", "orders:read", "fulfilment:read"}
    assert closure(["connections:read"]) == {"connections:read"}
    assert closure(["admin"]) == FIXED_SCOPES
    assert "stock:read" not in closure(["orders:write", "catalog:write", "fulfilment:write"])


def test_a_channel_key_reaches_its_channel_only_and_no_stock() -> None:
    shop = key("channel:shop-eu")
    assert shop.channels("orders:read") == {"shop-eu"}
    assert shop.channels("orders:write") == {"shop-eu"}
    assert shop.channels("fulfilment:read") == {"shop-eu"}
    for scope in ("stock:read", "catalog:read", "connections:read", "ats:read", "admin"):
        assert shop.channels(scope) == frozenset(), scope
        assert not shop.allows(scope), scope
    assert not shop.allows("fulfilment:write")
    assert shop.may_write_channel("shop-eu")
    assert not shop.may_write_channel("callcentre")
    assert key("channel:shop-eu", "ats:read").channels("ats:read") == {"shop-eu"}


def test_unbound_scopes_reach_every_channel() -> None:
    assert key("orders:read").channels("fulfilment:read") is None
    assert key("fulfilment:write").channels("fulfilment:read") is None
    assert key("fulfilment:write").channels("orders:read") == frozenset()
    assert key("stock:read").channels("ats:read") is None
    assert key("admin").readable_channels() is None
    both = key("channel:shop-eu", "orders:read")
    assert both.readable_channels() is None
    assert both.channels("orders:write") == {"shop-eu"}


def test_scopes_a_key_may_not_have() -> None:
    assert check_scopes(["stock:read", "channel:shop-eu", "stock:read"]) == [
        "channel:shop-eu",
        "stock:read",
    ]
    with pytest.raises(ScopeError, match="at least one"):
        check_scopes([])
    with pytest.raises(ScopeError, match="unknown scope 'stock'"):
        check_scopes(["stock"])
    with pytest.raises(ScopeError, match="unknown scope 'channel:Shop EU'"):
        check_scopes(["channel:Shop EU"])
    with pytest.raises(ScopeError, match="'ats:read' goes with a channel"):
        check_scopes(["ats:read"])
    assert check_scopes(["ats:read", "channel:pos-1"]) == ["ats:read", "channel:pos-1"]


def test_a_channel_sees_its_figure_pooled_over_locations() -> None:
    found = ChannelAts(
        "shop-eu",
        4,
        [
            Term("on_hand", 5, "a"),
            Term("reserved", -1, "a"),
            Term("safety_stock", 0, "a"),
            Term("on_hand", 2, "b"),
            Term("reserved", -3, "b"),
            Term("safety_stock", 0, "b"),
            Term("not below 0", 1, "b"),
            Term("buffer", -1),
            Term("cap 4", 1),
        ],
    )
    shown = pooled(found)
    assert shown.ats == 4
    assert [(t.term, t.value, t.location) for t in shown.terms] == [
        ("on_hand", 7, None),
        ("reserved", -4, None),
        ("safety_stock", 0, None),
        ("not below 0", 1, None),
        ("buffer", -1, None),
        ("cap 4", 1, None),
    ]
    assert sum(t.value for t in shown.terms) == shown.ats


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", NOW + timedelta(days=90)),
        ("12h", NOW + timedelta(hours=12)),
        ("30m", NOW + timedelta(minutes=30)),
        ("2w", NOW + timedelta(weeks=2)),
        ("2026-04-01", datetime(2026, 4, 1, tzinfo=UTC)),
        ("2026-04-01T18:30:00Z", datetime(2026, 4, 1, 18, 30, tzinfo=UTC)),
        ("2026-04-01T20:30:00+02:00", datetime(2026, 4, 1, 18, 30, tzinfo=UTC)),
    ],
)
def test_expiry_from_a_duration_a_date_or_a_time(text: str, expected: datetime) -> None:
    got = expiry_from(text, NOW)
    assert got == expected
    assert got.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0d", "give a duration"),
        ("90", "give a duration"),
        ("90y", "give a duration"),
        ("-5d", "give a duration"),
        ("9999999d", "give a duration"),
        ("soon", "give a duration"),
        ("2026-02-30", "give a duration"),
        ("2026-04-01T18:30:00", "needs a UTC offset"),
        ("2026-03-01", "not in the future"),
        ("2020-01-01T00:00:00Z", "not in the future"),
    ],
)
def test_expiry_refused(text: str, reason: str) -> None:
    with pytest.raises(Unprocessable, match=reason):
        expiry_from(text, NOW)


def test_expired_from_the_instant() -> None:
    at = NOW + timedelta(seconds=1)
    assert not key("admin", expires_at=at).expired(NOW)
    assert key("admin", expires_at=at).expired(at)
    assert not key("admin").expired(datetime.max.replace(tzinfo=UTC))
