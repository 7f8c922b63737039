"""The operator console in a real browser: Chromium (the OS package) driven by Playwright
against a real hub server on loopback, on SQLite and on PostgreSQL.

Signing in with a good key and a bad one; finding an order by its buyer's name and holding
then releasing it; replaying a quarantined message once its mapping is fixed; posting a
stock count and seeing a channel's available to sell change; running a routing
simulation; a channel's own key kept out of another channel's order. Each page is
screenshotted into artifacts/console/, and each is checked at 360 px wide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from tests.e2e.test_fulfilment_api import order
from tests.e2e.test_inbound_replay import (  # noqa: F401  (fixtures)
    fix_the_mapping,
    hub_settings,
    mappings,
    quarantined_webhook,
)
from tests.support.console_browser import chromium, live_hub, shot, sign_in

PAGES = ["", "/orders", "/inbound", "/jobs", "/stock?sku=TEE", "/catalog", "/connections",
         "/routing"]  # fmt: skip


@pytest.fixture
async def base(hub_settings: Settings) -> AsyncIterator[str]:  # noqa: F811
    async with live_hub(hub_settings) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as b:
        yield b


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def api(base: str, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as c:
        yield c


async def call(api: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    r = await api.request(method, path, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def stocked(api: httpx.AsyncClient) -> None:
    await call(api, "POST", "/locations", {"code": "main", "name": "Main warehouse"})
    move = {"kind": "receipt", "sku": "TEE", "location": "main", "quantity": 40, "reason": "in"}
    await call(api, "POST", "/stock/movements", {"movements": [move]})
    await call(api, "PUT", "/catalog/skus", {"skus": [{"sku": "TEE", "name": "Tee"}]})


async def fits_360(page: Page) -> None:
    """Readable at 360 px: nothing wider than the screen but inside a scrolling table."""
    await page.set_viewport_size({"width": 360, "height": 800})
    width = await page.evaluate("document.documentElement.scrollWidth")
    await page.set_viewport_size({"width": 1100, "height": 900})
    assert width <= 360, f"{page.url} is {width} px wide at 360"


async def test_sign_in_with_a_key_and_not_with_a_bad_one(
    base: str, page: Page, api: httpx.AsyncClient, admin_key: str
) -> None:
    await stocked(api)
    await sign_in(page, base, "hub_not-a-key-at-all")
    await expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
    await shot(page, "sign-in-refused")
    await sign_in(page, base, admin_key)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "hub_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert admin_key not in cookie["value"] and admin_key[4:] not in cookie["value"]
    for path in PAGES:
        answer = await page.goto(f"{base}/console{path}")
        assert answer is not None and answer.status == 200, path
        await shot(page, (path.strip("/").split("?")[0] or "today"))
        await fits_360(page)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the console")
    await page.goto(f"{base}/console/orders")
    assert "/console/sign-in" in page.url


async def test_wrong_keys_are_braked(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        codes = [
            (await c.post("/console/sign-in", data={"key": f"hub_wrong{i}"})).status_code
            for i in range(7)
        ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]


async def test_find_an_order_by_its_buyer_hold_it_and_release_it(
    base: str, page: Page, api: httpx.AsyncClient, admin_key: str
) -> None:
    body = order("CONSOLE-1", ("TEE", 1)) | {"channel": "callcentre"}
    body["customer"] = {"name": "Grace Hopper", "email": "grace@example.com"}
    created = await call(api, "POST", "/orders", body)
    await call(api, "POST", "/orders", order("CONSOLE-2", ("TEE", 1)))  # Ada's, not shown
    await sign_in(page, base, admin_key)
    await page.get_by_role("link", name="Orders").click()
    await page.get_by_label("Search").fill("hopper")
    await page.get_by_label("Search").press("Enter")
    rows = page.locator("#order-rows tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("Grace Hopper")
    await shot(page, "orders-search")
    link = page.get_by_role("link", name=created["number"])
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(created["number"])
    await shot(page, "order")
    await page.get_by_role("link", name="Put on hold…").click()
    await shot(page, "order-confirm-hold")
    await page.get_by_label("Reason").fill("buyer called: wrong size")
    await page.get_by_role("button", name="Yes, put on hold").click()
    await expect(page.locator("h1 .status")).to_have_text("on hold")
    await expect(page.get_by_role("status")).to_contain_text("put on hold")
    await expect(page.get_by_role("list").last).to_contain_text("buyer called: wrong size")
    await page.get_by_role("link", name="Release the hold…").click()
    await page.get_by_role("button", name="Yes, release the hold").click()
    await expect(page.locator("h1 .status")).to_have_text("received")
    detail = await call(api, "GET", f"/orders/{created['id']}")
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[-2:] == ["hold", "release"]
    assert {e["actor"] for e in detail["timeline"][-2:]} == {"key:admin"}


async def test_replay_a_quarantined_message_after_fixing_its_mapping(
    base: str,
    page: Page,
    hub_settings: Settings,  # noqa: F811
    mappings: Path,  # noqa: F811
    admin_key: str,
) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        message_id = await quarantined_webhook(c, hub_settings, "evt-console")  # type: ignore[arg-type]
    await sign_in(page, base, admin_key)
    await page.get_by_role("link", name="Inbound").click()
    await shot(page, "inbound")
    await page.get_by_role("link", name=message_id).click()
    await expect(page.locator("pre")).to_contain_text("pending_review")
    await shot(page, "inbound-message")
    fix_the_mapping(mappings)
    await page.get_by_role("button", name="Map this message again").click()
    await expect(page.get_by_role("status")).to_contain_text("now processed")
    await expect(page.locator("h1 .status")).to_have_text("processed")


async def test_post_a_stock_count_and_see_a_channels_ats_change(
    base: str, page: Page, api: httpx.AsyncClient, admin_key: str
) -> None:
    await stocked(api)
    await sign_in(page, base, admin_key)
    await page.goto(f"{base}/console/stock?sku=TEE")
    ats = page.locator('.ats[data-channel="shopify-eu"]')
    await expect(ats).to_have_text("40")
    await page.get_by_label("Kind").select_option("count")
    await page.get_by_label("Quantity").fill("25")
    await page.get_by_label("Reason").fill("cycle count")
    await page.get_by_role("button", name="Post").click()
    await expect(page.get_by_role("status")).to_contain_text("count")
    await expect(ats).to_have_text("25")
    await expect(page.locator("table").last).to_contain_text("cycle count")
    await shot(page, "stock-after-count")


async def test_run_a_routing_simulation(
    base: str, page: Page, api: httpx.AsyncClient, admin_key: str
) -> None:
    await stocked(api)
    for n in range(3):
        await call(api, "POST", "/orders", order(f"SIM-{n}", ("TEE", 2)))
    await sign_in(page, base, admin_key)
    await page.get_by_role("link", name="Routing").click()
    await page.get_by_role("button", name="Run the simulation").click()
    await expect(page.locator("#sim-orders")).to_have_text("3")
    await expect(page.locator("table")).to_contain_text("main (3)")
    await shot(page, "routing-result")


async def test_a_channel_key_is_kept_out_of_another_channels_order(
    base: str, page: Page, api: httpx.AsyncClient, db: Database
) -> None:
    other = await call(api, "POST", "/orders", order("OTHER-1", ("TEE", 1)))
    _, key = await key_service.create(db, "shop-key", ["channel:shopify-eu"])
    await sign_in(page, base, key)
    await expect(page.get_by_role("link", name="Inbound")).to_have_count(0)
    await page.get_by_role("link", name="Orders").click()
    await expect(page.locator("#order-rows")).not_to_contain_text(other["number"])
    answer = await page.goto(f"{base}/console/orders/{other['id']}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
    await shot(page, "channel-key-kept-out")
    for path in ("/inbound", "/jobs", "/stock?sku=TEE", "/routing"):
        answer = await page.goto(f"{base}/console{path}")
        assert answer is not None and answer.status == 403, path
