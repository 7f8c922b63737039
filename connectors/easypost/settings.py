"""The EasyPost connector's connection settings and secrets, validated on each call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://api.easypost.com"


class EasyPostSettings(msgspec.Struct, frozen=True, kw_only=True):
    label_format: Literal["PNG", "PDF", "ZPL"] = "PNG"
    fetch_label: bool = True  # download label_url's bytes into Label.label


def parse_settings(settings: Mapping[str, Any] | None) -> EasyPostSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    values = dict(settings or {})
    if isinstance(values.get("label_format"), str):
        values["label_format"] = values["label_format"].strip().upper()
    try:
        return msgspec.convert(values, EasyPostSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"easypost connection settings: {exc}") from None


def _secret(connection: Connection, name: str) -> str:
    value = connection.secrets.get(name)
    if not value:
        raise FatalError(f"easypost connection {connection.code!r} lacks secret {name!r}")
    return value


def api_key(connection: Connection) -> str:
    """The API key (HTTP basic auth user name); missing: a FatalError naming it, never a value."""
    return _secret(connection, "api_key")


def webhook_secret(connection: Connection) -> str:
    return _secret(connection, "webhook_secret")


def base_url(connection: Connection) -> str:
    return (connection.base_url or DEFAULT_BASE_URL).rstrip("/")
