"""API keys that expire, on SQLite and PostgreSQL: made with ``hub keys create --expires``,
shown by ``hub keys list``, refused with 401 saying so from the moment they expire (however
long the key cache), and never shown, answered or logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import msgspec
import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.api.app import create_app
from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import api_keys


async def hub(database_url: str, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": database_url, "COLUMNS": "250"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


@pytest.fixture
async def cached_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The app with a key cache of a minute: expiry must not wait for it."""
    slow = msgspec.structs.replace(settings, key_cache_seconds=60.0)
    async with AsyncTestClient(app=create_app(slow, run_worker=False)) as c:
        yield c


async def test_an_expired_key_is_refused_the_moment_it_expires(
    cached_client: AsyncTestClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    expires_at = utcnow() + timedelta(seconds=1.5)
    info, plain = await key_service.create(db, "temp", ["orders:read"], expires_at=expires_at)
    assert info.expires_at == expires_at.isoformat()
    headers = {"Authorization": f"Bearer {plain}"}
    r = await cached_client.get("/orders", headers=headers)
    assert r.status_code == 200, r.text  # resolved and cached for a minute

    await asyncio.sleep(max(0.0, (expires_at - utcnow()).total_seconds()) + 0.05)
    answers = [await cached_client.get("/orders", headers=headers)]
    answers.append(await cached_client.post("/orders", json={}, headers=headers))
    for r in answers:
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].lower().startswith("bearer")
        problem = r.json()
        assert "'temp' expired at" in problem["detail"]
        assert expires_at.isoformat() in problem["detail"]
        assert plain not in r.text and plain[4:] not in r.text
    assert plain not in caplog.text and plain[4:] not in caplog.text


async def test_an_expiry_written_elsewhere_holds_in_a_process_without_cache(
    client: AsyncTestClient, db: Database
) -> None:
    _, plain = await key_service.create(db, "ops", ["admin"])
    async with db.write() as conn:
        past = utcnow() - timedelta(minutes=1)
        await conn.execute(update(api_keys).where(api_keys.c.name == "ops").values(expires_at=past))
    r = await client.get("/jobs", headers={"Authorization": f"Bearer {plain}"})
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]
    unknown = await client.get("/jobs", headers={"Authorization": "Bearer hub_nope"})
    assert unknown.status_code == 401
    assert "unknown or revoked" in unknown.json()["detail"]


async def test_cli_creates_and_lists_keys_with_their_expiry(
    database_url: str, db: Database
) -> None:
    made = await hub(database_url, "keys", "create", "--name", "feed", "--scope", "stock:write",
                     "--expires", "90d")  # fmt: skip
    assert made.exit_code == 0, made.output
    plain = made.stdout.strip()
    assert plain.startswith("hub_") and "\n" not in plain  # stdout is the key alone
    assert "feed: expires " in made.stderr
    forever = await hub(database_url, "keys", "create", "--name", "ui", "--scope", "orders:read")
    assert forever.exit_code == 0, forever.output
    assert "expires" not in forever.stderr  # stderr names only the database

    (feed,) = [k for k in await key_service.list_keys(db) if k.name == "feed"]
    assert feed.expires_at is not None and not feed.expired
    in_90_days = utcnow() + timedelta(days=90)
    assert abs(datetime.fromisoformat(feed.expires_at) - in_90_days) < timedelta(minutes=1)
    async with db.write() as conn:
        past = utcnow() - timedelta(days=1)
        await conn.execute(update(api_keys).where(api_keys.c.name == "ui").values(expires_at=past))

    listed = await hub(database_url, "keys", "list")
    assert listed.exit_code == 0, listed.output
    assert "EXPIRES" in listed.output
    rows = {line.split()[0]: line for line in listed.output.splitlines() if "hub_" in line}
    assert feed.expires_at[:10] in rows["feed"] and not rows["feed"].endswith("expired")
    assert rows["ui"].endswith("expired")
    assert plain not in listed.output and plain[:12] in rows["feed"]


@pytest.mark.parametrize(
    ("when", "reason"),
    [("2020-01-01", "not in the future"), ("tomorrow", "give a duration"),
     ("2030-01-01T00:00:00", "needs a UTC offset")],
)  # fmt: skip
async def test_cli_refuses_a_bad_expiry(
    database_url: str, db: Database, when: str, reason: str
) -> None:
    r = await hub(
        database_url, "keys", "create", "--name", "x", "--scope", "admin", "--expires", when
    )
    assert r.exit_code == 2, r.output
    assert "--expires" in r.output and reason in r.output
    assert await key_service.list_keys(db) == []
