"""Connections: configured instances of connectors, read from the file named by ``HUB_CONFIG``.

```yaml
connections:
  - code: shopify-eu            # the channel code orders carry
    connector: shopify          # a connector found under the hub.connectors entry points
    base_url: https://nordlicht.myshopify.com
    settings:                   # the hub's keys and the connector's, shown over the API
      stock_buffer: 2           #   the hub's (hub.domain.settings.HubSettings)
      location_id: "7700001"    #   the connector's (its settings_type)
    secrets:                    # never in the file: each names an environment variable
      webhook_secret: {env: SHOPIFY_EU_WEBHOOK_SECRET}
```

The file is validated at start; every error names the file, the key and, for a setting,
the connection. A ``callcentre`` connection (direct entry through ``POST /orders``) always
exists; ``connector: callcentre`` configures another direct-entry channel (a custom shop
that posts its orders, a wholesale desk), which takes the hub's settings only.

A ``base_url`` must be ``https``, or plain ``http`` to a loopback host (127.0.0.1, ::1,
localhost), unless the connection says ``allow_insecure: true``. Partner hosts are
trusted configuration: whoever writes this file chooses where the hub sends orders,
addresses and credentials.

A secret whose environment variable is not set stops the start, except where a
command maps stored messages only (``hub inbound replay``): it loads with
``require_secrets=False``, the unset ones left out and named in ``Connections.unset``.

One ``settings`` mapping holds two kinds of key. The hub's own (stock rules, release
policy, stock sync, polling) are converted into ``HubSettings``; the rest belong to the
connector, which declares them as a msgspec Struct (``settings_type``, see
``hub.sdk.HasSettings``) and they are converted into it, so a bad value stops the hub at
start. A key that neither knows is an error naming it (a connector that declares no
``settings_type`` takes any key).

What code reads: services take the hub's typed settings from ``Connections.hub_settings(code)``
(a parallel mapping beside the connections, so the SDK's ``Connection`` stays the
connector's view); ``Connection.settings``, what a connector is handed, holds the
connector's keys only. ``info()`` (``GET /connections``) shows the mapping as configured.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from hub.domain.ats import ChannelRules
from hub.domain.document_series import DocumentSeries, parse_series
from hub.domain.notifications import refused_reason
from hub.domain.payments import RELEASE_WHEN, ReleaseWhen
from hub.domain.settings import HUB_KEYS, HubSettings, SettingsError, convert, hub_settings
from hub.infra.yaml import YamlFileError, read_yaml
from hub.sdk.connector import Connection, HasSettings

CALLCENTRE = Connection(code="callcentre", connector="callcentre")
#: the connector name of a direct-entry channel: orders come only through the API or import
DIRECT_ENTRY = CALLCENTRE.connector
#: when an order may go to fulfilment where neither the connection nor its connector says
DEFAULT_RELEASE_WHEN: ReleaseWhen = "paid"
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
    allow_insecure: bool = False  # plain http to a host other than loopback
    settings: dict[str, Any] = {}
    secrets: dict[str, _Secret] = {}


class _FileIn(msgspec.Struct, forbid_unknown_fields=True):
    connections: list[_ConnectionIn] = []
    documents: dict[str, Any] | None = None  # hub.domain.document_series


class ConnectionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A connection as the API shows it: no secret values, only which ones are set."""

    code: str
    connector: str
    base_url: str | None
    settings: dict[str, Any]
    secrets: list[str]
    capabilities: list[str]


