"""The console's pages for returns, complaints, documents and buyer mails in a real
browser (Chromium, the OS package, through Playwright) against a real hub on loopback, on
SQLite and PostgreSQL: receive a return with a grade, answer and resolve a complaint, open
a document's PDF, see a failed mail; and a channel's own key kept out of another
channel's complaint and out of returns and documents. Each page is screenshotted into
artifacts/console/ and checked at 360 px wide."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import update

from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.complaint_tables import complaints
from hub.store.database import Database
from tests.e2e.test_console_browser import call, fits_360, stocked
from tests.e2e.test_fulfilment_api import drain, order
from tests.e2e.test_inbound_replay import worker_maps_everything
from tests.support.console_browser import chromium, live_hub, shot, sign_in
from tests.support.documents import INVOICES

SHOP = {
    "code": "shop-eu",  # a generic channel: its buyers get the default mails
    "connector": "generic_json",
    "settings": {"mapping": "example_partner_order"},
    "secrets": {"webhook_secret": {"env": "CONSOLE_SHOP_SECRET"}},
}


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Invoices for every channel (tax-free orders), and the channel ``shop-eu``."""
    monkeypatch.setenv("CONSOLE_SHOP_SECRET", "s1")
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    path = tmp_path / "hub.yaml"
    series = [INVOICES | {"default_tax_rate": "0"}]
    path.write_text(json.dumps({"connections": [SHOP], "documents": {"series": series}}))
    return msgspec.structs.replace(settings, config_path=str(path))


@pytest.fixture
async def base(hub_settings: Settings) -> AsyncIterator[str]:
    async with live_hub(hub_settings) as url:
        yield url


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    browser: Browser
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        yield await context.new_page()
        await context.close()


@pytest.fixture
async def api(base: str, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as c:
        yield c


async def placed(api: httpx.AsyncClient, ref: str, **more: Any) -> dict[str, Any]:
    body = order(ref, ("TEE", 2)) | {"channel": "callcentre"} | more
    created: dict[str, Any] = await call(api, "POST", "/orders", body)
    return created


async def shipped(api: httpx.AsyncClient, db: Database, settings: Settings) -> dict[str, Any]:
    """An order of two tees, routed to ``main`` and shipped."""
    await call(api, "POST", "/locations", {"code": "main", "name": "Main warehouse"})
    move = {"kind": "receipt", "sku": "TEE", "location": "main", "quantity": 10, "reason": "in"}
    await call(api, "POST", "/stock/movements", {"movements": [move]})
    created = await placed(api, "RET-1")
    await drain(db, settings)
    listed = await call(api, "GET", "/fulfilments")
    (f,) = [f for f in listed["items"] if f["order_id"] == created["id"]]
    ship = {"carrier": "DHL", "tracking_number": "TRK-CONSOLE-1"}
    await call(api, "POST", f"/fulfilments/{f['id']}/shipments", ship)
    return created


async def look(page: Page, name: str) -> None:
    await shot(page, name)
    await fits_360(page)


async def test_see_a_return_and_receive_it_with_a_grade(
    base: str, page: Page, api: httpx.AsyncClient, db: Database, hub_settings: Settings,
    admin_key: str,
) -> None:  # fmt: skip
    created = await shipped(api, db, hub_settings)
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit"}
    opened = await call(api, "POST", f"/orders/{created['id']}/returns", body)
    await sign_in(page, base, admin_key)
    await page.get_by_role("link", name="Returns").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Returns")
    await look(page, "returns")
    await page.get_by_role("link", name=opened["id"]).click()
    if opened["status"] == "requested":
        await page.get_by_role("button", name="Authorise").click()
        await expect(page.get_by_role("status")).to_contain_text("authorise")
    await look(page, "return")
    await page.get_by_label("Units received of TEE").fill("1")
    await page.get_by_label("Grade of TEE").select_option("sellable")
    await page.get_by_role("button", name="Receive").click()
    await expect(page.get_by_role("status")).to_contain_text("receive")
    await expect(page.locator("h1 .status")).to_have_text("received")
    await expect(page.locator("table").last).to_contain_text("sellable")
    await look(page, "return-received")
    shown = await call(api, "GET", f"/returns/{opened['id']}")
    assert [(r["grade"], r["quantity"]) for r in shown["receipts"]] == [("sellable", 1)]
    assert shown["receipts"][0]["actor"] == "key:admin"
    await page.goto(f"{base}/console/orders/{created['id']}")
    await page.get_by_role("link", name=f"Return {opened['id']}").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(opened["id"])


async def test_answer_and_resolve_an_overdue_complaint(
    base: str, page: Page, api: httpx.AsyncClient, db: Database, admin_key: str
) -> None:
    created = await placed(api, "CPL-1")
    body = {"kind": "damaged", "description": "the box came crushed"}
    complaint = await call(api, "POST", f"/orders/{created['id']}/complaints", body)
    second = await placed(api, "CPL-2")  # a complaint due later: not in the overdue list
    later = await call(api, "POST", f"/orders/{second['id']}/complaints", body)
    async with db.write() as conn:
        past = utcnow() - timedelta(hours=1)
        mine = complaints.c.id == complaint["id"]
        await conn.execute(update(complaints).where(mine).values(due_at=past))
    await sign_in(page, base, admin_key)
    await expect(page.get_by_role("heading", name="Overdue complaints")).to_be_visible()
    await page.get_by_role("link", name="Every overdue complaint").click()
    await expect(page.locator("main")).not_to_contain_text(later["id"])
    await expect(page.locator("tbody")).to_contain_text("overdue")
    await look(page, "complaints-overdue")
    await page.get_by_role("link", name="Complaints").click()
    await expect(page.locator("main")).to_contain_text(later["id"])
    await look(page, "complaints")
    await page.get_by_role("link", name=complaint["id"]).click()
    await expect(page.locator("dl")).to_contain_text("the box came crushed")
    await look(page, "complaint")
    await page.get_by_label("What the buyer was told").fill("Sorry: a new one is on its way.")
    await page.get_by_role("button", name="Save the answer").click()
    await expect(page.locator("h1 .status").first).to_have_text("answered")
    await page.get_by_label("Outcome").select_option("none")
    await page.get_by_label("Note").fill("goodwill: nothing owed")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator("h1 .status").first).to_have_text("resolved")
    await expect(page.locator("dl")).to_contain_text("goodwill: nothing owed")
    shown = await call(api, "GET", f"/complaints/{complaint['id']}")
    assert shown["status"] == "resolved" and shown["answer"].startswith("Sorry")


