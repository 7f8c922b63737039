"""Shared test helpers for the EasyPost connector: the fixtures folder, a connection, an http."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.sdk import Connection, PartnerHttp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API_KEY = "EZTK-test-api-key-5f1c9e"
SIGNED: dict[str, Any] = json.loads((FIXTURES / "tracker_updated.headers.json").read_bytes())
BASE = "https://api.easypost.com"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_connection(**settings: Any) -> Connection:
    return Connection(
        code="easypost-main",
        connector="easypost",
        settings=settings,
        secrets={"api_key": API_KEY, "webhook_secret": SIGNED["secret"]},
    )


def basic_auth(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:".encode()).decode()


@pytest.fixture
async def http() -> AsyncIterator[PartnerHttp]:
    async with httpx.AsyncClient() as client:
        yield PartnerHttp(client, attempts=3, backoff=0.001, max_wait=1.0)
