"""Connection settings: validated, each wrong one named; folders created when needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.csv_warehouse import connector
from connectors.csv_warehouse.settings import parse_settings
from connectors.csv_warehouse.tests.support import (
    UNTIL,
    connection,
    fulfilment_request,
    no_http,
)
from hub.sdk import FatalError


def test_defaults_hang_below_the_inbox(tmp_path: Path) -> None:
    folders = parse_settings(connection(tmp_path).settings)
    inbox = tmp_path / "from_warehouse"
    assert folders.outbox == tmp_path / "to_warehouse"
    assert folders.inbox == inbox
    assert folders.archive == inbox / "processed"
    assert folders.rejected == inbox / "rejected"
    assert folders.sent == inbox / "processed" / "sent"
    assert (folders.delimiter, folders.encoding) == (",", "utf-8")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"outbox_dir": None}, "outbox_dir"),
        ({"inbox_dir": ""}, "inbox_dir"),
        ({"inbox_dir": "relative/inbox"}, "inbox_dir"),
        ({"archive_dir": "archive"}, "archive_dir"),
        ({"delimiter": ";;"}, "delimiter"),
        ({"delimiter": '"'}, "delimiter"),
        ({"encoding": "klingon-8"}, "encoding"),
        ({"settle_seconds": -1}, "settle_seconds"),
        ({"poll_max_files": 0}, "poll_max_files"),
    ],
)
def test_a_wrong_setting_is_fatal_and_named(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    settings = {
        k: v for k, v in {**connection(tmp_path).settings, **change}.items() if v is not None
    }
    with pytest.raises(FatalError, match=named):
        parse_settings(settings)


def test_two_settings_on_one_folder_are_fatal(tmp_path: Path) -> None:
    same = connection(tmp_path, archive_dir=str(tmp_path / "to_warehouse")).settings
    with pytest.raises(FatalError, match="archive_dir is the same folder as outbox_dir"):
        parse_settings(same)


async def test_folders_are_created_when_needed(tmp_path: Path) -> None:
    conn = connection(tmp_path / "deep" / "er")
    async with no_http() as http:
        await connector.create_fulfilment(conn, fulfilment_request(), http)
        await connector.poll_shipments(conn, None, http, until=UNTIL)
    root = tmp_path / "deep" / "er"
    for folder in ("to_warehouse", "from_warehouse/processed/sent", "from_warehouse/rejected"):
        assert (root / folder).is_dir(), folder
