"""Rendering of documents and warehouse papers to PDF: content in, bytes out.

- ``render_document(content)``: an invoice, receipt or credit note as PDF/A-3B, with its
  EN 16931 e-invoice (Factur-X) embedded when it can carry one (``einvoice_obstacle``);
- ``einvoice_xml(content)``: that e-invoice alone (CII XML, profile EN 16931);
- ``render_pick_list(pick_list)`` and ``render_packing_slip(slip)``: the warehouse papers.

Pure functions: the same content gives the same bytes (every date in the PDF is the
document's own). Fonts ship in ``fonts/`` (see its README for licences).
"""

from __future__ import annotations

from hub.domain.documents import DocumentContent
from hub.render.cii import cii_xml
from hub.render.einvoice import attach, obstacle
from hub.render.invoice import draw
from hub.render.papers import render_packing_slip, render_pick_list

__all__ = [
    "einvoice_obstacle",
    "einvoice_xml",
    "render_document",
    "render_packing_slip",
    "render_pick_list",
]


def einvoice_xml(content: DocumentContent) -> bytes:
    return cii_xml(content)


def einvoice_obstacle(content: DocumentContent) -> str | None:
    """Why ``content`` renders without an e-invoice (None: it carries one)."""
    return obstacle(content)


def render_document(content: DocumentContent, *, einvoice: bool = True) -> bytes:
    """The document's PDF, with the Factur-X XML embedded unless it cannot carry one or
    ``einvoice`` is False."""
    sheet = draw(content)
    if einvoice and obstacle(content) is None:
        attach(sheet, cii_xml(content), content)
    return sheet.output_bytes()
