"""``hold_back_below_days_of_cover``: a channel's figure drops to 0 when the stock covers
fewer days of the SKU's forecast demand, in ``GET /stock/{sku}`` and in what stock sync
pushes, with the reason among the ATS terms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.config import Settings
from hub.domain.ats import ChannelRules
from hub.forecasting import ForecastConfig
from hub.services.forecast import run_forecasts
from hub.services.stock_sync import figures
from hub.store.database import Database
from tests.e2e.test_stock_api import setup_locations
from tests.support.planning import history_rows, load_history, receive

CONFIG = """
connections:
  - code: web
    connector: shopify
  - code: amazon-de
    connector: amazon
    settings: {hold_back_below_days_of_cover: 7}
"""


@pytest.fixture
async def hub_client(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    config = tmp_path / "hub.yaml"
    config.write_text(CONFIG)
    configured = msgspec.structs.replace(settings, config_path=str(config))
    async with AsyncTestClient(app=create_app(configured, run_worker=False)) as client:
        yield client


async def test_a_channel_holds_back_when_cover_is_short(
    hub_client: AsyncTestClient, auth: dict[str, str], db: Database
) -> None:
    client = hub_client
    await setup_locations(client, auth)
    await receive(client, auth, ("TEE", "main", 10))
    view = (await client.get("/stock/TEE", headers=auth)).json()
    assert {c["channel"]: c["ats"] for c in view["channels"]}["amazon-de"] == 10  # no forecast

    start = date(2024, 1, 1)
    await load_history(db, history_rows("TEE", "web", start, [2.0] * 100))
    end = start + timedelta(days=99)
    await run_forecasts(db, history_end=end, config=ForecastConfig(workers=1))  # 2 a day
    view = (await client.get("/stock/TEE", headers=auth)).json()
    channels = {c["channel"]: c for c in view["channels"]}
    assert channels["web"]["ats"] == 10
    assert channels["amazon-de"]["ats"] == 0  # 10 units / 2 a day = 5 days < 7
    assert channels["amazon-de"]["terms"][-1] == {
        "term": "hold back: 5.0 days of cover < 7",
        "value": -10,
    }
    async with db.read() as conn:
        pushed = await conn.run_sync(
            lambda c: figures(c, ChannelRules(hold_back_below_days=7), ["TEE"])
        )
    assert pushed == {"TEE": 0}
    await receive(client, auth, ("TEE", "tpl", 6))  # 16 / 2 = 8 days: offered again
    view = (await client.get("/stock/TEE", headers=auth)).json()
    assert {c["channel"]: c["ats"] for c in view["channels"]}["amazon-de"] == 16