class Connections:
    """The configured connections, with the connector object behind each and the hub's
    typed settings of each.

    ``hub`` (code -> HubSettings) and ``shown`` (code -> the settings as configured) come
    from ``load``; a connection missing from them (one built in a test) has its hub
    settings read from its own ``settings``.
    """

    def __init__(
        self,
        connections: list[Connection],
        connectors: Mapping[str, Any],
        *,
        hub: Mapping[str, HubSettings] | None = None,
        shown: Mapping[str, Mapping[str, Any]] | None = None,
        unset: Mapping[str, list[str]] | None = None,
        documents: DocumentSeries | None = None,
    ) -> None:
        #: the document series (invoices, receipts, credit notes) of the ``documents:`` key
        self.documents = documents or DocumentSeries()
        self._by_code = {c.code: c for c in connections}
        #: code -> the environment variables of its secrets that were not set (see ``load``)
        self.unset = {code: list(names) for code, names in (unset or {}).items() if names}
        self._by_code.setdefault(CALLCENTRE.code, CALLCENTRE)
        self.connectors = dict(connectors)
        hub = hub or {}
        self._hub = {
            code: hub[code] if code in hub else hub_settings(c.settings)
            for code, c in self._by_code.items()
        }
        self._shown = {
            code: dict((shown or {}).get(code, c.settings)) for code, c in self._by_code.items()
        }

    def get(self, code: str) -> Connection | None:
        return self._by_code.get(code)

    def connector(self, connection: Connection) -> Any:
        return self.connectors.get(connection.connector)

    def hub_settings(self, code: str) -> HubSettings:
        """The hub's own typed settings of connection ``code`` (the defaults for a code no
        connection has)."""
        found = self._hub.get(code)
        return found if found is not None else HubSettings()

    def notify_events(self, code: str) -> frozenset[str]:
        """The buyer mails connection ``code`` sends (its ``notify``, else its connector's
        default; a code no connection has: none)."""
        connection = self._by_code.get(code)
        if connection is None:
            return frozenset()
        return self.hub_settings(code).notify_events(connection.connector)

    def release_when(self, code: str) -> ReleaseWhen:
        """When an order of channel ``code`` may go to fulfilment: its ``release_when``
        setting, else its connector's ``default_release_when`` (a marketplace that collects
        the money says ``always``), else ``paid`` (the call centre, shops, generic channels)."""
        configured = self.hub_settings(code).release_when
        if configured is not None:
            return configured
        connection = self._by_code.get(code)
        connector = self.connector(connection) if connection is not None else None
        declared = getattr(connector, "default_release_when", None)
        return declared if declared in RELEASE_WHEN else DEFAULT_RELEASE_WHEN

    def channel_rules(self) -> dict[str, ChannelRules]:
        """Every connection's stock rules (what it may see of the stock), by code."""
        return {c.code: self._hub[c.code].rules() for c in self.all()}

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
                    settings=dict(self._shown[c.code]),
                    secrets=sorted(c.secrets),
                    capabilities=caps,
                )
            )
        return out


def load(
    path: str | Path | None,
    connectors: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    *,
    require_secrets: bool = True,
) -> Connections:
    """Read and check the connections file (None: only the built-in callcentre). Without
    ``require_secrets``, a secret whose variable is unset is left out instead of refused."""
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
    hub: dict[str, HubSettings] = {}
    unset: dict[str, list[str]] = {}
    for i, c in enumerate(parsed.connections):
        key = f"{where}: connections[{i}]"
        _check_code(key, c, found, connectors)
        _check_base_url(key, c)
        hub[c.code], theirs = _split_settings(key, c, connectors.get(c.connector))
        unset[c.code] = sorted(s.env for s in c.secrets.values() if not env.get(s.env))
        if require_secrets and unset[c.code]:
            _refuse_unset(key, c, env)
        found.append(
            Connection(
                code=c.code,
                connector=c.connector,
                settings=theirs,
                secrets={n: env[s.env] for n, s in c.secrets.items() if env.get(s.env)},
                base_url=c.base_url,
            )
        )
    shown = {c.code: c.settings for c in parsed.connections}
    documents = _documents(where, parsed.documents, [CALLCENTRE.code, *hub])
    return Connections(found, connectors, hub=hub, shown=shown, unset=unset, documents=documents)


