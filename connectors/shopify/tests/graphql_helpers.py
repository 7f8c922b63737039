"""Shared bits of the GraphQL Admin API tests: the connection, fixtures, request bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from hub.sdk import Connection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOKEN = "shpat_test_0123456789abcdef"
URL = "https://acme-eu.myshopify.com/admin/api/2025-01/graphql.json"
SETTINGS: dict[str, Any] = {"shop_domain": "acme-eu.myshopify.com", "location_id": "7700001"}
CONNECTION = Connection(
    code="shopify-eu",
    connector="shopify",
    settings=SETTINGS,
    secrets={"access_token": TOKEN, "webhook_secret": "whsec"},
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def answer(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=fixture(name))


def body(request: httpx.Request) -> Any:
    """A GraphQL request's JSON body (query and variables)."""
    return json.loads(request.content)


def assert_graphql_request(request: httpx.Request, url: str = URL) -> Any:
    """The request is a GraphQL POST with the token; returns its body."""
    assert request.method == "POST"
    assert str(request.url) == url
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    return body(request)
