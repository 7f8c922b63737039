"""Rebuild the fonts shipped in ``src/hub/render/fonts`` from their upstream files.

Usage (the sources are Debian's ``fonts-noto-core`` 20201225 and ``fonts-wqy-microhei``
0.2.0-beta; ``apt-get download`` them and ``dpkg-deb -x`` each into one folder)::

    .venv/bin/python scripts/subset_fonts.py /path/to/extracted/usr/share/fonts/truetype

What it changes, and why (the licences allow modified versions, see fonts/README.md): it keeps
only the Unicode blocks a document needs and drops hinting and the OpenType layout tables,
which fpdf2 does not use. Noto Sans is cut in two: a core of Western European Latin (~480
glyphs, regular; bold is drawn from it) that every document loads, and the rest of Latin, Greek and
Cyrillic (regular) that fpdf2 falls back to only when a name needs it; WenQuanYi Micro Hei
keeps CJK ideographs, kana and Hangul. fpdf2 parses and subsets each font a document uses,
so the size of the core font is most of the time a document takes to render.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).resolve().parents[1] / "src" / "hub" / "render" / "fonts"
CORE = [
    (0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2116, 0x2116),
    (0x2122, 0x2122), (0x2212, 0x2212), (0xFFFD, 0xFFFD),
]  # fmt: skip
LATIN = [
    (0x20, 0x7E), (0xA0, 0x36F), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF),
    (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2190, 0x21FF),
    (0x2200, 0x22FF), (0x25A0, 0x25FF), (0xFB00, 0xFB06), (0xFFFD, 0xFFFD),
]  # fmt: skip
CJK = [
    (0x3000, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F), (0x31F0, 0x31FF),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
]  # fmt: skip
FONTS = [  # source, target, blocks, keep glyph names (faster to read; 0.5 MB more for CJK)
    ("noto/NotoSans-Regular.ttf", "NotoSans-Regular.ttf", CORE, True),
    ("noto/NotoSans-Regular.ttf", "NotoSans-Extended.ttf", LATIN, True),
    ("wqy/wqy-microhei.ttc", "WenQuanYiMicroHei-CJK.ttf", CJK, False),
]


def build(source: Path, target: Path, ranges: list[tuple[int, int]], names: bool) -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG", "gasp", "vhea", "vmtx", "FFTM"]
    options.glyph_names = names
    options.name_IDs = ["*"]  # keep copyright, licence and version strings
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.recommended_glyphs = True
    font = TTFont(source, fontNumber=0)  # a .ttc collection: its first face
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for low, high in ranges for u in range(low, high + 1)])
    subsetter.subset(font)
    font.save(target)
    print(f"{target.name}: {target.stat().st_size / 1024:.0f} kB")


def main() -> None:
    root = Path(sys.argv[1])
    for source, target, ranges, names in FONTS:
        build(root / source, OUT / target, ranges, names)


if __name__ == "__main__":
    main()