def _documents(where: str, raw: dict[str, Any] | None, codes: list[str]) -> DocumentSeries:
    """The ``documents:`` key checked, each logo file among it readable."""
    try:
        documents = parse_series(raw, codes)
    except SettingsError as exc:
        at = f"documents.{exc.key}" if exc.key else "documents"
        raise ConnectionsError(f"{where}: {at}: {exc.reason}") from None
    for i, s in enumerate(documents.series.values()):
        logo = s.seller.logo
        if logo is not None and not Path(logo).is_file():
            raise ConnectionsError(f"{where}: documents.series[{i}].seller.logo: no file {logo!r}")
    return documents


def _check_code(
    key: str, c: _ConnectionIn, found: list[Connection], connectors: Mapping[str, Any]
) -> None:
    if not _CODE.match(c.code):
        raise ConnectionsError(
            f"{key}.code: {c.code!r} is not a code (lower-case letters, digits, - _)"
        )
    if c.code in {f.code for f in found} or c.code == CALLCENTRE.code:
        raise ConnectionsError(f"{key}.code: {c.code!r} is defined twice")
    if c.connector not in connectors and c.connector != DIRECT_ENTRY:
        known = ", ".join(sorted({*connectors, DIRECT_ENTRY}))
        raise ConnectionsError(
            f"{key}.connector: unknown connector {c.connector!r} (known: {known})"
        )


def _split_settings(
    key: str, c: _ConnectionIn, connector: Any
) -> tuple[HubSettings, dict[str, Any]]:
    """The hub's typed settings, and the connector's keys (checked against its
    ``settings_type`` when it declares one; a direct-entry channel has none)."""
    declared = connector.settings_type if isinstance(connector, HasSettings) else None
    if connector is None:  # direct entry: the hub's keys only
        declared = _NoSettings
    if declared is None:  # the connector takes any key
        theirs = {k: v for k, v in c.settings.items() if k not in HUB_KEYS}
    else:
        known = {f.encode_name for f in msgspec.structs.fields(declared)}
        for name in c.settings:
            if name not in HUB_KEYS and name not in known:
                raise ConnectionsError(
                    f"{key}.settings.{name}: not a setting of the hub or of the "
                    f"{c.connector} connector (connection {c.code!r})"
                )
        theirs = {k: v for k, v in c.settings.items() if k in known}
    try:
        ours = hub_settings(c.settings)
        if declared is not None:
            convert(theirs, declared)
    except SettingsError as exc:
        at = f"{key}.settings.{exc.key}" if exc.key else f"{key}.settings"
        raise ConnectionsError(f"{at}: {exc.reason} (connection {c.code!r})") from None
    refused = refused_reason(c.connector, ours.notify_events(c.connector))
    if refused:
        raise ConnectionsError(f"{key}.settings.notify: {refused} (connection {c.code!r})")
    return ours, theirs


class _NoSettings(msgspec.Struct, forbid_unknown_fields=True):
    """What a direct-entry channel takes beyond the hub's settings: nothing."""


def _check_base_url(key: str, c: _ConnectionIn) -> None:
    """https, or plain http to loopback, unless the connection says ``allow_insecure``."""
    if c.base_url is None:
        return
    try:
        parts = urlsplit(c.base_url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise ConnectionsError(
            f"{key}.base_url: not an http(s) URL with a host (connection {c.code!r})"
        )
    if scheme == "https" or c.allow_insecure or _loopback(host):
        return
    raise ConnectionsError(
        f"{key}.base_url: plain http to {host} is refused; use https (http is allowed to "
        f"127.0.0.1, ::1 and localhost), or set allow_insecure: true on the connection "
        f"(connection {c.code!r})"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse_unset(key: str, c: _ConnectionIn, env: Mapping[str, str]) -> None:
    """Refuse the first secret whose environment variable is not set."""
    for name, secret in c.secrets.items():
        if not env.get(secret.env):
            raise ConnectionsError(
                f"{key}.secrets.{name}: environment variable {secret.env} is not set"
            )


def _where(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    reason, _, path = text.partition(" - at `$")
    return f"{path.rstrip('`').lstrip('.')}: {reason}" if path else text
