"""Locations: where stock lies (own warehouse, 3PL, store), in the order they are reserved."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import Connection

from hub.domain.bounds import Code, Count32, Int32, OneLine
from hub.domain.order import Address, CountryCode, FieldError
from hub.errors import Conflict
from hub.store import stock as store
from hub.store.database import Database
from hub.store.kept import decode_kept


class LocationIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A location as posted and as listed (the same shape both ways)."""

    code: Code
    name: Annotated[OneLine, msgspec.Meta(min_length=1, max_length=200)]
    kind: Literal["own", "3pl", "store"] = "own"
    priority: Int32 = 100
    safety_stock: Count32 = 0
    country: CountryCode | None = None
    region: Annotated[OneLine, msgspec.Meta(max_length=50)] | None = None
    connection: Code | None = None  # who fulfils for it; None: the hub's own API
    address: Address | None = None  # ship-from for labels


async def add_location(db: Database, data: LocationIn) -> LocationIn:
    def run(conn: Connection) -> bool:
        values = msgspec.structs.asdict(data)
        if data.address is not None:
            values["address"] = msgspec.json.encode(data.address).decode()
        return store.add_location(conn, **values)

    if not await db.run_write(run):
        raise Conflict(f"location {data.code!r} exists", [FieldError("code", "taken")])
    return data


async def list_locations(db: Database) -> list[LocationIn]:
    async with db.read() as conn:
        rows = await conn.run_sync(store.list_locations)
    return [location_from_row(r) for r in rows]


def location_from_row(row: Any) -> LocationIn:
    return LocationIn(
        code=row.code,
        name=row.name,
        kind=row.kind,
        priority=row.priority,
        safety_stock=row.safety_stock,
        country=row.country,
        region=row.region,
        connection=row.connection,
        address=decode_kept(row.address, Address) if row.address else None,
    )
