"""The EN 16931 e-invoice of a document: UN/CEFACT Cross Industry Invoice XML, the
Factur-X / ZUGFeRD profile ``EN 16931``.

Written with lxml rather than ``drafthorse``: one document shape, about two hundred lines, and
the XSD that the ``factur-x`` library ships checks it in the tests.

How the hub's content maps onto the standard:

- a line's net amount (BT-131) is its net; on a tax-exclusive order the unit price is the net
  price (BT-146) and the line discount a line allowance (BT-136). On a tax-included order the
  net price is the line's net divided by its quantity, given for the whole quantity (base
  quantity BT-149) when it does not divide exactly, so that no amount is rounded twice;
- shipping is a document level charge (BG-21, reason code ``FC``) at its own rate;
- a rate above zero is category ``S`` (standard), zero is ``Z`` (zero rated);
- a credit note is type 381 with positive amounts and the invoice it corrects (BG-3).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from hub.domain.documents import DocumentContent, DocumentLine
from hub.domain.money import exponent
from hub.domain.order import Address
from hub.domain.taxes import parse_rate

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}
EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "receipt": "380", "credit_note": "381"}
PAID = frozenset({"paid", "partially_refunded", "refunded"})


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


class _Amounts:
    def __init__(self, currency: str) -> None:
        self.exp = exponent(currency)

    def __call__(self, minor: int) -> str:
        return str(Decimal(minor).scaleb(-self.exp).quantize(Decimal(1).scaleb(-self.exp)))


def _date(parent: etree._Element, tag: str, value: date, ns: str = "udt") -> None:
    holder = _el(parent, tag)
    _el(holder, f"{ns}:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _category(rate: str) -> str:
    return "S" if parse_rate(rate) > 0 else "Z"


def _percent(rate: str) -> str:
    return str(parse_rate(rate).quantize(Decimal("0.01")))


def _tax(parent: etree._Element, tag: str, rate: str) -> None:
    node = _el(parent, tag)
    _el(node, "ram:TypeCode", "VAT")
    _el(node, "ram:CategoryCode", _category(rate))
    _el(node, "ram:RateApplicablePercent", _percent(rate))


def _address(parent: etree._Element, address: Address) -> None:
    node = _el(parent, "ram:PostalTradeAddress")
    if address.postal_code:
        _el(node, "ram:PostcodeCode", address.postal_code)
    _el(node, "ram:LineOne", address.line1)
    if address.line2:
        _el(node, "ram:LineTwo", address.line2)
    _el(node, "ram:CityName", address.city)
    _el(node, "ram:CountryID", address.country)
    if address.region:
        _el(node, "ram:CountrySubDivisionName", address.region)


def _price(line: DocumentLine, doc: DocumentContent, money: _Amounts) -> tuple[str, int | None]:
    """The net price (BT-146) and, when it is for the whole quantity, that base quantity."""
    if not doc.totals.tax_included:
        return money(line.unit_price), None
    if line.net % line.quantity == 0:
        return money(line.net // line.quantity), None
    return money(line.net), line.quantity


def _line(
    parent: etree._Element, line: DocumentLine, doc: DocumentContent, money: _Amounts
) -> None:
    item = _el(parent, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.position))
    product = _el(item, "ram:SpecifiedTradeProduct")
    if line.sku:
        _el(product, "ram:SellerAssignedID", line.sku)
    _el(product, "ram:Name", line.name)
    price, base = _price(line, doc, money)
    net_price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _el(net_price, "ram:ChargeAmount", price)
    if base is not None:
        _el(net_price, "ram:BasisQuantity", str(base), unitCode="C62")
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", str(line.quantity), unitCode="C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, "ram:ApplicableTradeTax", line.tax_rate)
    if line.discount and not doc.totals.tax_included:
        allowance = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:ActualAmount", money(line.discount))
        _el(allowance, "ram:Reason", "Discount")
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", money(line.net))


def _agreement(parent: etree._Element, doc: DocumentContent) -> None:
    agreement = _el(parent, "ram:ApplicableHeaderTradeAgreement")
    seller = _el(agreement, "ram:SellerTradeParty")
    _el(seller, "ram:Name", doc.seller.name)
    _address(seller, doc.seller.address)
    if doc.seller.email:
        _el(
            _el(seller, "ram:URIUniversalCommunication"),
            "ram:URIID",
            doc.seller.email,
            schemeID="EM",
        )
    if doc.seller.vat_id:
        _el(_el(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", doc.seller.vat_id, schemeID="VA")
    if doc.seller.tax_id:
        _el(_el(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", doc.seller.tax_id, schemeID="FC")
    buyer = _el(agreement, "ram:BuyerTradeParty")
    if doc.buyer is not None:
        _el(buyer, "ram:Name", doc.buyer.company or doc.buyer.name or doc.buyer.address.name or "")
        _address(buyer, doc.buyer.address)
        if doc.buyer.email:
            _el(
                _el(buyer, "ram:URIUniversalCommunication"),
                "ram:URIID",
                doc.buyer.email,
                schemeID="EM",
            )
        if doc.buyer.vat_id:
            _el(
                _el(buyer, "ram:SpecifiedTaxRegistration"),
                "ram:ID",
                doc.buyer.vat_id,
                schemeID="VA",
            )
    order = _el(agreement, "ram:BuyerOrderReferencedDocument")
    _el(order, "ram:IssuerAssignedID", doc.external_number or doc.order_number)


def _delivery(parent: etree._Element, doc: DocumentContent) -> None:
    delivery = _el(parent, "ram:ApplicableHeaderTradeDelivery")
    if doc.ship_to is not None:
        party = _el(delivery, "ram:ShipToTradeParty")
        _el(party, "ram:Name", doc.ship_to.company or doc.ship_to.name or "")
        _address(party, doc.ship_to)


def _settlement(parent: etree._Element, doc: DocumentContent, money: _Amounts) -> None:
    settlement = _el(parent, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:PaymentReference", doc.number)
    _el(settlement, "ram:InvoiceCurrencyCode", doc.currency)
    if doc.seller.iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.seller.iban)
        if doc.seller.bic:
            _el(
                _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
                "ram:BICID",
                doc.seller.bic,
            )
    for row in doc.summary:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", money(row.tax))
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:BasisAmount", money(row.net))
        _el(tax, "ram:CategoryCode", _category(row.rate))
        _el(tax, "ram:RateApplicablePercent", _percent(row.rate))
    ship = doc.shipping
    if ship is not None:
        charge = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(charge, "ram:ChargeIndicator"), "udt:Indicator", "true")
        _el(charge, "ram:ActualAmount", money(ship.net))
        _el(charge, "ram:ReasonCode", "FC")
        _el(charge, "ram:Reason", ship.name)
        _tax(charge, "ram:CategoryTradeTax", ship.tax_rate)
    _payment_terms(settlement, doc)
    _monetary(settlement, doc, money)
    if doc.credited_invoice:
        ref = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", doc.credited_invoice)
        if doc.credited_invoice_date:
            _date(ref, "ram:FormattedIssueDateTime", doc.credited_invoice_date, "qdt")


def _prepaid(doc: DocumentContent) -> int:
    return doc.totals.gross if doc.kind != "credit_note" and doc.payment_status in PAID else 0


def _payment_terms(parent: etree._Element, doc: DocumentContent) -> None:
    if doc.totals.gross - _prepaid(doc) <= 0:
        return
    terms = _el(parent, "ram:SpecifiedTradePaymentTerms")
    if doc.due_date is not None:
        _date(terms, "ram:DueDateDateTime", doc.due_date)
    else:
        _el(
            terms,
            "ram:Description",
            "Refund due" if doc.kind == "credit_note" else "Due on receipt",
        )


def _monetary(parent: etree._Element, doc: DocumentContent, money: _Amounts) -> None:
    t = doc.totals
    lines_net = sum(x.net for x in doc.lines)
    charges = doc.shipping.net if doc.shipping else 0
    node = _el(parent, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(node, "ram:LineTotalAmount", money(lines_net))
    _el(node, "ram:ChargeTotalAmount", money(charges))
    _el(node, "ram:AllowanceTotalAmount", money(0))
    _el(node, "ram:TaxBasisTotalAmount", money(t.net))
    _el(node, "ram:TaxTotalAmount", money(t.tax), currencyID=doc.currency)
    _el(node, "ram:GrandTotalAmount", money(t.gross))
    _el(node, "ram:TotalPrepaidAmount", money(_prepaid(doc)))
    _el(node, "ram:DuePayableAmount", money(t.gross - _prepaid(doc)))


def cii_xml(doc: DocumentContent) -> bytes:
    """The document as Factur-X EN 16931 CII XML (UTF-8 bytes)."""
    money = _Amounts(doc.currency)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", TYPE_CODES[doc.kind])
    _date(header, "ram:IssueDateTime", doc.issue_date)
    if doc.note:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", doc.note)
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(trade, line, doc, money)
    _agreement(trade, doc)
    _delivery(trade, doc)
    _settlement(trade, doc, money)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
