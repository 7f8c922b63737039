"""Polling the inbox: read confirmation files, quarantine bad ones, archive read ones one
poll later.

A file whose reports a poll returned is moved to the archive only at the *next* poll, from
the cursor (``{"returned": [{"name", "sha256"}]}``): the hub hands that cursor back only
after it has stored the reports, so a crash in between reads the file again (the hub
dedupes) instead of losing it. The hash guards against a warehouse that reuses a file name:
a file rewritten since it was read is read again, not archived unread.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import msgspec

from connectors.csv_warehouse.confirmations import FileError, read_reports
from connectors.csv_warehouse.files import (
    free_name,
    move_to,
    os_error,
    read_if_exists,
    write_atomic,
)
from connectors.csv_warehouse.settings import Folders, ensure_dirs
from hub.sdk import ShipmentPollResult, ShipmentReport

log = logging.getLogger(__name__)


class Returned(msgspec.Struct, frozen=True):
    name: str
    sha256: str


class Cursor(msgspec.Struct, frozen=True):
    returned: list[Returned]


def read_cursor(cursor: str | None) -> list[Returned]:
    """The files a cursor names; an unreadable one names none (they are read again and the
    hub's dedupe absorbs it)."""
    if not cursor:
        return []
    try:
        entries = msgspec.json.decode(cursor, type=Cursor).returned
    except msgspec.MsgspecError:
        return []
    return [e for e in entries if _plain_name(e.name)]


def _plain_name(name: str) -> bool:
    return bool(name) and Path(name).name == name and not name.startswith(".")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_returned(folders: Folders, entry: Returned) -> None:
    """Move a file an earlier poll returned to the archive, unless it changed since."""
    path = folders.inbox / entry.name
    data = read_if_exists(path)
    if data is None or _digest(data) != entry.sha256:
        return
    move_to(path, folders.archive)


def reject(folders: Folders, path: Path, problem: str) -> None:
    """Move a bad file to the rejected folder with ``<name>.error.txt`` beside it."""
    target = free_name(folders.rejected, path.name)
    note = target.with_name(target.name + ".error.txt")
    write_atomic(note, f"{path.name}: {problem}\n".encode())
    try:
        shutil.move(path, target)
    except OSError as exc:
        raise os_error("move", path, exc) from None
    log.warning("csv_warehouse: %s rejected: %s", path.name, problem)


def waiting_files(folders: Folders, now: float) -> list[Path]:
    """The inbox's ``*.csv`` files (not hidden), by name, that have settled."""
    try:
        entries = sorted(folders.inbox.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise os_error("list", folders.inbox, exc) from None
    files = []
    for path in entries:
        if path.name.startswith(".") or path.suffix.lower() != ".csv":
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise os_error("read", path, exc) from None
        if path.is_file() and now - stat.st_mtime >= folders.settle_seconds:
            files.append(path)
    return files


def poll(folders: Folders, cursor: str | None, now: float) -> ShipmentPollResult:
    ensure_dirs(folders.inbox, folders.archive, folders.rejected)
    for entry in read_cursor(cursor):
        archive_returned(folders, entry)
    files = waiting_files(folders, now)
    more = len(files) > folders.poll_max_files
    reports: list[ShipmentReport] = []
    returned: list[Returned] = []
    for path in files[: folders.poll_max_files]:
        data = read_if_exists(path)
        if data is None:
            continue
        try:
            found = read_reports(data, delimiter=folders.delimiter, encoding=folders.encoding)
        except FileError as exc:
            reject(folders, path, str(exc))
            continue
        reports += found
        returned.append(Returned(name=path.name, sha256=_digest(data)))
    new_cursor = msgspec.json.encode(Cursor(returned=returned)).decode() if returned else None
    return ShipmentPollResult(shipments=reports, cursor=new_cursor, more=more)
