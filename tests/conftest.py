"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is required: when it cannot be reached the tests that need it fail (never skip).
Set ``HUB_TEST_POSTGRES_URL`` to point elsewhere than postgres@127.0.0.1:5432.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.config import Settings, normalise_database_url
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.migrate import upgrade

T = TypeVar("T")
PAYLOADS = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TABLES = [
    "order_counts",
    "order_hours",
    "webhook_deliveries",
    "subscriptions",
    "documents",
    "document_counters",
    "demand_daily",
    "demand_entries",
    "demand_orders",
    "forecast_runs",
    "forecasts",
    "forecast_locations",
    "replenishment_settings",
    "suppliers",
    "purchase_order_lines",
    "purchase_orders",
    "partner_breakers",
    "rate_buckets",
    "route_waits",
    "complaint_lines",
    "complaints",
    "shipped_daily",
    "shipment_lines",
    "shipments",
    "fulfilment_lines",
    "fulfilments",
    "stock_dirty",
    "stock_sync",
    "stock_drift",
    "bundle_components",
    "sku_aliases",
    "sku_listings",
    "skus",
    "payment_transactions",
    "order_events",
    "order_lines",
    "orders",
    "jobs",
    "idempotency_keys",
    "console_sessions",
    "api_keys",
    "inbound_reasons",
    "inbound_messages",
    "poll_cursors",
    "stock_movements",
    "stock_levels",
    "locations",
]


def _in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while an event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "hub.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        _in_thread(run(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL is required for the storage tests and is not reachable at "
            f"{admin.split('@')[-1]}: {exc}",
            pytrace=False,
        )
    url = normalise_database_url(admin.rsplit("/", 1)[0] + f"/{name}")
    upgrade(url)
    yield url
    _in_thread(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_postgres(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        await conn.execute("UPDATE counters SET value = 100000 WHERE name = 'order_number'")
        await conn.execute("ALTER SEQUENCE order_number_seq RESTART WITH 100001")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "hub.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    await _reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        worker_poll_seconds=0.05,
        job_backoff_base_seconds=0.01,
        job_backoff_cap_seconds=0.05,
        key_cache_seconds=0.0001,
        forecast_nightly=False,  # the tests that want a forecast run start it themselves
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The real app over its ASGI interface, with its lifespan; no in-process worker."""
    app = create_app(settings, run_worker=False)
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
async def admin_key(db: Database) -> str:
    _, plain = await key_service.create(db, "admin", ["admin"])
    return plain


@pytest.fixture
def auth(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_key}"}


#: Tests that time a fault or a schedule (a hanging partner, a killed worker, a rate, "within
#: 2 s"): ``./scripts/test`` runs them alone, after the rest has run on every core, so the
#: other workers' load cannot stretch what they time.
SERIAL = (
    "tests/faults/",
    "tests/integration/test_shared_rate_limit.py",
    "tests/integration/test_worker_kill.py",
    "tests/integration/test_worker_isolation.py",
    "tests/integration/test_webhook_delivery.py",
    "tests/unit/test_partner_http.py",
    "tests/e2e/test_outbound_webhooks.py",
    "tests/e2e/test_demo.py",
)
_ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(_ROOT).as_posix()
        if where.startswith(SERIAL):
            item.add_marker(pytest.mark.serial)
