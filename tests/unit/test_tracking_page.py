"""The buyer's tracking page: built from the same fields as /track's JSON, readable on a
phone, nothing personal and no third-party script."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hub.api.fulfilment_io import PublicParcel, PublicTracking
from hub.notifications.context import HistoryEntry, Shop, tracking_page_from
from hub.notifications.i18n import buyer_locale
from hub.notifications.samples import sample_tracking_page
from hub.notifications.templates import BrandTemplates, render_tracking_page

AT = datetime(2025, 3, 14, 9, 22, tzinfo=UTC)


def _public() -> PublicTracking:
    return PublicTracking(
        reference="k7Qm2xR9",
        order_number="#1042",
        status="partially_shipped",
        placed_at=AT,
        ship_to_country="DE",
        parcels=[
            PublicParcel(
                "DHL",
                "Paket",
                "003404341610",
                "https://dhl.example/t/003404341610",
                "in_transit",
                "2025-03-17",
                AT,
                2,
            ),
            PublicParcel(None, None, None, None, "pre_transit", None, AT, 1),
        ],
    )


def test_the_page_shows_status_parcels_links_history_and_estimate() -> None:
    history = {"003404341610": [HistoryEntry(at=AT, status="in_transit", detail="Leipzig <hub>")]}
    page = tracking_page_from(_public(), shop=Shop(name="Müller & Söhne"), history=history)
    html = render_tracking_page(page)  # the language follows the shipping country
    assert '<html lang="de-DE">' in html
    assert "Teilweise versandt" in html
    assert "Paket 1 von 2" in html and "Paket 2 von 2" in html
    assert "003404341610" in html and 'href="https://dhl.example/t/003404341610"' in html
    assert "17. März 2025" in html
    assert "Leipzig &lt;hub&gt;" in html
    assert "Müller &amp; Söhne" in html


def test_the_page_reads_well_on_a_phone_and_runs_no_script() -> None:
    for lang in ("en", "de", "fr"):
        html = BrandTemplates().render_tracking_page(
            sample_tracking_page(), buyer_locale(lang, None)
        )
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert "<script" not in html.lower()
        assert not re.search(r'(src|href)="//', html)
        assert "max-width" in html


def test_the_page_holds_no_name_address_or_price() -> None:
    page = tracking_page_from(_public(), shop=Shop(name="Shop"))
    html = render_tracking_page(page, buyer_locale("en", "DE"))
    assert "€" not in html and "EUR" not in html
    assert "Germany" in html  # the country, not the address
    assert "Nothing has shipped yet" not in html


def test_an_order_without_parcels_says_so() -> None:
    html = render_tracking_page(sample_tracking_page(full=False), buyer_locale("fr", None))
    assert "Rien n'est encore expédié" in html or "Rien n&#39;est encore expédié" in html
