"""Connections: configured instances of connectors, read from the file named by ``HUB_CONFIG``.

```yaml
connections:
  - code: shopify-eu            # the channel code orders carry
    connector: shopify          # a connector found under the hub.connectors entry points
    base_url: https://nordlicht.myshopify.com
    settings: {}                # connector-specific, shown over the API
    secrets:                    # never in the file: each names an environment variable
      webhook_secret: {env: SHOPIFY_EU_WEBHOOK_SECRET}
```

The file is validated at start; every error names the file and the key. A ``callcentre``
connection (direct entry through ``POST /orders``) always exists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hub.domain.ats import rules_from_settings
from hub.infra.yaml import YamlFileError, read_yaml
from hub.sdk.connector import Connection

CALLCENTRE = Connection(code="callcentre", connector="callcentre")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ConnectionsError(ValueError):
    """A connections file that cannot be used; the message names the file and the key."""


class NotConfigured(LookupError):
    """No connection by that code, or its connector cannot do what was asked."""

    def __init__(self, code: str | None, protocol: type | None) -> None:
        what = f"to {protocol.__name__}" if protocol is not None else ""
        if code is None:
            message = f"no connection is named {what}".strip()
        else:
            message = f"connection {code!r} is not configured {what}".strip()
        super().__init__(message)
        self.code = code
        self.protocol = protocol


class _Secret(msgspec.Struct, forbid_unknown_fields=True):
    env: str


class _ConnectionIn(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    connector: str
    base_url: str | None = None
    settings: dict[str, Any] = {}
    secrets: dict[str, _Secret] = {}


class _FileIn(msgspec.Struct, forbid_unknown_fields=True):
    connections: list[_ConnectionIn] = []


class ConnectionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A connection as the API shows it: no secret values, only which ones are set."""

    code: str
    connector: str
    base_url: str | None
    settings: dict[str, Any]
    secrets: list[str]
    capabilities: list[str]


class Connections:
    """The configured connections, with the connector object behind each."""

    def __init__(self, connections: list[Connection], connectors: Mapping[str, Any]) -> None:
        self._by_code = {c.code: c for c in connections}
        self._by_code.setdefault(CALLCENTRE.code, CALLCENTRE)
        self.connectors = dict(connectors)

    def get(self, code: str) -> Connection | None:
        return self._by_code.get(code)

    def connector(self, connection: Connection) -> Any:
        return self.connectors.get(connection.connector)

    def require(self, code: str | None, protocol: type | None = None) -> tuple[Connection, Any]:
        """The connection ``code`` and its connector, which must implement ``protocol``
        (a runtime-checkable Protocol) when one is given; else ``NotConfigured``."""
        connection = self._by_code.get(code) if code else None
        connector = self.connector(connection) if connection is not None else None
        if connection is None or connector is None:
            raise NotConfigured(code, protocol)
        if protocol is not None and not isinstance(connector, protocol):
            raise NotConfigured(code, protocol)
        return connection, connector

    def all(self) -> list[Connection]:
        return sorted(self._by_code.values(), key=lambda c: c.code)

    def info(self) -> list[ConnectionInfo]:
        out = []
        for c in self.all():
            connector = self.connector(c)
            caps = sorted(str(x) for x in getattr(connector, "capabilities", ()))
            out.append(
                ConnectionInfo(
                    code=c.code,
                    connector=c.connector,
                    base_url=c.base_url,
                    settings=dict(c.settings),
                    secrets=sorted(c.secrets),
                    capabilities=caps,
                )
            )
        return out


def load(
    path: str | Path | None,
    connectors: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> Connections:
    """Read and check the connections file (None: only the built-in callcentre)."""
    if path is None:
        return Connections([], connectors)
    env = os.environ if env is None else env
    where = str(path)
    try:
        raw = read_yaml(Path(path)) or {}
    except OSError as exc:
        raise ConnectionsError(f"{where}: cannot read: {exc.strerror}") from None
    except YamlFileError as exc:
        raise ConnectionsError(f"{where}: not valid YAML: {exc}") from None
    try:
        parsed = msgspec.convert(raw, _FileIn)
    except msgspec.ValidationError as exc:
        raise ConnectionsError(f"{where}: {_where(exc)}") from None
    found: list[Connection] = []
    for i, c in enumerate(parsed.connections):
        key = f"connections[{i}]"
        if not _CODE.match(c.code):
            raise ConnectionsError(
                f"{where}: {key}.code: {c.code!r} is not a code (lower-case letters, digits, - _)"
            )
        if c.code in {f.code for f in found} or c.code == CALLCENTRE.code:
            raise ConnectionsError(f"{where}: {key}.code: {c.code!r} is defined twice")
        if c.connector not in connectors:
            known = ", ".join(sorted(connectors)) or "none installed"
            raise ConnectionsError(
                f"{where}: {key}.connector: unknown connector {c.connector!r} (known: {known})"
            )
        try:
            rules_from_settings(c.settings)
        except ValueError as exc:
            raise ConnectionsError(f"{where}: {key}.settings.{exc}") from None
        secrets: dict[str, str] = {}
        for name, secret in c.secrets.items():
            value = env.get(secret.env)
            if not value:
                raise ConnectionsError(
                    f"{where}: {key}.secrets.{name}: environment variable {secret.env} is not set"
                )
            secrets[name] = value
        found.append(
            Connection(
                code=c.code,
                connector=c.connector,
                settings=c.settings,
                secrets=secrets,
                base_url=c.base_url,
            )
        )
    return Connections(found, connectors)


def _where(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    reason, _, path = text.partition(" - at `$")
    return f"{path.rstrip('`').lstrip('.')}: {reason}" if path else text
