"""Test support: the fixtures, a connection, a signed webhook, and mapping folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import msgspec

from hub.sdk import Connection, FulfilmentRequest, WebhookRequest, hmac_sha256_hex

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: the repository's mappings folder (with warehouse/example_warehouse.yaml)
MAPPINGS = ROOT / "mappings"
BASE = "https://wh.example.com/api/v2"
API_KEY = "wk_live_test_2b7c1f0e9d"
WEBHOOK_SECRET = "whk_test_5a6b7c8d9e0f"
REF = "ful_01JQ7X4M2N8P5R6S7T8V9W0XYZ"
WEBHOOK_BODY = (FIXTURES / "shipment_webhook.json").read_bytes()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def connection(
    *, secrets: dict[str, str] | None = None, base_url: str | None = BASE, **settings: Any
) -> Connection:
    return Connection(
        code="wh-columbus",
        connector="rest_warehouse",
        settings={"mapping": "example_warehouse", **settings},
        secrets={"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET}
        if secrets is None
        else secrets,
        base_url=base_url,
    )


def fulfilment_request(**changes: Any) -> FulfilmentRequest:
    request = msgspec.json.decode(
        (FIXTURES / "fulfilment_request.json").read_bytes(), type=FulfilmentRequest
    )
    return msgspec.structs.replace(request, **changes)


def signed_request(body: bytes = WEBHOOK_BODY, **headers: str) -> WebhookRequest:
    """The shipment webhook as the warehouse sends it: hex HMAC-SHA256 in X-Signature."""
    return WebhookRequest(
        url="https://oms.example.com/webhooks/wh-columbus",
        headers={
            "content-type": "application/json",
            "x-signature": hmac_sha256_hex(WEBHOOK_SECRET, body),
            **{k.lower(): v for k, v in headers.items()},
        },
        body=body,
    )


def mappings_with(folder: Path, name: str, text: str) -> Path:
    """A mappings folder holding the repository's mappings plus ``warehouse/<name>.yaml``."""
    shutil.copytree(MAPPINGS, folder, dirs_exist_ok=True)
    path = folder / "warehouse" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def example_mapping_text() -> str:
    return (MAPPINGS / "warehouse" / "example_warehouse.yaml").read_text(encoding="utf-8")
