"""The EN 16931 e-invoice: CII XML valid against the Factur-X XSD, sums that add up, and the
XML embedded in a PDF/A-3 that the factur-x library reads back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from facturx import get_level, get_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from hub.domain.credit_notes import credit_note_content
from hub.domain.documents import DocumentContent, Seller, invoice_content
from hub.domain.order import Address, Order
from hub.render import einvoice_xml, render_document
from tests.conftest import PAYLOADS

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
SELLER = Seller(
    name="Kiez Supply GmbH",
    address=Address(line1="Torstraße 1", city="Berlin", postal_code="10119", country="DE"),
    vat_id="DE123456789",
    iban="DE02120300000000202051",
    bic="BYLADEM1001",
    email="billing@kiez.example",
)
ISSUED = date(2025, 3, 20)


def stored(name: str, **changes: Any) -> Order:
    data = msgspec.json.decode((PAYLOADS / name).read_bytes())
    data.update(
        id="ord_1", number="H-1042", public_ref="pr_7QxK2", status="shipped",
        received_at="2025-03-14T09:22:30Z", updated_at="2025-03-14T09:22:30Z", **changes,
    )  # fmt: skip
    return msgspec.convert(data, Order)


def mixed_exclusive() -> Order:
    """Tax-exclusive, 19 % and 7 %, a line discount, taxed shipping, unpaid, to a company."""
    return stored(
        "order_callcentre.json",
        billing_address={"company": "Müller & Söhne KG", "line1": "Hafenstraße 3",
                         "city": "Hamburg", "postal_code": "20457", "country": "DE"},
        lines=[
            {"sku": "TEE-1", "name": "Tee", "quantity": 2, "unit_price": 1000, "discount": 100},
            {"sku": "BOOK-1", "name": "Book", "quantity": 3, "unit_price": 499},
        ],
        shipping={"method": "DHL", "price": 490},
        totals={"subtotal": 3497, "discount": 100, "shipping": 490, "tax": 559,
                "tax_included": False, "total": 4446},
        payment={"status": "pending"},
    )  # fmt: skip


def documents() -> dict[str, DocumentContent]:
    included = invoice_content(
        stored("order_callcentre.json"), number="INV-1", issue_date=ISSUED, seller=SELLER,
        default_rate="19",
    )  # fmt: skip
    exclusive = invoice_content(
        mixed_exclusive(), number="INV-2", issue_date=ISSUED, seller=SELLER, default_rate="19",
        rates={1: "7"}, buyer_vat_id="DE987654321",
    )  # fmt: skip
    jpy = invoice_content(
        stored("order_tax_exclusive_jpy.json"), number="INV-3", issue_date=ISSUED,
        seller=msgspec.structs.replace(SELLER, iban=None, bic=None), default_rate="10",
    )  # fmt: skip
    credit = credit_note_content(
        exclusive, number="CN-1", issue_date=date(2025, 3, 25), lines={1: 1}
    )
    return {"included": included, "exclusive": exclusive, "jpy": jpy, "credit": credit}


DOCS = documents()


def amount(node: etree._Element, path: str) -> Decimal:
    return sum((Decimal(x.text) for x in node.findall(path, NS)), Decimal(0))


@pytest.mark.parametrize("name", list(DOCS))
def test_the_xml_is_valid_against_the_factur_x_en16931_schema(name: str) -> None:
    xml = einvoice_xml(DOCS[name])
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert get_level(etree.fromstring(xml)) == "en16931"


@pytest.mark.parametrize("name", list(DOCS))
def test_the_xml_keeps_the_en16931_sums(name: str) -> None:
    """BR-CO-10, 13, 14, 15, 16 and BR-S-08 in Python: the sums an accountant's import checks."""
    doc = DOCS[name]
    root = etree.fromstring(einvoice_xml(doc))
    settlement = root.find(".//ram:ApplicableHeaderTradeSettlement", NS)
    total = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    lines = root.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
    line_total = amount(total, "ram:LineTotalAmount")
    assert line_total == sum(amount(x, ".//ram:LineTotalAmount") for x in lines)
    basis = (
        line_total
        + amount(total, "ram:ChargeTotalAmount")
        - amount(total, "ram:AllowanceTotalAmount")
    )
    assert amount(total, "ram:TaxBasisTotalAmount") == basis
    tax = amount(total, "ram:TaxTotalAmount")
    assert tax == amount(settlement, "ram:ApplicableTradeTax/ram:CalculatedAmount")
    grand = amount(total, "ram:GrandTotalAmount")
    assert grand == basis + tax
    assert amount(total, "ram:DuePayableAmount") == grand - amount(total, "ram:TotalPrepaidAmount")
    for category in settlement.findall("ram:ApplicableTradeTax", NS):
        rate = category.findtext("ram:RateApplicablePercent", namespaces=NS)
        nets = [
            Decimal(x.findtext(".//ram:LineTotalAmount", namespaces=NS))
            for x in lines
            if x.findtext(".//ram:RateApplicablePercent", namespaces=NS) == rate
        ]
        charges = [
            Decimal(c.findtext("ram:ActualAmount", namespaces=NS))
            for c in settlement.findall("ram:SpecifiedTradeAllowanceCharge", NS)
            if c.findtext(".//ram:RateApplicablePercent", namespaces=NS) == rate
        ]
        assert amount(category, "ram:BasisAmount") == sum(nets) + sum(charges)
    exp = {"JPY": 0}.get(doc.currency, 2)
    assert grand == Decimal(doc.totals.gross).scaleb(-exp)


def test_what_the_xml_says_about_an_unpaid_b2b_invoice() -> None:
    root = etree.fromstring(einvoice_xml(DOCS["exclusive"]))
    assert root.findtext(".//ram:TypeCode", namespaces=NS) == "380"
    assert root.findtext(".//ram:IBANID", namespaces=NS) == "DE02120300000000202051"
    due = root.findtext(".//ram:DueDateDateTime/udt:DateTimeString", namespaces=NS)
    assert due == "20250403"  # 14 days after issue
    buyer_vat = root.find(".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", NS)
    assert buyer_vat is not None and buyer_vat.text == "DE987654321"
    allowance = root.find(
        ".//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", NS
    )
    assert allowance is not None and allowance.findtext("ram:ActualAmount", namespaces=NS) == "1.00"
    rates = [
        x.text
        for x in root.findall(
            ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
            NS,
        )
    ]
    assert rates == ["19.00", "7.00"]


def test_a_credit_note_is_type_381_and_names_the_invoice() -> None:
    root = etree.fromstring(einvoice_xml(DOCS["credit"]))
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    ref = root.find(".//ram:InvoiceReferencedDocument", NS)
    assert ref is not None and ref.findtext("ram:IssuerAssignedID", namespaces=NS) == "INV-2"


def test_the_pdf_carries_the_xml_as_pdf_a_3() -> None:
    doc = DOCS["exclusive"]
    pdf = render_document(doc)
    filename, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml" and xml == einvoice_xml(doc)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root and "/AF" in root
    (spec,) = [x.get_object() for x in root["/AF"]]
    assert spec["/AFRelationship"] == "/Data" and spec["/F"] == "factur-x.xml"
    packet = root["/Metadata"].get_object().get_data().decode()
    assert (
        "<pdfaid:part>3</pdfaid:part>" in packet
        and "<pdfaid:conformance>B</pdfaid:conformance>" in packet
    )
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in packet
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in packet
