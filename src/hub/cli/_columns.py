"""Lists that read in an 80-column terminal, and their ``--json`` form.

A list is one line per item in aligned columns, without borders: the columns that can
shrink (a connection's code, a job's kind) are cut with "…" when the line would not fit,
never the id, so an id can be copied into the next command. The long text of an item (a
quarantine reason, a job's last error) goes under its line, indented and wrapped to the
terminal's width (``COLUMNS``), a few lines at most; ``--json`` and the ``show`` commands
have it whole.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click
import msgspec

NOTE_INDENT = "    "
NOTE_LINES = 3
GAP = "  "

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (stable field names)."
)


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` when set), at least 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def when(value: datetime | None) -> str:
    """A time in a list: UTC to the minute."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def natural_width(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """How wide the list's lines are with no column cut."""
    return sum(_widths(headers, rows, (), 10_000)) + len(GAP) * (len(headers) - 1)


def _widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], shrink: Sequence[int], width: int
) -> list[int]:
    """Each column's width: its longest cell, the ``shrink`` columns narrowed (widest
    first, never below their header) until the line fits ``width``."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    over = sum(widths) + len(GAP) * (len(widths) - 1) - width
    while over > 0:
        candidates = [i for i in shrink if widths[i] > max(len(headers[i]), 4)]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        over -= 1
    return widths


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    shrink: Sequence[int] = (),
    notes: Sequence[str | None] | None = None,
    width: int | None = None,
) -> str:
    """The list as text: a header line, then each row, each with its note under it."""
    width = width or terminal_width()
    widths = _widths(headers, rows, shrink, width)

    def line(cells: Sequence[str]) -> str:
        return GAP.join(cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers)]
    for i, row in enumerate(rows):
        out.append(line(row))
        note = notes[i] if notes is not None else None
        if note:
            out.extend(_note(note, width))
    return "\n".join(out)


def _note(text: str, width: int) -> list[str]:
    """A long text under its row: indented, wrapped, at most ``NOTE_LINES`` lines."""
    wrapped = textwrap.wrap(
        " ".join(text.split()),
        width=width - 2,  # room for " …"
        initial_indent=NOTE_INDENT,
        subsequent_indent=NOTE_INDENT,
        break_on_hyphens=False,  # SKUs and codes stay whole
    )
    if len(wrapped) > NOTE_LINES:
        wrapped = wrapped[:NOTE_LINES]
        wrapped[-1] += " …"
    return wrapped


def echo_json(value: Any) -> None:
    """One JSON document on stdout."""
    click.echo(msgspec.json.format(msgspec.json.encode(value), indent=2).decode())
