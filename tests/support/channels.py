"""Connections files for tests: an order's channel must be a configured connection (or the
callcentre), so a test that sends orders for other channels configures them first."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hub.config import Settings


def with_channels(
    settings: Settings,
    folder: Path,
    *codes: str,
    settings_of: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """``settings`` with a connections file in ``folder`` that makes each of ``codes`` a
    direct-entry channel (``connector: callcentre``), with its hub settings from
    ``settings_of``."""
    connections = [
        {
            "code": code,
            "connector": "callcentre",
            "settings": dict((settings_of or {}).get(code, {})),
        }
        for code in codes
    ]
    path = folder / "channels.yaml"
    path.write_text(json.dumps({"connections": connections}))  # JSON is YAML
    return msgspec.structs.replace(settings, config_path=str(path))
