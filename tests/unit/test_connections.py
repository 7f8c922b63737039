"""The connections file: validated at start, errors name the file and key, secrets stay hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.connections import ConnectionsError, NotConfigured, load
from hub.sdk import PushesStock

CONNECTORS = {"shopify": object(), "woocommerce": object()}
ENV = {"SHOP_EU_SECRET": "s3cret-value"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(text)
    return path


def test_connections_load_with_secrets_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
connections:
  - code: shop-eu
    connector: shopify
    base_url: https://shop-eu.example
    settings: {location: main}
    secrets:
      webhook_secret: {env: SHOP_EU_SECRET}
""",
    )
    found = load(path, CONNECTORS, ENV)
    shop = found.get("shop-eu")
    assert shop is not None and shop.secret("webhook_secret") == "s3cret-value"
    assert found.get("callcentre") is not None  # always there
    assert "s3cret-value" not in repr(shop)
    info = {i.code: i for i in found.info()}
    assert info["shop-eu"].secrets == ["webhook_secret"]
    assert "s3cret-value" not in repr(info)


def test_no_file_means_only_the_callcentre(tmp_path: Path) -> None:
    assert [c.code for c in load(None, CONNECTORS).all()] == ["callcentre"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "connections:\n  - {code: a, connector: magento}",
            "connections[0].connector: unknown connector 'magento'",
        ),
        (
            "connections:\n  - {code: a, connector: shopify, secrets: {k: {env: NOPE}}}",
            "connections[0].secrets.k: environment variable NOPE is not set",
        ),
        (
            "connections:\n  - {code: a, connector: shopify}\n  - {code: a, connector: shopify}",
            "connections[1].code: 'a' is defined twice",
        ),
        ("connections:\n  - {code: Shop EU, connector: shopify}", "connections[0].code"),
        ("connections:\n  - {code: a, connector: shopify, colour: red}", "colour"),
        ("connections:\n  - {code: callcentre, connector: shopify}", "defined twice"),
        ("connections: [", "not valid YAML"),
        (
            "connections:\n  - {code: a, connector: shopify, settings: {stock_share: 150}}",
            "connections[0].settings.stock_share: Expected `int` <= 100",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConnectionsError) as err:
        load(path, CONNECTORS, ENV)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConnectionsError, match=r"hub\.yaml: cannot read"):
        load(tmp_path / "hub.yaml", CONNECTORS, ENV)


def test_require_gives_the_connection_and_a_connector_that_can_do_the_job(tmp_path: Path) -> None:
    path = write(tmp_path, "connections:\n  - {code: shop-eu, connector: shopify}\n")
    found = load(path, CONNECTORS, ENV)
    connection, connector = found.require("shop-eu")
    assert connection.code == "shop-eu" and connector is CONNECTORS["shopify"]
    with pytest.raises(NotConfigured, match="'shop-eu' is not configured to PushesStock"):
        found.require("shop-eu", PushesStock)  # a bare object pushes no stock
    with pytest.raises(NotConfigured, match="'nope'"):
        found.require("nope")
    with pytest.raises(NotConfigured):
        found.require("callcentre")  # direct entry has no connector behind it
