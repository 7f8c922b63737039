"""What README.md and the JSON-channel guide say about settings and commands matches the
code: every environment variable the hub reads is in the configuration table with its
default, ``stock_skus`` is explained value by value, and both documents write ``hub`` the
same way and say how to get it on the PATH."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import msgspec
import pytest

from hub import config
from hub.domain.settings import HubSettings
from hub.mapping import registry

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
GUIDE = (ROOT / "docs" / "adding-a-json-channel.md").read_text("utf-8")
#: set by ``hub serve --processes`` for its own worker processes, not by people
INTERNAL = {"HUB_RUN_WORKER"}


def table() -> dict[str, str]:
    """The configuration table: variable -> its default cell."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(HUB_[A-Z_]+)` \|([^|]*)\|", section, re.MULTILINE)
    assert len(rows) == len(dict(rows)), "a variable is listed twice"
    return {name: default.strip().strip("`") for name, default in rows}


def read_by_the_code() -> set[str]:
    """Every ``HUB_*`` variable the hub's code names as a string."""
    found: set[str] = set()
    for path in (ROOT / "src" / "hub").rglob("*.py"):
        found |= set(re.findall(r"\"(HUB_[A-Z_]+)\"", path.read_text("utf-8")))
    return found


def test_the_table_lists_every_variable_the_hub_reads() -> None:
    settings = set(config.VARIABLES.values())
    assert {"HUB_WORKER_BATCH", "HUB_DONE_JOB_RETENTION_HOURS"} <= settings  # once missing
    expected = settings | {registry.ENV_VAR} | (read_by_the_code() - INTERNAL)
    assert set(table()) == expected


@pytest.mark.parametrize("field", [f.name for f in msgspec.structs.fields(config.Settings)])
def test_each_default_in_the_table_is_the_codes(field: str) -> None:
    shown = table()[config.VARIABLES[field]]
    default = getattr(config.Settings(), field)
    if field == "database_url":
        assert config.normalise_database_url(shown) == default
    elif isinstance(default, int | float):
        assert float(shown) == default
    else:
        assert shown == "" and not default


def test_stock_skus_is_explained_value_by_value() -> None:
    values = typing.get_args(typing.get_type_hints(HubSettings)["stock_skus"])
    default = HubSettings().stock_skus
    assert set(values) == {"listed", "all"}
    paragraph = README.split("Which SKUs a connection sells", 1)[1].split("\n\n", 1)[0]
    assert f"`{default}` (the default)" in paragraph
    for value in values:
        assert f"`{value}` means" in paragraph or f"`{value}` (the default) means" in paragraph


@pytest.mark.parametrize("doc", [README, GUIDE], ids=["README", "guide"])
def test_hub_is_written_one_way_and_how_to_get_it_on_the_path_is_said(doc: str) -> None:
    assert re.search(r"^(?:\$ )?hub (?:serve|keys|mappings|inbound|stock|catalog) ", doc, re.M)
    assert "source .venv/bin/activate" in doc
    # a path to the command appears once: in the sentence that says what `hub` stands for
    assert len(re.findall(r"[\w./-]*bin/hub\b", doc)) == 1