async def test_open_a_document_and_its_pdf(
    base: str, page: Page, api: httpx.AsyncClient, db: Database, hub_settings: Settings,
    admin_key: str,
) -> None:  # fmt: skip
    created = await placed(api, "DOC-1")
    invoiced = await api.post(f"/orders/{created['id']}/invoice")
    assert invoiced.status_code in (201, 409), invoiced.text  # 409: issued when paid
    await drain(db, hub_settings)  # its PDF
    (doc,) = (await call(api, "GET", f"/orders/{created['id']}/documents"))["items"]
    await sign_in(page, base, admin_key)
    await page.get_by_role("link", name="Documents").click()
    await look(page, "documents")
    await page.get_by_role("link", name=doc["number"], exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(doc["number"])
    await look(page, "document")
    href = await page.get_by_role("link", name="Open the PDF").get_attribute("href")
    assert href == f"/console/documents/{doc['id']}/pdf"
    pdf = await page.request.get(f"{base}{href}")  # in the browser's session
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")
    await page.goto(f"{base}/console/orders/{created['id']}")
    await expect(page.get_by_role("link", name=f"PDF of {doc['number']}")).to_be_visible()


async def test_see_a_failed_mail(
    base: str, page: Page, api: httpx.AsyncClient, db: Database, hub_settings: Settings,
    admin_key: str,
) -> None:  # fmt: skip
    await stocked(api)  # the order is accepted, not held: its confirmation is due
    await placed(api, "MAIL-1", channel="shop-eu", customer={"name": "No Mail"})  # no address
    await worker_maps_everything(hub_settings)  # the hub's own worker: its mails too
    failed = (await call(api, "GET", "/notifications?status=failed"))["items"]
    assert failed, "the mail of an order without a buyer email fails"
    await sign_in(page, base, admin_key)
    await expect(page.get_by_role("heading", name="Failed buyer mails")).to_be_visible()
    await look(page, "today-with-followups")
    await page.get_by_role("link", name="Every failed mail").click()
    await expect(page.locator("tbody tr").first).to_contain_text("failed")
    await look(page, "notifications")
    await page.get_by_role("link", name=f"Show mail {failed[0]['id']}").click()
    await expect(page.get_by_role("alert")).to_contain_text(failed[0]["error"])
    await look(page, "notification")


async def test_a_channel_key_is_kept_out_of_another_channels_pages(
    base: str, page: Page, api: httpx.AsyncClient, db: Database, hub_settings: Settings
) -> None:
    other = await placed(api, "OTHER-CPL")
    complaint = await call(
        api, "POST", f"/orders/{other['id']}/complaints", {"kind": "late", "description": "late"}
    )
    created = await shipped(api, db, hub_settings)
    body = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit"}
    opened = await call(api, "POST", f"/orders/{created['id']}/returns", body)
    documents = (await call(api, "GET", "/documents"))["items"]
    _, key = await key_service.create(db, "shop-key", ["channel:shop-eu"])
    await sign_in(page, base, key)
    await expect(page.get_by_role("link", name="Returns")).to_have_count(0)
    await expect(page.get_by_role("link", name="Documents")).to_have_count(0)
    await page.get_by_role("link", name="Complaints").click()
    await expect(page.locator("main")).not_to_contain_text(complaint["id"])
    answer = await page.goto(f"{base}/console/complaints/{complaint['id']}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    await shot(page, "channel-key-kept-out-of-complaint")
    paths = [f"/returns/{opened['id']}", "/returns", "/documents", "/notifications"]
    paths += [f"/documents/{d['id']}" for d in documents[:1]]
    paths += [f"/documents/{d['id']}/pdf" for d in documents[:1]]
    for path in paths:
        answer = await page.goto(f"{base}/console{path}")
        assert answer is not None and answer.status == 403, path
