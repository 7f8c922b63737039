"""The fonts shipped with the hub and how a PDF gets them (see fonts/README.md).

Every document loads the core of Noto Sans (Western European Latin, regular). The
rest of Latin, Greek and Cyrillic (Noto Sans, regular) and Chinese, Japanese and Korean
(WenQuanYi Micro Hei) are fpdf2 fallback fonts, added only when the document's text has a character
the fonts before them lack: fpdf2 parses and subsets every font a PDF holds, and a 32,000
glyph CJK font costs a tenth of a second that a European invoice should not pay.

Each font file is parsed by fpdf2 once per process; a document gets a copy of that parsed
font with its own per-document state (``_fresh``), which saves a tenth of the render time.
That copy leans on fpdf2's ``TTFFont`` attributes, so fpdf2 is pinned to 2.8.x and a test
renders different documents one after the other and reads each one's text back.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib.resources import files
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FAMILY = "NotoSans"
CORE = {"": "NotoSans-Regular.ttf"}  # bold is drawn from it (hub.render.sheet)
FALLBACKS = {  # in the order fpdf2 tries them
    "NotoSansExtended": "NotoSans-Extended.ttf",
    "WenQuanYiMicroHei": "WenQuanYiMicroHei-CJK.ttf",
}


def font_path(name: str) -> Path:
    return Path(str(files("hub.render").joinpath("fonts", name)))


@cache
def coverage(name: str) -> frozenset[int]:
    """The code points a shipped font has glyphs for (read once per process)."""
    font = TTFont(font_path(name), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def fallbacks_for(text: str) -> list[str]:
    """The fallback families ``text`` needs: those that write a character no earlier font has."""
    missing = {ord(ch) for ch in set(text) if ch.isprintable() and not ch.isspace()}
    missing -= coverage(CORE[""])
    needed: list[str] = []
    for family, name in FALLBACKS.items():
        if not missing:
            break
        found = missing & coverage(name)
        if found:
            needed.append(family)
            missing -= found
    return needed


@cache
def _parsed(family: str, style: str, name: str) -> TTFFont:
    scratch = FPDF()
    scratch.add_font(family, style, font_path(name))
    font = scratch.fonts[f"{family.lower()}{style}"]
    assert isinstance(font, TTFFont)
    return font


def _fresh(pdf: FPDF, family: str, style: str, name: str) -> None:
    """Add a font to ``pdf`` from the parsed one: shared metrics, own subset and file."""
    parsed = _parsed(family, style, name)
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    # Keep each glyph's stored bounding box when fpdf2 subsets the font: recomputing them
    # decodes and re-encodes every glyph used, a third of the time a document takes.
    font.ttfont = TTFont(parsed.ttffile, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.desc = copy.copy(parsed.desc)  # fpdf2 writes the font file and name into it
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[parsed.fontkey] = font


def install(pdf: FPDF, text: str) -> None:
    """Add the core fonts to ``pdf``, and the fallbacks that ``text`` needs."""
    for style, name in CORE.items():
        _fresh(pdf, FAMILY, style, name)
    needed = fallbacks_for(text)
    for family in needed:
        _fresh(pdf, family, "", FALLBACKS[family])
    if needed:
        pdf.set_fallback_fonts(needed, exact_match=False)
