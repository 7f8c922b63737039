"""The CSV warehouse's connection settings: its folders and CSV dialect, checked by the hub at
start (``settings_type``) and resolved on each call."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import msgspec

from hub.sdk import FatalError, RetriableError

#: characters that cannot separate CSV fields
FORBIDDEN_DELIMITERS = frozenset({'"', "\r", "\n"})


class CsvWarehouseSettings(msgspec.Struct, frozen=True, kw_only=True):
    outbox_dir: Annotated[str, msgspec.Meta(min_length=1)]  # pick requests go here
    inbox_dir: Annotated[str, msgspec.Meta(min_length=1)]  # the warehouse's confirmations
    archive_dir: str | None = None  # default <inbox_dir>/processed
    rejected_dir: str | None = None  # default <inbox_dir>/rejected
    sent_dir: str | None = None  # default <archive_dir>/sent: copies of the picks handed out
    delimiter: Annotated[str, msgspec.Meta(min_length=1, max_length=1)] = ","
    encoding: str = "utf-8"
    # a confirmation file changed less than this long ago may still be uploading: next poll
    settle_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    # files one poll reads at most (then ``more``)
    poll_max_files: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 200

    def __post_init__(self) -> None:
        _resolve(self)  # a ValueError naming the key: the hub stops at start


@dataclass(frozen=True, slots=True)
class Folders:
    """The connection's folders and dialect, resolved."""

    outbox: Path
    inbox: Path
    archive: Path
    rejected: Path
    sent: Path
    delimiter: str
    encoding: str
    settle_seconds: float
    poll_max_files: int


def _absolute(name: str, value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ValueError(f"{name} must be an absolute path")
    return path.resolve()


def _resolve(raw: CsvWarehouseSettings) -> Folders:
    """The folders and dialect; a ValueError naming the setting when one cannot be used."""
    if raw.delimiter in FORBIDDEN_DELIMITERS:
        raise ValueError("delimiter cannot be a quote or a line break")
    try:
        codecs.lookup(raw.encoding)
    except LookupError:
        raise ValueError(f"encoding {raw.encoding!r} is not known") from None
    outbox = _absolute("outbox_dir", raw.outbox_dir)
    inbox = _absolute("inbox_dir", raw.inbox_dir)
    archive = _absolute("archive_dir", raw.archive_dir) if raw.archive_dir else inbox / "processed"
    rejected = (
        _absolute("rejected_dir", raw.rejected_dir) if raw.rejected_dir else inbox / "rejected"
    )
    sent = _absolute("sent_dir", raw.sent_dir) if raw.sent_dir else archive / "sent"
    named = {
        "outbox_dir": outbox,
        "inbox_dir": inbox,
        "archive_dir": archive,
        "rejected_dir": rejected,
        "sent_dir": sent,
    }
    seen: dict[Path, str] = {}
    for name, path in named.items():
        if path in seen:
            raise ValueError(f"{name} is the same folder as {seen[path]}")
        seen[path] = name
    return Folders(
        outbox=outbox,
        inbox=inbox,
        archive=archive,
        rejected=rejected,
        sent=sent,
        delimiter=raw.delimiter,
        encoding=raw.encoding,
        settle_seconds=raw.settle_seconds,
        poll_max_files=raw.poll_max_files,
    )


def parse_settings(settings: Mapping[str, Any] | None) -> Folders:
    """The connection's settings; a wrong or missing one is a FatalError naming it."""
    try:
        return _resolve(msgspec.convert(dict(settings or {}), CsvWarehouseSettings))
    except msgspec.ValidationError as exc:
        raise FatalError(f"csv_warehouse connection settings: {exc}") from None


def ensure_dirs(*paths: Path) -> None:
    """Create the folders that are missing; a disk or permission problem is retriable."""
    for path in paths:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RetriableError(
                f"csv_warehouse: cannot create folder {path}: {exc.strerror or type(exc).__name__}"
            ) from None
