"""An A4 page for hub documents: PDF/A-3B, the shipped fonts, a footer, simple tables.

fpdf2 embeds every font as a subset and adds the sRGB output intent that PDF/A asks for.
Bold is drawn from the regular face (text filled and stroked with a hairline in its own
colour) rather than from a bold font file: every font a PDF holds costs fpdf2 a subset and a
128 kB glyph map, and dropping the second face makes a document a third faster to render.
Tables are drawn here rather than with ``FPDF.table`` because a document has few columns,
one of which wraps, and the simple loop is several times faster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from hub.render import typefaces

GREY = (110, 110, 110)
RULE = (200, 200, 200)
SHADE = (242, 242, 242)
BLACK = (0, 0, 0)
BOLD_STROKE = 0.12  # mm of outline that makes the regular face read as bold
RULE_WIDTH = 0.2


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: float  # mm; 0 takes what is left (and wraps)
    align: str = "L"  # L, R, C
    wrap: bool = False  # long text goes on more lines rather than past the column

    @property
    def wraps(self) -> bool:
        return self.wrap or self.width == 0


class Sheet(FPDF):
    """One document being drawn. ``text`` is all the document's text, to choose fonts."""

    def __init__(
        self,
        *,
        title: str,
        author: str,
        lang: str,
        created: datetime,
        text: str,
        footer_lines: Sequence[str] = (),
        page_label: str = "{page} / {pages}",
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance="PDF/A-3B")
        self.set_title(title)
        self.set_author(author)
        self.set_creator("hub")
        self.set_lang(lang.replace("_", "-"))
        self.set_creation_date(created if created.tzinfo else created.replace(tzinfo=UTC))
        self.footer_lines = list(footer_lines)
        self.page_label = page_label
        typefaces.install(self, text)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=22 + 4 * len(self.footer_lines))
        self.set_font(typefaces.FAMILY, size=9)
        self.add_page()

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
        # fpdf2 2.8.9 bug: a line that starts in one fallback font and ends in another leaves
        # the last one selected in the page's text state while fpdf2 believes its current
        # font is, so the next line prints in the wrong font. Forget after each line that
        # the font is set, so that the next line selects it again (only with fallbacks).
        result = super()._render_styled_text_line(*args, **kwargs)
        if self._fallback_font_ids:
            self.current_font_is_set_on_page = False
        return result

    @contextmanager
    def bold(self) -> Iterator[None]:
        """Text drawn inside reads as bold: filled and outlined in its own colour, in a local
        graphics state (q/Q). Keep it to text that cannot break the page."""
        with self.local_context(
            text_mode=TextMode.FILL_STROKE, line_width=BOLD_STROKE, draw_color=self.text_color
        ):
            yield

    def rule(self, y: float) -> None:
        """A thin grey line across the text width at ``y``."""
        self.set_draw_color(*RULE)
        self.set_line_width(RULE_WIDTH)
        self.line(self.l_margin, y, self.l_margin + self.epw, y)

    def footer(self) -> None:
        self.set_y(-(14 + 4 * len(self.footer_lines)))
        self.set_font(typefaces.FAMILY, size=7)
        self.set_text_color(*GREY)
        for line in self.footer_lines:
            self.cell(0, 4, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        label = self.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, label, align="R")
        self.set_text_color(*BLACK)

    def text_line(self, text: str, *, size: float = 9, bold: bool = False, h: float = 4.5) -> None:
        self.set_font(typefaces.FAMILY, "", size)
        if bold:
            with self.bold():
                self.cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(typefaces.FAMILY, "", 9)

    def block(self, x: float, y: float, width: float, title: str, lines: Sequence[str]) -> float:
        """A titled block of short lines at (x, y); returns the y below it."""
        self.set_xy(x, y)
        self.set_font(typefaces.FAMILY, "", 8)
        self.set_text_color(*GREY)
        with self.bold():
            self.cell(width, 4.5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)
        self.set_font(typefaces.FAMILY, "", 9)
        for line in lines:
            if line and self._fits(line, width):
                self.cell(width, 4.5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
            elif line:
                self.multi_cell(width, 4.5, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        return self.get_y()

    def pairs(self, x: float, y: float, rows: Sequence[tuple[str, str]], width: float) -> float:
        """Label / value rows at (x, y), the values right-aligned; returns the y below."""
        self.set_y(y)
        for label, value in rows:
            self.set_x(x)
            self.set_text_color(*GREY)
            self.cell(width * 0.45, 4.8, label)
            self.set_text_color(*BLACK)
            self.cell(width * 0.55, 4.8, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return self.get_y()

    def total(self, x: float, y: float, label: str, value: str, width: float) -> None:
        """The one figure that matters, large and bold, right-aligned at (x, y)."""
        self.set_xy(x, y)
        self.set_font(typefaces.FAMILY, "", 11)
        with self.bold():
            self.cell(width * 0.45, 6.5, label)
            self.cell(width * 0.55, 6.5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(typefaces.FAMILY, "", 9)

    def _widths(self, columns: Sequence[Column]) -> list[float]:
        fixed = sum(c.width for c in columns)
        rest = self.epw - fixed
        return [c.width or rest for c in columns]

    def table_head(self, columns: Sequence[Column]) -> None:
        if self.get_y() + 12 > self.page_break_trigger:
            self.add_page()
        self.set_font(typefaces.FAMILY, "", 8)
        self.set_fill_color(*SHADE)
        with self.bold():
            for column, width in zip(columns, self._widths(columns), strict=True):
                self.cell(width, 6, column.title, align=column.align, fill=True)
        self.ln(6)
        self.set_font(typefaces.FAMILY, "", 9)

    def _fits(self, text: str, width: float) -> bool:
        return "\n" not in text and self.get_string_width(text) <= width - 2 * self.c_margin

    def table_row(self, columns: Sequence[Column], values: dict[str, str]) -> None:
        """One row; wrapping columns make the row taller, a page break repeats the head.

        Only a text too long for its column goes through fpdf2's line breaking (about a
        millisecond), once; its lines and every other text are written with ``cell``."""
        widths = self._widths(columns)
        self.set_font(typefaces.FAMILY, "", 9)
        wrap = {
            c.key
            for c, w in zip(columns, widths, strict=True)
            if c.wraps and not self._fits(values.get(c.key, ""), w)
        }
        wrapped = {
            c.key: self.multi_cell(w, 4.6, values.get(c.key, ""), dry_run=True, output="LINES")
            for c, w in zip(columns, widths, strict=True)
            if c.key in wrap
        }
        lines = max([1, *(len(x) for x in wrapped.values())])
        height = 4.6 * lines + 1.4
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
            self.table_head(columns)
            self.set_font(typefaces.FAMILY, "", 9)
        top = self.get_y()
        x = self.l_margin
        for column, width in zip(columns, widths, strict=True):
            for i, text in enumerate(wrapped.get(column.key) or [values.get(column.key, "")]):
                self.set_xy(x, top + 0.7 + 4.6 * i)
                self.cell(width, 4.6, text, align=column.align)
            x += width
        self.rule(top + height)
        self.set_xy(self.l_margin, top + height)
        self.set_font(typefaces.FAMILY, "", 9)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
