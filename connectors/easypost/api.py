"""The EasyPost calls: create a shipment (its rates), buy it, read it back, fetch the label.

API calls authenticate with HTTP basic auth, the API key as user name and no password.
The label document is fetched from its own URL (a file store) *without* the API key.
Retries (429, 5xx, timeouts) and fatal 4xx are ``PartnerHttp``'s.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.easypost.settings import api_key, base_url
from connectors.easypost.shipments import Shipment, decode_shipment, encode
from hub.sdk import Connection, PartnerHttp

SHIPMENTS_PATH = "/v2/shipments"


def _auth(connection: Connection) -> tuple[str, str]:
    return (api_key(connection), "")


def _shipment_url(connection: Connection, shipment_id: str) -> str:
    return f"{base_url(connection)}{SHIPMENTS_PATH}/{quote(shipment_id, safe='')}"


async def create_shipment(
    http: PartnerHttp, connection: Connection, body: dict[str, Any]
) -> Shipment:
    """``POST /v2/shipments``: the new shipment with its ``rates``."""
    response = await http.post(
        base_url(connection) + SHIPMENTS_PATH,
        auth=_auth(connection),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        content=encode(body),
    )
    return decode_shipment(response.content, f"POST {SHIPMENTS_PATH}")


async def buy_shipment(
    http: PartnerHttp, connection: Connection, shipment_id: str, rate_id: str
) -> Shipment:
    """``POST /v2/shipments/{id}/buy`` with ``{rate: {id}}``: the bought shipment."""
    response = await http.post(
        _shipment_url(connection, shipment_id) + "/buy",
        auth=_auth(connection),
        headers={"Accept": "application/json"},
        json={"rate": {"id": rate_id}},
    )
    return decode_shipment(response.content, f"POST {SHIPMENTS_PATH}/{{id}}/buy")


async def retrieve_shipment(
    http: PartnerHttp, connection: Connection, shipment_id: str
) -> Shipment:
    """``GET /v2/shipments/{id}``."""
    response = await http.get(
        _shipment_url(connection, shipment_id),
        auth=_auth(connection),
        headers={"Accept": "application/json"},
    )
    return decode_shipment(response.content, f"GET {SHIPMENTS_PATH}/{{id}}")


async def fetch_document(http: PartnerHttp, url: str) -> bytes:
    """The label document at ``url`` (no credentials are sent to the file store)."""
    response = await http.get(url)
    return response.content
