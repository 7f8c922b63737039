"""WooCommerce REST v3 calls: the store's API root, HTTP basic auth, JSON answers.

Every call goes through ``PartnerHttp`` (429, 5xx and timeouts retried; other 4xx fatal).
Errors name the call, never the body, the headers or the keys.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError

API_PATH = "/wp-json/wc/v3"


def api_root(connection: Connection) -> str:
    """``{base}/wp-json/wc/v3``; base is the connection's base_url or ``settings.store_url``."""
    base = connection.base_url or connection.settings.get("store_url")
    if not isinstance(base, str) or not base.strip():
        raise FatalError(
            f"woocommerce connection {connection.code!r} has no base_url or settings.store_url"
        )
    return base.strip().rstrip("/") + API_PATH


def auth(connection: Connection) -> httpx.BasicAuth:
    """HTTP basic with the REST API key; a missing secret is a FatalError naming it."""
    values = []
    for name in ("consumer_key", "consumer_secret"):
        value = connection.secrets.get(name)
        if not value:
            raise FatalError(f"woocommerce connection {connection.code!r} lacks secret {name!r}")
        values.append(value)
    return httpx.BasicAuth(values[0], values[1])


def decode(content: bytes, what: str) -> Any:
    """A JSON answer; anything else (a PHP notice, a proxy page) is retriable."""
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        raise RetriableError(f"{what}: the answer is not JSON") from None


async def call(
    http: PartnerHttp,
    connection: Connection,
    method: str,
    path: str,
    what: str,
    **kwargs: Any,
) -> Any:
    """``method {api_root}{path}`` with auth; the decoded JSON answer."""
    response = await http.request(
        method,
        api_root(connection) + path,
        auth=auth(connection),
        headers={"Accept": "application/json"},
        **kwargs,
    )
    return decode(response.content, what)
