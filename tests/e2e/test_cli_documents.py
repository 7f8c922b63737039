"""``hub documents export --since D --format csv``: one row per document, net, tax and gross
per rate, credit notes negative, read from a real database."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from click.testing import CliRunner, Result

from hub.cli import main
from hub.config import Settings
from hub.connections import Connections
from hub.domain.document_series import parse_series
from hub.services.documents import by_hand
from hub.services.documents.by_hand import CreditLineIn, CreditNoteIn, InvoiceIn
from hub.store.database import Database
from tests.integration.test_document_numbers import orders
from tests.support.documents import INVOICES


async def hub(database_url: str, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": database_url}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_export_csv(db: Database, settings: Settings, tmp_path: Path) -> None:
    connections = Connections([], {}, documents=parse_series({"series": [INVOICES]}, []))
    first, second = await orders(db, 2)
    for order_id in (first, second):
        await by_hand.invoice(db, connections, order_id, InvoiceIn(), actor="test")
    back = CreditNoteIn(lines=[CreditLineIn(position=1, quantity=1)])
    await by_hand.credit_note(db, connections, second, back, actor="test")

    result = await hub(settings.database_url, "documents", "export", "--since", "2020-01-01")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["number"], r["kind"], r["credits"]) for r in rows] == [
        ("INV-2026-00001", "invoice", ""),
        ("INV-2026-00002", "invoice", ""),
        ("CN-2026-00001", "credit_note", "INV-2026-00002"),
    ]
    # 11.90 gross at the default 19 %, tax included: 10.00 net and 1.90 tax
    assert [(r["net_19"], r["tax_19"], r["gross_19"]) for r in rows] == [
        ("10.00", "1.90", "11.90"),
        ("10.00", "1.90", "11.90"),
        ("-10.00", "-1.90", "-11.90"),
    ]
    assert rows[0]["buyer"] == "Ana" and rows[0]["currency"] == "EUR"

    out = tmp_path / "docs.csv"
    later = await hub(
        settings.database_url, "documents", "export", "--since", "2999-01-01", "-o", str(out)
    )
    assert later.exit_code == 0, later.output
    assert out.read_text().count("\n") == 1  # the header only
    bad = await hub(settings.database_url, "documents", "export", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output
