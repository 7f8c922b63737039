"""The buyer's language and how money and dates read in it (babel, CLDR data).

The language of a mail comes from the order: the ``locale`` a channel sends (``de-AT``,
``fr_CA``) when it names a language the hub ships templates for, else the first official
language of the shipping country that the hub ships (Belgium -> ``fr``, Switzerland -> ``de``),
else English. Formatting uses the most specific CLDR locale that fits: the channel's own
locale, else ``<language>_<country>`` (``de_DE``: ``12,34 €``), else the language alone.
Money is integer minor units; the number of decimals is the ISO 4217 exponent from
``hub.domain.money`` (JPY 0, EUR 2, KWD 3), never babel's own idea of it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.languages import get_official_languages

from hub.domain.money import exponent

#: languages the hub ships templates for, first is the fallback
LANGUAGES: tuple[str, ...] = ("en", "de", "fr")


@dataclass(frozen=True)
class BuyerLocale:
    """The language of the templates and the CLDR locale that formats money and dates."""

    language: str
    locale: Locale
    timezone: str = "UTC"

    @property
    def tag(self) -> str:
        """The locale as a BCP 47 tag for ``<html lang>`` (``de-DE``)."""
        return str(self.locale).replace("_", "-")


def _parse(tag: str | None) -> Locale | None:
    if not tag:
        return None
    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None


@cache
def _country_locale(language: str, country: str | None) -> Locale:
    if country:
        found = _parse(f"{language}_{country.upper()}")
        if found is not None:
            return found
    return Locale.parse(language)


def buyer_locale(
    locale: str | None,
    country: str | None,
    *,
    languages: tuple[str, ...] = LANGUAGES,
    timezone: str = "UTC",
) -> BuyerLocale:
    """Pick the language and formatting locale for one order (see the module docstring)."""
    given = _parse(locale)
    if given is not None and given.language in languages:
        return BuyerLocale(given.language, given, timezone)
    if country:
        for language in get_official_languages(country.upper(), de_facto=True):
            if language in languages:
                return BuyerLocale(language, _country_locale(language, country), timezone)
    fallback = languages[0]
    return BuyerLocale(fallback, _country_locale(fallback, country), timezone)


@cache
def _currency_pattern(locale: Locale, digits: int) -> babel_numbers.NumberPattern:
    pattern = copy.copy(babel_numbers.parse_pattern(locale.currency_formats["standard"]))
    pattern.frac_prec = (digits, digits)
    return pattern


def format_money(minor: int, currency: str, locale: Locale) -> str:
    """``1234`` EUR in ``de_DE`` -> ``12,34 €``; ``1234`` JPY in ``en`` -> ``¥1,234``."""
    digits = exponent(currency)
    value = Decimal(minor).scaleb(-digits)
    pattern = _currency_pattern(locale, digits)
    return pattern.apply(value, locale, currency=currency, currency_digits=False)


def format_date(value: date | datetime | str, locale: Locale, fmt: str = "long") -> str:
    """A calendar date in the buyer's words (``14. März 2025``); ISO strings are accepted."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, format=fmt, locale=locale)


def format_datetime(value: datetime, locale: Locale, timezone: str, fmt: str = "long") -> str:
    """A moment in the buyer's time zone (the hub stores UTC)."""
    return babel_dates.format_datetime(value, format=fmt, tzinfo=ZoneInfo(timezone), locale=locale)
