"""Money, dates, rates and words as the reader of a document expects them (babel, CLDR).

Money is integer minor units; it is turned into a ``Decimal`` with the currency's ISO 4217
exponent (JPY 0, KWD 3) and only then formatted, so no float is ever involved. Labels exist in
English, German and French; another language falls back to English words while money and
dates still follow its locale.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from hub.domain.money import exponent
from hub.domain.taxes import parse_rate
from hub.render.labels import LABELS

DEFAULT_LOCALE = "en_GB"


@cache
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


class Formatter:
    """Formats for one locale (``de_DE``, ``fr_FR``, ``en_GB``, ``en_US`` ...)."""

    def __init__(self, locale: str) -> None:
        self.locale = _locale(locale)
        self.words = LABELS.get(self.locale.language, LABELS["en"])

    def __call__(self, key: str) -> str:
        return self.words.get(key) or LABELS["en"][key]

    def money(self, minor: int, currency: str) -> str:
        amount = Decimal(minor).scaleb(-exponent(currency))
        return format_currency(amount, currency, locale=self.locale)

    def date(self, value: date | None) -> str:
        return "" if value is None else format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="short", locale=self.locale)

    def rate(self, rate: str) -> str:
        return f"{format_decimal(parse_rate(rate), locale=self.locale)} %"

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)
