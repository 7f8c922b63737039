"""Fixtures for the Amazon tests: a fake clock, the connector on it, the fake partner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from connectors.amazon import AmazonConnector
from connectors.amazon.tests.fake_amazon import BASE, SECRETS, FakeAmazon
from hub.sdk import Connection, PartnerHttp

SETTINGS = {"marketplace_ids": ["ATVPDKIKX0DER"], "start": "2025-03-14T00:00:00Z"}


class FakeTime:
    """A monotonic clock that only moves when someone sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make_connection(**settings: object) -> Connection:
    return Connection(
        code="amazon-us",
        connector="amazon",
        base_url=BASE,
        settings={**SETTINGS, **settings},
        secrets=SECRETS,
    )


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def connector(fake_time: FakeTime) -> AmazonConnector:
    return AmazonConnector(clock=fake_time.clock, sleep=fake_time.sleep)


@pytest.fixture
def connection() -> Connection:
    return make_connection()


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    with respx.mock(assert_all_called=False) as router:
        yield FakeAmazon(router)


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, max_wait=5.0, backoff=0.001)
