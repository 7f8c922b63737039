"""One GraphQL Admin API call: the token header, the ``errors`` array and THROTTLED.

Shopify answers a throttled GraphQL call with HTTP 200 and
``errors[].extensions.code == "THROTTLED"``; the ``extensions.cost`` block says how many
points the call needs and how fast the bucket refills, from which the wait is computed.
HTTP 429/5xx, timeouts and other 4xx are ``PartnerHttp``'s. Error texts name the operation
and Shopify's error codes, never a message, a body or a header.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from connectors.shopify.settings import ShopifySettings, access_token, graphql_url
from hub.sdk import Connection, FatalError, PartnerHttp, RetriableError

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,60}$")


def error_code(value: object) -> str:
    """A Shopify error code fit for an error text (an enum word), else ``?``."""
    return value if isinstance(value, str) and _CODE.match(value) else "?"


def throttle_wait(extensions: object) -> float | None:
    """Seconds until the bucket holds the call's cost again, from ``extensions.cost``."""
    if not isinstance(extensions, dict):
        return None
    cost = extensions.get("cost")
    if not isinstance(cost, dict):
        return None
    status = cost.get("throttleStatus")
    requested = cost.get("requestedQueryCost")
    if not isinstance(status, dict) or not isinstance(requested, int | float):
        return None
    available = status.get("currentlyAvailable")
    rate = status.get("restoreRate")
    if not isinstance(available, int | float) or not isinstance(rate, int | float) or rate <= 0:
        return None
    return max(0.0, (requested - available) / rate)


async def graphql(
    http: PartnerHttp,
    connection: Connection,
    settings: ShopifySettings,
    query: str,
    variables: dict[str, Any],
    *,
    operation: str,
) -> dict[str, Any]:
    """POST ``query`` with ``variables``; the answer's ``data``.

    ``operation`` names the call in error texts. THROTTLED is a ``RetriableError`` (with
    ``retry_after`` when the cost block allows it); any other GraphQL error is fatal.
    """
    response = await http.post(
        graphql_url(connection, settings),
        headers={
            "X-Shopify-Access-Token": access_token(connection),
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        content=msgspec.json.encode({"query": query, "variables": variables}),
    )
    what = f"shopify {operation}"
    try:
        answer = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        raise RetriableError(f"{what}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise RetriableError(f"{what}: the answer is not a JSON object")
    errors = answer.get("errors")
    if errors:
        codes = [
            error_code((e.get("extensions") or {}).get("code")) if isinstance(e, dict) else "?"
            for e in (errors if isinstance(errors, list) else [errors])
        ]
        if "THROTTLED" in codes:
            raise RetriableError(
                f"{what}: throttled by Shopify", retry_after=throttle_wait(answer.get("extensions"))
            )
        raise FatalError(f"{what}: Shopify answered GraphQL errors {', '.join(codes)}")
    data = answer.get("data")
    if not isinstance(data, dict):  # a 2xx that is not Shopify's answer (a proxy?): later
        raise RetriableError(f"{what}: the answer holds no data")
    return data
