"""MIME building: two parts, an attachment, encoded headers and a Message-ID that a resend
repeats."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from hub.notifications.message import Attachment, build_message, message_id, sender_domain
from hub.notifications.templates import RenderedMail

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_message_id_is_stable_per_order_event_and_parcel() -> None:
    first = message_id("ord_1", "shipped", "shp_1", "shop.example")
    assert first == message_id("ord_1", "shipped", "shp_1", "shop.example")
    assert first.startswith("<") and first.endswith("@shop.example>")
    others = {
        message_id("ord_1", "shipped", "shp_2", "shop.example"),
        message_id("ord_1", "delivered", "shp_1", "shop.example"),
        message_id("ord_2", "shipped", "shp_1", "shop.example"),
        message_id("ord_1", "shipped", None, "shop.example"),
    }
    assert first not in others and len(others) == 4


def test_sender_domain() -> None:
    assert sender_domain("Müller <Mail@Shop.Example>") == "shop.example"
    with pytest.raises(ValueError):
        sender_domain("nobody")


def test_the_message_has_both_parts_the_pdf_and_encoded_headers() -> None:
    rendered = RenderedMail(
        "Bestellung für Müller nach 東京", "Hallo Müller\n", "<p>Hallo Müller</p>"
    )
    msg = build_message(
        rendered,
        sender="Müller & Söhne <shop@shop.example>",
        to="Jana Müller <jana@example.org>",
        reply_to="help@shop.example",
        message_id=message_id("ord_1", "invoice_issued", None, "shop.example"),
        attachments=[Attachment("RE-2025-1.pdf", PDF)],
    )
    raw = msg.as_bytes()
    assert raw.isascii()
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    assert b"=?utf-8?" in head
    parsed = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
    assert parsed["Subject"] == "Bestellung für Müller nach 東京"
    assert parsed["From"].addresses[0].display_name == "Müller & Söhne"
    assert parsed["Reply-To"] == "help@shop.example"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(("plain",)).get_content() == "Hallo Müller\n"
    assert parsed.get_body(("html",)).get_content() == "<p>Hallo Müller</p>\n"
    (pdf,) = list(parsed.iter_attachments())
    assert pdf.get_filename() == "RE-2025-1.pdf" and pdf.get_content() == PDF


def test_without_attachments_it_is_plain_alternative() -> None:
    msg = build_message(
        RenderedMail("Hi", "t", "<p>h</p>"),
        sender="s@x.example",
        to="b@y.example",
        message_id="<a@x.example>",
    )
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
