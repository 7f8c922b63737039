"""The EasyPost connector's connection settings (checked by the hub at start, and parsed on
each call) and secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://api.easypost.com"


#: PNG, PDF or ZPL, in any case (kept upper-case)
LabelFormat = Annotated[str, msgspec.Meta(pattern=r"(?i)^\s*(png|pdf|zpl)\s*$")]


class EasyPostSettings(msgspec.Struct, frozen=True, kw_only=True):
    label_format: LabelFormat = "PNG"
    fetch_label: bool = True  # download label_url's bytes into Label.label

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "label_format", self.label_format.strip().upper())


def parse_settings(settings: Mapping[str, Any] | None) -> EasyPostSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), EasyPostSettings)
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
