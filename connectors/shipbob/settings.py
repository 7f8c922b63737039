"""The ShipBob connector's connection settings (checked by the hub at start, and parsed on
each call) and secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from hub.sdk import Connection, FatalError

DEFAULT_BASE_URL = "https://api.shipbob.com"
#: the API version this connector was written against (2025-07; 2026-01 has the same paths)
DEFAULT_API_VERSION = "2025-07"
#: Standard Webhooks' usual replay window
DEFAULT_TOLERANCE_SECONDS = 300


ChannelId = Annotated[str, msgspec.Meta(pattern=r"^\d{1,12}$")]


class ShipBobSettings(msgspec.Struct, frozen=True, kw_only=True):
    api_version: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}$")] = DEFAULT_API_VERSION
    # the channel the hub's orders belong to (GET /channel), sent as ``shipbob_channel_id``
    # (a number in the YAML is taken as its digits)
    channel_id: ChannelId | Annotated[int, msgspec.Meta(ge=0, le=999_999_999_999)] | None = None
    # hub service level (standard, expedited, ...) -> ShipBob ship option name
    shipping_method_map: dict[str, str] = {}
    default_shipping_method: str = "Standard"
    webhook_tolerance_seconds: Annotated[int, msgspec.Meta(ge=0)] = DEFAULT_TOLERANCE_SECONDS
    # how many pages of 250 orders one poll reads at most
    poll_max_pages: Annotated[int, msgspec.Meta(ge=1, le=40)] = 4

    def __post_init__(self) -> None:
        if isinstance(self.channel_id, int):
            msgspec.structs.force_setattr(self, "channel_id", str(self.channel_id))


def parse_settings(settings: Mapping[str, Any] | None) -> ShipBobSettings:
    """The connection's settings; a wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), ShipBobSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"shipbob connection settings: {exc}") from None


def secret(connection: Connection, name: str) -> str:
    """A secret of the connection; a missing one is a FatalError naming it (never a value)."""
    value = connection.secrets.get(name)
    if not value:
        raise FatalError(f"shipbob connection {connection.code!r} lacks secret {name!r}")
    return value


def base_url(connection: Connection, settings: ShipBobSettings) -> str:
    """``{base}/{api_version}``: every path of the API hangs below it."""
    base = (connection.base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/{settings.api_version}"


def headers(connection: Connection, settings: ShipBobSettings) -> dict[str, str]:
    out = {
        "Authorization": f"Bearer {secret(connection, 'access_token')}",
        "Accept": "application/json",
    }
    if settings.channel_id is not None:
        out["shipbob_channel_id"] = settings.channel_id
    return out
