"""The connections file: validated at start, errors name the file and key, secrets stay hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
import pytest

from hub.connections import ConnectionsError, NotConfigured, load
from hub.domain.settings import HubSettings
from hub.plugins import discover
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


class _Declared(msgspec.Struct, frozen=True, kw_only=True):
    mapping: str  # required
    page_size: Annotated[int, msgspec.Meta(ge=1)] = 50
    folder: str = "/srv/shop"

    def __post_init__(self) -> None:
        if not self.folder.startswith("/"):
            raise ValueError("folder must be an absolute path")


class _DeclaringConnector:
    """A connector that declares its settings (hub.sdk.HasSettings)."""

    settings_type = _Declared


DECLARING = {**CONNECTORS, "declaring": _DeclaringConnector()}


def test_one_settings_mapping_feeds_the_hub_and_the_connector(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "connections:\n"
        "  - code: shop\n"
        "    connector: declaring\n"
        "    settings: {mapping: m, page_size: 10, stock_buffer: 2, stock_policy: backorder,"
        " poll_interval_seconds: 60}\n",
    )
    found = load(path, DECLARING, ENV)
    shop, _ = found.require("shop")
    assert dict(shop.settings) == {"mapping": "m", "page_size": 10}  # the connector's keys
    typed = found.hub_settings("shop")
    assert isinstance(typed, HubSettings)
    assert (typed.stock_buffer, typed.stock_policy, typed.poll_interval_seconds) == (
        2,
        "backorder",
        60.0,
    )
    assert typed.stock_drift_minutes == 60.0 and typed.stock_push  # defaults
    assert found.hub_settings("nope") == HubSettings()
    [info] = [i for i in found.info() if i.code == "shop"]
    assert info.settings == {  # GET /connections shows the mapping as configured
        "mapping": "m",
        "page_size": 10,
        "stock_buffer": 2,
        "stock_policy": "backorder",
        "poll_interval_seconds": 60,
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("{mapping: m, colour: red}", "connections[0].settings.colour: not a setting of the hub"),
        ("{mapping: m, page_size: 0}", "connections[0].settings.page_size: Expected `int` >= 1"),
        ("{page_size: 3}", "connections[0].settings: Object missing required field `mapping`"),
        ("{mapping: m, folder: tmp}", "connections[0].settings: folder must be an absolute path"),
        ("{mapping: m, stock_policy: later}", "connections[0].settings.stock_policy: Invalid"),
        ("{mapping: m, stock_push: 'no'}", "connections[0].settings.stock_push: Expected `bool`"),
        ("{mapping: m, lookback_seconds: -1}", "connections[0].settings.lookback_seconds"),
        ("{mapping: m, release_when: shipped}", "connections[0].settings.release_when: Invalid"),
    ],
)
def test_a_bad_setting_stops_the_hub_naming_the_connection_and_key(
    tmp_path: Path, settings: str, message: str
) -> None:
    path = write(
        tmp_path, f"connections:\n  - {{code: shop, connector: declaring, settings: {settings}}}"
    )
    with pytest.raises(ConnectionsError) as err:
        load(path, DECLARING, ENV)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
    assert "(connection 'shop')" in str(err.value)


def test_a_direct_entry_channel_takes_the_hubs_settings_only(tmp_path: Path) -> None:
    text = "connections:\n  - {code: wholesale, connector: callcentre, settings: {%s}}\n"
    found = load(write(tmp_path, text % "stock_policy: backorder"), CONNECTORS, ENV)
    assert [c.code for c in found.all()] == ["callcentre", "wholesale"]
    assert found.hub_settings("wholesale").stock_policy == "backorder"
    with pytest.raises(NotConfigured):
        found.require("wholesale")  # like the callcentre: no connector behind it
    with pytest.raises(ConnectionsError) as err:
        load(write(tmp_path, text % "mapping: m"), CONNECTORS, ENV)
    assert "connections[0].settings.mapping: not a setting of the hub" in str(err.value)
    assert "(connection 'wholesale')" in str(err.value)


@pytest.mark.parametrize(
    "line",
    [
        "base_url: https://shop.example/api",
        "base_url: http://127.0.0.1:8999/",  # loopback: a local partner or a test double
        "base_url: http://127.0.0.2",
        "base_url: 'http://[::1]:8080'",
        "base_url: http://localhost:9000",
        "{base_url: http://wh.internal/api, allow_insecure: true}",
    ],
)
def test_a_base_url_is_https_or_loopback_or_allowed_insecure(tmp_path: Path, line: str) -> None:
    entry = line[1:-1] if line.startswith("{") else line
    path = write(tmp_path, f"connections:\n  - {{code: a, connector: shopify, {entry}}}\n")
    assert load(path, CONNECTORS, ENV).get("a") is not None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://shop.example/api", "base_url: plain http to shop.example is refused"),
        ("http://user:hunter2@10.0.0.7", "base_url: plain http to 10.0.0.7 is refused"),
        ("ftp://shop.example", "base_url: not an http(s) URL with a host"),
        ("shop.example", "base_url: not an http(s) URL with a host"),
        ("'http://[::1'", "base_url: not an http(s) URL with a host"),
    ],
)
def test_a_plain_http_base_url_stops_the_hub_naming_the_connection_and_key(
    tmp_path: Path, url: str, message: str
) -> None:
    path = write(tmp_path, f"connections:\n  - {{code: a, connector: shopify, base_url: {url}}}\n")
    with pytest.raises(ConnectionsError) as err:
        load(path, CONNECTORS, ENV)
    assert str(err.value).startswith(f"{path}: connections[0].{message}")
    assert "(connection 'a')" in str(err.value)
    assert "hunter2" not in str(err.value)


class _Marketplace:
    """A connector whose marketplace collects the money itself."""

    default_release_when = "always"


def test_release_when_is_the_setting_else_the_connectors_default_else_paid(
    tmp_path: Path,
) -> None:
    text = """
connections:
  - {code: shop, connector: shopify}
  - {code: shop-auth, connector: shopify, settings: {release_when: authorized}}
  - {code: market, connector: market}
  - {code: market-paid, connector: market, settings: {release_when: paid}}
  - {code: wholesale, connector: callcentre, settings: {release_when: always}}
"""
    found = load(write(tmp_path, text), CONNECTORS | {"market": _Marketplace()}, ENV)
    assert {c.code: found.release_when(c.code) for c in found.all()} == {
        "callcentre": "paid",
        "shop": "paid",
        "shop-auth": "authorized",
        "market": "always",
        "market-paid": "paid",
        "wholesale": "always",
    }
    assert found.release_when("no-such-channel") == "paid"


def test_the_built_in_marketplaces_release_as_orders_come() -> None:
    connectors = discover()
    assert {name: getattr(c, "default_release_when", "paid") for name, c in connectors.items()
            if name in ("amazon", "ebay", "shopify", "woocommerce", "square")} == {
        "amazon": "always", "ebay": "always",
        "shopify": "paid", "woocommerce": "paid", "square": "paid",
    }  # fmt: skip
