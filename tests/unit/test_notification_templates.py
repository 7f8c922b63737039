"""Buyer mail templates: every event in every shipped language, babel formatting, and a
broken template named by file and line before any mail goes out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.notifications.context import MailEvent, Money
from hub.notifications.i18n import buyer_locale, format_money
from hub.notifications.samples import sample_context
from hub.notifications.templates import (
    BrandTemplates,
    TemplateError,
    Templates,
    check_templates,
)

LANGS = ("en", "de", "fr")
DEFAULTS = BrandTemplates()


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("event", list(MailEvent))
@pytest.mark.parametrize("full", [True, False])
def test_every_event_renders_in_every_language(event: str, lang: str, full: bool) -> None:
    ctx = sample_context(event, full=full)
    mail = DEFAULTS.render_mail(event, ctx, buyer_locale(lang, None))
    assert "#1042" in mail.subject and "\n" not in mail.subject
    assert "#1042" in mail.text or "00340434161094042557" in mail.text
    assert ctx.order.tracking_page_url in mail.text
    assert f'href="{ctx.order.tracking_page_url}"' in mail.html
    assert f'<html lang="{lang}">' in mail.html
    assert "\n\n\n" not in mail.text


def test_each_language_speaks_its_own_words() -> None:
    ctx = sample_context("shipped")
    words = {"en": "on its way", "de": "unterwegs", "fr": "en route"}
    for lang, word in words.items():
        assert word in DEFAULTS.render_mail("shipped", ctx, buyer_locale(lang, None)).subject


def test_shipped_mail_names_carrier_tracking_number_and_links() -> None:
    ctx = sample_context("shipped")
    mail = DEFAULTS.render_mail("shipped", ctx, buyer_locale(None, "DE"))
    for part in (mail.text, mail.html):
        assert "DHL" in part and "00340434161094042557" in part
        assert "https://carrier.example/t/00340434161094042557" in part
    assert "17. März 2025" in mail.text


def test_html_is_escaped_and_text_is_not() -> None:
    mail = DEFAULTS.render_mail(
        "order_confirmed", sample_context("order_confirmed"), buyer_locale("en", None)
    )
    assert "T-Shirt &lt;Bio&gt; &amp; schwarz" in mail.html
    assert "T-Shirt <Bio> & schwarz" in mail.text
    assert "Müller &amp; Söhne" in mail.html


def test_money_follows_the_locale_and_the_currency_exponent() -> None:
    de = buyer_locale(None, "DE").locale
    assert _plain(format_money(1234, "EUR", de)) == "12,34 €"
    assert _plain(format_money(123456, "EUR", buyer_locale(None, "FR").locale)) == "1 234,56 €"
    assert format_money(1234, "EUR", buyer_locale("en-US", None).locale) == "€12.34"
    assert format_money(1234, "JPY", buyer_locale("en", None).locale) == "¥1,234"
    assert _plain(format_money(1234, "JPY", de)) == "1.234 ¥"
    assert _plain(format_money(1234, "KWD", de)) == "1,234 KWD"


def test_a_jpy_refund_renders_without_decimals_in_german() -> None:
    ctx = sample_context("cancelled")
    refund = ctx.refund.__class__(amount=Money(4500, "JPY"), reason=None)  # type: ignore[union-attr]
    ctx = ctx.__class__(order=ctx.order, shop=ctx.shop, refund=refund)
    mail = DEFAULTS.render_mail("cancelled", ctx, buyer_locale(None, "DE"))
    assert "4.500 ¥" in _plain(mail.text)
    assert "4.500,00" not in _plain(mail.text)


@pytest.mark.parametrize(
    ("locale", "country", "language", "tag"),
    [
        ("de-AT", None, "de", "de-AT"),
        (None, "DE", "de", "de-DE"),
        (None, "BE", "fr", "fr-BE"),  # Dutch first, but the hub ships French
        (None, "CH", "de", "de-CH"),
        ("fr_CA", "US", "fr", "fr-CA"),  # the channel's locale wins over the country
        ("ja-JP", "FR", "fr", "fr-FR"),  # a language without templates falls to the country
        (None, "JP", "en", "en-JP"),
        (None, None, "en", "en"),
        ("not a locale", None, "en", "en"),
    ],
)
def test_the_language_comes_from_the_order(
    locale: str | None, country: str | None, language: str, tag: str
) -> None:
    chosen = buyer_locale(locale, country)
    assert (chosen.language, chosen.tag) == (language, tag)


def test_dates_go_through_babel() -> None:
    mail = DEFAULTS.render_mail(
        "invoice_issued", sample_context("invoice_issued"), buyer_locale(None, "FR")
    )
    assert "14 mars 2025" in mail.text
    assert "70,15 €" in _plain(mail.text)


def test_a_missing_part_of_the_context_is_refused() -> None:
    ctx = sample_context("order_confirmed")
    with pytest.raises(ValueError, match="shipped mail needs parcel"):
        DEFAULTS.render_mail(
            "shipped", ctx.__class__(order=ctx.order, shop=ctx.shop), buyer_locale("en", None)
        )
    with pytest.raises(ValueError, match="unknown mail event"):
        DEFAULTS.render_mail("shiped", ctx, buyer_locale("en", None))


def test_the_shipped_defaults_pass_the_start_check() -> None:
    templates = check_templates(None)
    assert isinstance(templates, Templates)


# --------------------------------------------------------------------------- brand folders


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_brand_folder_overrides_only_what_it_holds(tmp_path: Path) -> None:
    _write(tmp_path, "acme/en/shipped.subject.txt", "ACME: {{ order.number }} shipped\n")
    templates = check_templates(tmp_path)
    ctx = sample_context("shipped")
    acme = templates.brand("acme").render_mail("shipped", ctx, buyer_locale("en", None))
    assert acme.subject == "ACME: #1042 shipped"
    assert "00340434161094042557" in acme.text  # the default body
    default = templates.brand("unknown-brand").render_mail("shipped", ctx, buyer_locale("en", None))
    assert default.subject == "Your order #1042 is on its way"
    assert templates.brand("../etc") is templates.brand(None)


def test_a_syntax_error_is_named_with_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path, "acme/de/shipped.html", "<p>Hallo</p>\n<p>\n{% if parcel %}\n{{ x }\n")
    with pytest.raises(TemplateError) as caught:
        check_templates(tmp_path)
    found = [p for p in caught.value.problems if p.file == str(bad)]
    assert found and found[0].line == 4, caught.value.problems
    assert f"{bad}:4:" in str(caught.value)


def test_an_unknown_variable_is_named_with_file_and_line(tmp_path: Path) -> None:
    top = _write(tmp_path, "acme/fr/delivered.txt", "Bonjour\n\n{{ ordr.number }}\n")
    attr = _write(
        tmp_path,
        "acme/en/shipped.txt",
        "Hi\n{% if parcel %}\n{{ parcel.trackin_number }}\n{% endif %}\n",
    )
    with pytest.raises(TemplateError) as caught:
        check_templates(tmp_path)
    problems = {(p.file, p.line) for p in caught.value.problems}
    assert (str(top), 3) in problems
    assert (str(attr), 3) in problems
    assert "trackin_number" in str(caught.value)


def test_an_unknown_variable_inside_a_branch_not_taken_by_one_sample_is_still_found(
    tmp_path: Path,
) -> None:
    branch = _write(
        tmp_path,
        "acme/en/delayed.txt",
        "{% if delay.detail %}\nfine\n{% else %}\n{{ delay.shipby }}\n{% endif %}\n",
    )
    with pytest.raises(TemplateError) as caught:
        check_templates(tmp_path)
    assert (str(branch), 4) in {(p.file, p.line) for p in caught.value.problems}


def test_a_brand_overrides_an_after_sales_mail(tmp_path: Path) -> None:
    for part, text in {
        "subject.txt": "Return for {{ order.number }}",
        "txt": "Label: {{ extra.label_url }}",
        "html": "<a href='{{ extra.label_url }}'>Label</a>",
    }.items():
        _write(tmp_path, f"acme/en/return_authorised.{part}", text)
    templates = check_templates(tmp_path, languages=("en",))
    ctx = sample_context("order_confirmed")
    ctx = ctx.__class__(order=ctx.order, shop=ctx.shop, extra={"label_url": "https://l.example/1"})
    mail = templates.brand("acme").render_mail("return_authorised", ctx, buyer_locale("en", None))
    assert mail.subject == "Return for #1042" and "https://l.example/1" in mail.text
    full = sample_context("return_authorised")  # the defaults: the label attached and linked
    mail = templates.brand(None).render_mail("return_authorised", full, buyer_locale("en", None))
    assert "Your return label is attached" in mail.text
    assert full.extra["label_url"] in mail.text and full.extra["tracking_number"] in mail.text


def test_datetimes_show_in_the_buyer_time_zone() -> None:
    from hub.notifications.i18n import format_datetime

    at = datetime(2025, 3, 14, 23, 30, tzinfo=UTC)
    de = buyer_locale(None, "DE").locale
    assert "15. März 2025" in format_datetime(at, de, "Europe/Berlin")
    assert date(2025, 3, 14).isoformat() == "2025-03-14"
