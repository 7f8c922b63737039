"""The EN 16931 e-invoice inside the PDF: Factur-X (ZUGFeRD 2) on PDF/A-3B.

fpdf2 draws the page as PDF/A-3B (embedded fonts, sRGB output intent) and attaches
``factur-x.xml`` as the document's associated file (``/AF``, relationship ``Data``); the XMP
metadata that names the Factur-X profile comes from the ``factur-x`` library's own generator,
fed the same title, author, dates and producer as the PDF's info dictionary so that the two
agree, as PDF/A requires.

Why not ``facturx.generate_from_binary``: it re-reads and re-writes the finished PDF with
pypdf (a quarter of the render time), writes its result after the input inside one temporary
file (factur-x issue #24, so temporary files would be needed), and stamps the current time
into the metadata, so the same document would never give the same bytes twice. The tests
read the XML back with the library's ``get_xml_from_pdf`` and check it against its XSD.
"""

from __future__ import annotations

from datetime import datetime

from facturx import generate_xmp_object
from lxml import etree

from hub.domain.documents import DocumentContent
from hub.domain.money import exponent
from hub.render.sheet import Sheet

FILENAME = "factur-x.xml"
PRODUCER = "hub (fpdf2)"
CREATOR = "hub"
URN = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


def obstacle(doc: DocumentContent) -> str | None:
    """Why ``doc`` cannot carry an EN 16931 e-invoice, or None when it can."""
    if doc.kind == "receipt":
        return "a receipt is not an EN 16931 invoice"
    buyer = doc.buyer
    if buyer is None or not (buyer.company or buyer.name or buyer.address.name):
        return "an e-invoice names its buyer"
    if not doc.seller.vat_id:
        return "an e-invoice needs the seller's VAT id"
    if exponent(doc.currency) > 2:
        return f"EN 16931 amounts have at most two decimals; {doc.currency} has three"
    return None


def xmp(*, title: str, author: str, subject: str, created: datetime) -> str:
    """The XMP packet body: PDF/A-3B identification plus the Factur-X extension schema."""
    root = generate_xmp_object(
        {
            "pdfa3_flavor": "B",
            "title": title,
            "author": author,
            "subject": subject,
            "producer": PRODUCER,
            "creator_tool": CREATOR,
            "timestamp": created.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "version": "1.0",
            "documenttype": "INVOICE",
            "xml_filename": FILENAME,
            "xmp_level": "EN 16931",
            "urn": URN,
        }
    )
    return etree.tostring(root, encoding="unicode")


def attach(sheet: Sheet, xml: bytes, doc: DocumentContent) -> None:
    """Attach ``xml`` to ``sheet`` as its Factur-X invoice (call before output)."""
    subject = f"{doc.kind.replace('_', ' ').capitalize()} {doc.number} of {doc.issue_date}"
    sheet.set_subject(subject)
    sheet.set_producer(PRODUCER)
    sheet.set_creator(CREATOR)
    sheet.embed_file(
        basename=FILENAME,
        bytes=xml,
        desc="Factur-X XML file",
        mime_type="text/xml",
        associated_file_relationship="Data",
        modification_date=sheet.creation_date,
        compress=True,
    )
    sheet.set_xmp_metadata(
        xmp(
            title=sheet.title,
            author=doc.seller.name,
            subject=subject,
            created=sheet.creation_date,
        )
    )
