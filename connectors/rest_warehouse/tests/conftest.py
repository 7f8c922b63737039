"""Every test reads warehouse mappings from the repository's mappings folder unless it says
otherwise (tests that need a broken or special mapping point HUB_MAPPINGS_DIR elsewhere)."""

from __future__ import annotations

import pytest

from connectors.rest_warehouse.tests.support import MAPPINGS


@pytest.fixture(autouse=True)
def _repository_mappings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(MAPPINGS))
