"""Connectors are found through the ``hub.connectors`` entry-point group, as pip installs them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.plugins import ConnectorLoadError, discover


def _install(site: Path, module: str, body: str, entry: str) -> None:
    """Lay out what `pip install` would: a module and a .dist-info with entry_points.txt."""
    (site / f"{module}.py").write_text(body)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[hub.connectors]\n{entry}\n")


def test_a_pip_installed_connector_is_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, "acme_hub", "class Acme:\n    name = 'acme'\n", "acme = acme_hub:Acme")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover()
    assert found["acme"].name == "acme"
    sys.modules.pop("acme_hub", None)


def test_a_broken_connector_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "broken_hub", "raise RuntimeError('boom')\n", "broken = broken_hub:X")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConnectorLoadError, match="broken"):
        discover()
