"""Finding connectors: every package that declares a ``hub.connectors`` entry point.

A third party ships a connector with pip by adding, in its own pyproject.toml::

    [project.entry-points."hub.connectors"]
    acme = "acme_hub.connector:AcmeConnector"
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

GROUP = "hub.connectors"


class ConnectorLoadError(ImportError):
    """A declared connector that cannot be imported; names the entry point."""


def discover() -> dict[str, Any]:
    """Connector name -> the object its entry point names, loaded."""
    found: dict[str, Any] = {}
    for ep in entry_points(group=GROUP):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:
            raise ConnectorLoadError(
                f"connector {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
    return found
