"""Without an SMTP server every buyer mail is rendered and kept: ``hub mail list``, ``hub mail
show`` and ``hub notifications preview`` show what a buyer would get; a cancellation's mail
says the refund due. A broken brand template stops the hub at start, naming file and line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from hub.bootstrap import Hub
from hub.cli import main
from hub.config import Settings
from hub.notifications.templates import TemplateError
from hub.store.database import Database
from tests.e2e.test_fulfilment_api import drain, location, order, receive


async def hub(database_url: str, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": database_url, "COLUMNS": "250"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_kept_mails_are_listed_shown_and_previewed(
    client: AsyncTestClient, auth: dict[str, str], db: Database, settings: Settings
) -> None:
    await location(client, auth, "main")
    await receive(client, auth, ("TEE", "main", 5))
    body = order("K-1", ("TEE", 1)) | {"external_number": "#3001"}
    placed = (await client.post("/orders", json=body, headers=auth)).json()
    await drain(db, settings)
    r = await client.post(f"/orders/{placed['id']}/cancel", json={}, headers=auth)
    assert r.status_code == 200, r.text
    await drain(db, settings)

    listed = await hub(settings.database_url, "mail", "list")
    assert listed.exit_code == 0, listed.output
    assert "order_confirmed" in listed.output and "cancelled" in listed.output
    assert "kept" in listed.output and "Order #3001 confirmed" in listed.output
    items = (await client.get("/notifications", params={"event": "cancelled"}, headers=auth)).json()
    (cancelled,) = items["items"]
    shown = await hub(settings.database_url, "mail", "show", str(cancelled["id"]))
    assert shown.exit_code == 0, shown.output
    assert "Subject: Order #3001 has been cancelled" in shown.output
    assert "€10.00 back" in shown.output  # the refund due: what was captured
    assert "To: Ada Lovelace <ada@example.com>" in shown.output
    html = await hub(settings.database_url, "mail", "show", str(cancelled["id"]), "--html")
    assert "<html" in html.output

    preview = await hub(settings.database_url, "notifications", "preview", "delivered",
                        placed["number"])  # fmt: skip
    assert preview.exit_code == 0, preview.output
    assert "Subject:" in preview.output and "#3001" in preview.output
    unknown = await hub(settings.database_url, "notifications", "preview", "delivered", "H-9")
    assert unknown.exit_code != 0 and "no order" in unknown.output
    shipped = await hub(settings.database_url, "notifications", "preview", "shipped",
                        placed["number"])  # fmt: skip
    assert shipped.exit_code != 0 and "parcel" in shipped.output  # nothing shipped yet


def test_a_broken_brand_template_stops_the_hub(tmp_path: Path, settings: Settings) -> None:
    brand = tmp_path / "templates" / "nordlicht" / "en"
    brand.mkdir(parents=True)
    (brand / "shipped.subject.txt").write_text("Your parcel {{ parcel.tracking_numbr }}\n")
    (brand / "delivered.txt").write_text("Hello\n{% if order.number %}\nno end\n")
    broken = Settings(database_url=settings.database_url,
                      templates_path=str(tmp_path / "templates"))  # fmt: skip
    with pytest.raises(TemplateError) as caught:
        Hub.build(broken)
    message = str(caught.value)
    assert "nordlicht/en/shipped.subject.txt:1" in message and "tracking_numbr" in message
    assert "nordlicht/en/delivered.txt:" in message
