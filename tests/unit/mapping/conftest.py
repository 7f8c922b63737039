"""Fixtures for the mapping engine: mapping files and partner documents under fixtures/."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.mapping import Mapping, load_default

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAPPINGS = FIXTURES / "mappings"
DELETE = object()


def document(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def changed(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    """A deep copy of ``value`` with the item at ``path`` replaced (or removed with DELETE)."""
    out = copy.deepcopy(value)
    *parents, last = path
    target = out
    for key in parents:
        target = target[key]
    if new is DELETE:
        del target[last]
    else:
        target[last] = new
    return out


def variant(
    folder: Path, *changes: tuple[tuple[str | int, ...], Any], base: str = "test_shop.yaml"
) -> Path:
    """The fixture mapping ``base`` with some keys changed, written into ``folder``."""
    data = yaml.safe_load((MAPPINGS / base).read_text(encoding="utf-8"))
    for path, new in changes:
        data = changed(data, path, new)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / base
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


@pytest.fixture
def shop() -> Mapping:
    return Mapping.load(MAPPINGS / "test_shop.yaml")


@pytest.fixture
def shop_order() -> Any:
    return document("test_shop_order.json")


@pytest.fixture
def fresh_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``load_default`` with an empty cache before and after the test."""
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    load_default.cache_clear()
    yield
    load_default.cache_clear()
