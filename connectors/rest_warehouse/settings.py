"""The REST warehouse connection's settings (checked by the hub at start, ``settings_type``,
and parsed on each call) and secrets.

Paths are templates with named placeholders (``{reference}``: the hub's fulfilment id,
``{partner_ref}``: the warehouse's id for it), each value URL-encoded when filled in.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import quote

import msgspec

from hub.sdk import Connection, FatalError

WHAT = "rest_warehouse"
#: the placeholders each path setting may use
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "create_path": frozenset({"reference"}),
    "cancel_path": frozenset({"reference", "partner_ref"}),
    "lookup_path": frozenset({"reference"}),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

MappingName = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
UrlPath = Annotated[str, msgspec.Meta(pattern=r"^/")]


class RestWarehouseSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mapping: MappingName  # mappings/warehouse/<mapping>.yaml
    create_path: UrlPath = "/orders"
    cancel_path: UrlPath = "/orders/{partner_ref}/cancel"
    lookup_path: UrlPath = "/orders?reference={reference}"
    auth: Literal["bearer", "basic", "none"] = "bearer"
    # answers to a create that mean "already have it": the order is looked up instead
    duplicate_statuses: frozenset[Annotated[int, msgspec.Meta(ge=400, le=499)]] = frozenset({409})
    signature_header: str = "X-Signature"
    signature_scheme: Literal["hex", "base64"] = "hex"
    signature_prefix: str = ""  # e.g. "sha256=" before the digest
    event_id_header: str | None = None  # the partner's delivery id, for dedupe
    topic_header: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in PLACEHOLDERS.items():
            for used in _PLACEHOLDER.findall(getattr(self, name)):
                if used not in allowed:
                    raise ValueError(
                        f"{name}: unknown placeholder {{{used}}}; "
                        f"use {', '.join(f'{{{a}}}' for a in sorted(allowed))}"
                    )


def parse_settings(settings: Mapping[str, Any] | None) -> RestWarehouseSettings:
    """The connection's settings; a missing or wrong one is a FatalError naming it."""
    try:
        return msgspec.convert(dict(settings or {}), RestWarehouseSettings)
    except msgspec.ValidationError as exc:
        raise FatalError(f"{WHAT} connection settings: {exc}") from None


def fill(template: str, **values: str) -> str:
    """``template`` with each ``{name}`` replaced by its URL-encoded value."""
    return _PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), template)


def secret(connection: Connection, name: str) -> str:
    """A secret of the connection; a missing one is a FatalError naming it (never a value)."""
    value = connection.secrets.get(name)
    if not value:
        raise FatalError(f"{WHAT} connection {connection.code!r} lacks secret {name!r}")
    return value


def base_url(connection: Connection) -> str:
    if not connection.base_url:
        raise FatalError(f"{WHAT} connection {connection.code!r} has no base_url")
    return connection.base_url.rstrip("/")


def auth_headers(connection: Connection, settings: RestWarehouseSettings) -> dict[str, str]:
    """``Authorization`` as the ``auth`` setting says: Bearer ``api_key``, Basic
    ``username``:``password``, or none."""
    if settings.auth == "bearer":
        return {"Authorization": f"Bearer {secret(connection, 'api_key')}"}
    if settings.auth == "basic":
        pair = f"{secret(connection, 'username')}:{secret(connection, 'password')}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    return {}
