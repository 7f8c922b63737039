"""A real hub server on loopback and a real Chromium for the console's browser tests.

The browser is the OS package (Debian ``chromium``, ``/usr/bin/chromium``), driven by
Playwright for Python through its executable path: ``playwright install`` is never run.
Screenshots go to ``artifacts/console/`` (git-ignored), one per page.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect

from hub.api.app import create_app
from hub.config import Settings

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def live_hub(settings: Settings) -> AsyncIterator[str]:
    """The hub's app served by uvicorn on a free loopback port; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, run_worker=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def shot(page: Page, name: str) -> None:
    """A full-page screenshot in artifacts/console/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def sign_in(page: Page, base: str, key: str) -> None:
    """Sign in from the keyboard only: the key field has the focus, Enter submits."""
    await page.goto(f"{base}/console/sign-in")
    await expect(page.get_by_label("API key")).to_be_focused()  # typing before it loses keys
    await page.keyboard.type(key)
    async with page.expect_navigation():  # the answer to the POST, whatever it is
        await page.keyboard.press("Enter")
    await page.wait_for_load_state()
