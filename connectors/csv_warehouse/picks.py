"""Pick requests out: one CSV per fulfilment in the outbox, and cancel requests.

Sync functions (the connector runs them in a worker thread). The outbox file is what the
warehouse takes; ``sent_dir`` keeps a copy of every pick handed out, so that a retried
create after the warehouse took the file does not hand it out twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from connectors.csv_warehouse.files import os_error, read_if_exists, write_atomic
from connectors.csv_warehouse.settings import Folders, ensure_dirs
from hub.sdk import FatalError, FulfilmentRequest

PICK_COLUMNS: tuple[str, ...] = (
    "fulfilment_id",
    "order_number",
    "channel_order_id",
    "line_no",
    "sku",
    "name",
    "quantity",
    "ship_to_name",
    "company",
    "address1",
    "address2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "email",
    "service_level",
    "carrier",
    "service",
)
CANCEL_COLUMNS: tuple[str, ...] = ("fulfilment_id", "order_number", "channel_order_id")
#: a fulfilment id that is safe as a file name on every OS
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
WITHDRAWN = ".withdrawn"


def pick_name(fulfilment_id: str) -> str:
    """``<id>.csv``; an id that cannot be a file name is a FatalError."""
    if not SAFE_ID.match(fulfilment_id) or fulfilment_id.endswith(".cancel"):
        raise FatalError(f"csv_warehouse: fulfilment id {fulfilment_id!r} cannot be a file name")
    return f"{fulfilment_id}.csv"


def cancel_name(fulfilment_id: str) -> str:
    return f"{pick_name(fulfilment_id).removesuffix('.csv')}.cancel.csv"


def pick_rows(request: FulfilmentRequest) -> list[tuple[str, ...]]:
    """One row per line, in ``PICK_COLUMNS`` order; a missing value is an empty field."""
    to, customer = request.ship_to, request.customer
    head = (request.id, request.order_number, request.external_id)
    address: tuple[str | None, ...] = (customer.name, *([None] * 7), customer.phone)
    if to is not None:
        address = (
            *(to.name or customer.name, to.company, to.line1, to.line2, to.city, to.region),
            *(to.postal_code, to.country, to.phone or customer.phone),
        )
    tail = (customer.email, request.service_level, request.carrier, request.service)
    return [
        tuple(
            "" if v is None else str(v)
            for v in (*head, n, line.sku, line.name, line.quantity, *address, *tail)
        )
        for n, line in enumerate(request.lines, start=1)
    ]


def to_csv(
    columns: tuple[str, ...], rows: Iterable[tuple[str, ...]], folders: Folders, what: str
) -> bytes:
    """A header row then ``rows``, RFC 4180 (CRLF, quotes only where needed), encoded."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=folders.delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    try:
        return text.getvalue().encode(folders.encoding)
    except UnicodeEncodeError:
        raise FatalError(
            f"csv_warehouse: {what} has characters encoding {folders.encoding!r} cannot write"
        ) from None


def pick_csv(request: FulfilmentRequest, folders: Folders) -> bytes:
    return to_csv(PICK_COLUMNS, pick_rows(request), folders, f"fulfilment {request.id}")


def create(folders: Folders, request: FulfilmentRequest) -> str:
    """Write the pick file (atomically) unless it is there already; its name is the ref.

    Same content in the outbox: nothing to do. Other content still in the outbox (the
    warehouse has not taken it): replaced. Gone from the outbox but handed out with the same
    content: the warehouse has it, nothing to do. Handed out with other content: FatalError
    (writing it again would make the warehouse pick twice).
    """
    name = pick_name(request.id)
    data = pick_csv(request, folders)
    ensure_dirs(folders.outbox, folders.sent)
    pick, sent = folders.outbox / name, folders.sent / name
    current = read_if_exists(pick)
    if current is None:
        handed = read_if_exists(sent)
        if handed == data:
            return name
        if handed is not None:
            raise FatalError(
                f"csv_warehouse: the warehouse already took the pick file for fulfilment "
                f"{request.id} with other content; cancel it and create a new fulfilment"
            )
        write_atomic(pick, data)
    elif current != data:
        write_atomic(pick, data)
    if read_if_exists(sent) != data:
        write_atomic(sent, data)
    return name


def cancel(folders: Folders, request: FulfilmentRequest) -> None:
    """Withdraw the pick file if the warehouse has not taken it, else ask it to cancel.

    Still in the outbox: deleted (its copy in ``sent_dir`` renamed ``<id>.csv.withdrawn``, so
    a repeated cancel knows). Gone: ``<id>.cancel.csv`` is written (once; the same bytes every
    time). Never raises for a fulfilment already cancelled.
    """
    name = pick_name(request.id)
    ensure_dirs(folders.outbox, folders.sent)
    pick, sent = folders.outbox / name, folders.sent / name
    try:
        pick.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise os_error("delete", pick, exc) from None
    else:
        _withdraw(sent)
        return
    if sent.with_name(name + WITHDRAWN).exists():
        return
    data = to_csv(
        CANCEL_COLUMNS,
        [(request.id, request.order_number, request.external_id)],
        folders,
        f"fulfilment {request.id}",
    )
    target = folders.outbox / cancel_name(request.id)
    if read_if_exists(target) != data:
        write_atomic(target, data)


def _withdraw(sent: Path) -> None:
    """Mark the pick as withdrawn before the warehouse took it."""
    marker = sent.with_name(sent.name + WITHDRAWN)
    try:
        if sent.exists():
            sent.replace(marker)
        else:
            marker.touch()
    except OSError as exc:
        raise os_error("mark withdrawn", sent, exc) from None
