"""Console sessions end on the server, not only in the browser: a copy of the cookie stops
working after sign-out, and revoking the key (``hub keys revoke``) ends its sessions at
once, even with the key cache holding the key for minutes. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from hub.api.app import create_app
from hub.config import Settings
from hub.console.session import COOKIE
from hub.services import keys as key_service
from hub.store.console_tables import console_sessions
from hub.store.database import Database
from tests.e2e.test_inbound_replay import hub_cli


@pytest.fixture
def cached(settings: Settings) -> Settings:
    """Keys cached for five minutes: ending a session must not wait for the cache."""
    return msgspec.structs.replace(settings, key_cache_seconds=300.0)


@pytest.fixture
async def web(cached: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(cached, run_worker=False)) as c:
        yield c


async def signed_in(web: AsyncTestClient, key: str) -> tuple[str, str]:
    """The session cookie a key signs in to, and the CSRF token of its forms."""
    r = await web.post("/console/sign-in", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = r.cookies[COOKIE]
    web.cookies.clear()
    today = await opens(web, cookie)
    assert today.status_code == 200, today.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', today.text)
    assert token
    return cookie, token[1]


async def opens(web: AsyncTestClient, cookie: str, path: str = "/console") -> httpx.Response:
    r = await web.get(path, headers={"Cookie": f"{COOKIE}={cookie}"}, follow_redirects=False)
    web.cookies.clear()
    return r


async def test_a_copied_cookie_stops_working_after_sign_out(
    web: AsyncTestClient, admin_key: str, db: Database
) -> None:
    cookie, token = await signed_in(web, admin_key)
    other_cookie, _ = await signed_in(web, admin_key)  # a second session of the same key
    copy = str(cookie)
    r = await web.post(
        "/console/sign-out",
        data={"csrf_token": token},
        headers={"Cookie": f"{COOKIE}={cookie}"},
        follow_redirects=False,
    )
    web.cookies.clear()
    assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
    gone = await opens(web, copy, "/console/orders")
    assert gone.status_code == 303
    assert gone.headers["location"].startswith("/console/sign-in")
    still = await opens(web, other_cookie)
    assert still.status_code == 200  # only that session ended
    async with db.read() as conn:
        rows = (await conn.execute(select(console_sessions))).all()
    assert sorted(r.revoked_at is None for r in rows) == [False, True]


async def test_revoking_the_key_ends_its_console_sessions(
    web: AsyncTestClient, cached: Settings, db: Database, admin_key: str
) -> None:
    _, key = await key_service.create(db, "ops-desk", ["orders:read"])
    cookie, _ = await signed_in(web, key)
    admin_cookie, _ = await signed_in(web, admin_key)
    result = await hub_cli(cached, "keys", "revoke", "ops-desk")
    assert result.exit_code == 0, result.output
    ended = await opens(web, cookie, "/console/orders")
    assert ended.status_code == 303
    assert ended.headers["location"].startswith("/console/sign-in")
    assert (await opens(web, admin_cookie)).status_code == 200
    async with db.read() as conn:
        rows = (await conn.execute(select(console_sessions))).all()
    by_key = {r.key_id: r.revoked_at for r in rows}
    assert len(by_key) == 2 and sorted(v is None for v in by_key.values()) == [False, True]


async def test_a_forged_or_unknown_session_id_signs_nobody_in(web: AsyncTestClient) -> None:
    r = await opens(web, "not-a-session.abc")
    assert r.status_code == 303
