"""Jinja2 templates for buyer mails and the tracking page, one folder per brand.

Layout (the shipped defaults live in ``hub/notifications/templates/default``)::

    <folder>/_base.html                  the HTML frame (styles, header, footer slots)
    <folder>/<lang>/_mail.html           the language's mail layout (greeting, footer words)
    <folder>/<lang>/_mail.txt            the same for the plain-text part
    <folder>/<lang>/_labels.txt          macros: order_status(s), parcel_status(s)
    <folder>/<lang>/<event>.subject.txt  one line; whitespace is collapsed
    <folder>/<lang>/<event>.txt          the plain-text part
    <folder>/<lang>/<event>.html         the HTML part (autoescaped)
    <folder>/<lang>/tracking_page.html   the buyer's tracking page

A brand folder (``<root>/<brand>``, brand = a connection code or a brand name) holds only
the files it changes: every name is looked up in the brand folder first, then in the
defaults. Templates see ``order``, ``shop``, ``parcel``, ``payment``, ``refund``,
``invoice``, ``delay``, ``extra`` (``hub.notifications.context.MailContext``), ``event``,
``lang`` and ``locale`` (a ``BuyerLocale``); the tracking page sees ``page``
(``TrackingPage``), ``lang`` and ``locale``. Filters: ``money`` (a ``Money``), ``date``,
``datetime``, all in the buyer's locale. Undefined names raise (StrictUndefined); ``.html``
files are autoescaped, ``.txt`` files are not.

``check_templates(root)`` loads and renders every template of every brand in every shipped
language against the samples in ``hub.notifications.samples`` and raises ``TemplateError``
naming each broken file and line. Templates are read once: edit, then restart (a template
that passed the check is the one that mails go out with).
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    meta,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from hub.notifications.context import (
    RESERVED_EVENTS,
    MailContext,
    MailEvent,
    Money,
    TrackingPage,
    missing_parts,
)
from hub.notifications.i18n import (
    LANGUAGES,
    BuyerLocale,
    buyer_locale,
    format_date,
    format_datetime,
    format_money,
)
from hub.notifications.samples import sample_context, sample_tracking_page

DEFAULT_DIR = Path(__file__).parent / "templates" / "default"
PARTS = ("subject.txt", "txt", "html")
TRACKING_PAGE = "tracking_page.html"
MAIL_NAMES = frozenset(MailContext.__struct_fields__) | {"event", "lang", "locale"}
PAGE_NAMES = frozenset({"page", "lang", "locale"})
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_BRAND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Problem(msgspec.Struct, frozen=True):
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'}: {self.message}"


class TemplateError(Exception):
    """One or more templates that cannot render; each problem names its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class RenderedMail(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str


@pass_context
def _money(ctx: Context, value: Money) -> str:
    return format_money(value.minor, value.currency, ctx["locale"].locale)


@pass_context
def _date(ctx: Context, value: Any, fmt: str = "long") -> str:
    return format_date(value, ctx["locale"].locale, fmt)


@pass_context
def _datetime(ctx: Context, value: Any, fmt: str = "long") -> str:
    loc: BuyerLocale = ctx["locale"]
    return format_datetime(value, loc.locale, loc.timezone, fmt)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between starts (``$XDG_CACHE_HOME/hub/jinja``, keyed by each
    template's source), so the start check compiles only what changed; None where the
    folder cannot be made (a read-only home): every start compiles."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "hub" / "jinja"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def _environment(folders: list[Path]) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(f) for f in folders]),
        bytecode_cache=_bytecode_cache(),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(money=_money, date=_date, datetime=_datetime)
    return env


def _located(exc: BaseException, folders: list[Path]) -> Problem:
    """Name the template file and line an exception came from (jinja rewrites tracebacks)."""
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or exc.name or "?", exc.lineno, exc.message or str(exc))
    roots = tuple(str(f) for f in folders)
    where = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(roots)]
    if where:
        return Problem(where[-1].filename, where[-1].lineno, f"{type(exc).__name__}: {exc}")
    return Problem("?", None, f"{type(exc).__name__}: {exc}")


class BrandTemplates:
    """The templates of one brand folder, falling back to the shipped defaults."""

    def __init__(self, folder: Path | None = None, *, languages: tuple[str, ...] = LANGUAGES):
        self.folder = folder
        self.languages = languages
        self.folders = [folder, DEFAULT_DIR] if folder is not None else [DEFAULT_DIR]
        self.env = _environment(self.folders)

    def _file(self, name: str) -> Path | None:
        for f in self.folders:
            if (f / name).is_file():
                return f / name
        return None

    def has_event(self, event: str, lang: str) -> bool:
        return all(self._file(f"{lang}/{event}.{p}") for p in PARTS)

    def _render(self, name: str, variables: dict[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(variables)
        except TemplateNotFound:
            raise TemplateError([Problem(name, None, "template not found")]) from None
        except TemplateError:
            raise
        except Exception as exc:
            raise TemplateError([_located(exc, self.folders)]) from exc

    def render_mail(self, event: str, context: MailContext, locale: BuyerLocale) -> RenderedMail:
        """Subject, plain text and HTML of one mail, in ``locale.language``."""
        if event not in set(MailEvent) | set(RESERVED_EVENTS):
            raise ValueError(f"unknown mail event {event!r}")
        lacking = missing_parts(event, context)
        if lacking:
            raise ValueError(f"a {event} mail needs {', '.join(lacking)} in its context")
        variables = {f: getattr(context, f) for f in MailContext.__struct_fields__}
        variables.update(event=event, lang=locale.language, locale=locale)
        base = f"{locale.language}/{event}"
        subject = self._render(f"{base}.subject.txt", variables)
        return RenderedMail(
            subject=" ".join(subject.split()),
            text=_BLANKS.sub("\n\n", self._render(f"{base}.txt", variables)).strip() + "\n",
            html=self._render(f"{base}.html", variables),
        )

    def render_tracking_page(self, page: TrackingPage, locale: BuyerLocale) -> str:
        variables = {"page": page, "lang": locale.language, "locale": locale}
        return self._render(f"{locale.language}/{TRACKING_PAGE}", variables)

    # ------------------------------------------------------------------------------ check

    def _static(self, name: str, allowed: frozenset[str]) -> list[Problem]:
        """Names a template reads that its context never has, found without rendering."""
        path = self._file(name)
        if path is None:
            return [Problem(name, None, "template not found")]
        try:
            tree = self.env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except TemplateSyntaxError as exc:
            return [_located(exc, self.folders)]
        assigned = {n.target for n in tree.find_all(nodes.Import)}
        assigned |= {
            name if isinstance(name, str) else name[-1]
            for n in tree.find_all(nodes.FromImport)
            for name in n.names
        }
        unknown = meta.find_undeclared_variables(tree) - allowed - assigned - set(self.env.globals)
        out = []
        for var in sorted(unknown):
            line = next(
                (n.lineno for n in tree.find_all(nodes.Name) if n.name == var and n.ctx == "load"),
                None,
            )
            out.append(Problem(str(path), line, f"unknown variable {var!r}"))
        return out

    def _try(self, fn: Any, *args: Any) -> list[Problem]:
        try:
            fn(*args)
        except TemplateError as exc:
            return exc.problems
        return []

    def check(self) -> list[Problem]:
        """Every problem of this brand's templates (empty when all render)."""
        problems: list[Problem] = []
        for lang in self.languages:
            locale = buyer_locale(lang, None, languages=self.languages)
            for event in _events(self, lang):
                for part in PARTS:
                    problems += self._static(f"{lang}/{event}.{part}", MAIL_NAMES)
                for full in (True, False):
                    ctx = sample_context(event, full=full)
                    problems += self._try(self.render_mail, event, ctx, locale)
            problems += self._static(f"{lang}/{TRACKING_PAGE}", PAGE_NAMES)
            for full in (True, False):
                page = sample_tracking_page(full=full)
                problems += self._try(self.render_tracking_page, page, locale)
        return list(dict.fromkeys(problems))


def _events(brand: BrandTemplates, lang: str) -> Iterable[str]:
    yield from MailEvent
    for event in RESERVED_EVENTS:
        if any(brand._file(f"{lang}/{event}.{p}") for p in PARTS):
            yield event


class Templates:
    """Every brand folder under ``root`` (``<root>/<brand>/...``), plus the defaults."""

    def __init__(self, root: Path | None = None, *, languages: tuple[str, ...] = LANGUAGES):
        self.root = root
        self.languages = languages
        self._brands: dict[str | None, BrandTemplates] = {}

    def brands(self) -> list[str]:
        if self.root is None or not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _BRAND.match(p.name))

    def brand(self, name: str | None = None) -> BrandTemplates:
        """The templates of brand ``name``; the defaults when it has no folder."""
        folder = None
        if name and self.root is not None and _BRAND.match(name) and (self.root / name).is_dir():
            folder = self.root / name
        key = name if folder is not None else None
        if key not in self._brands:
            self._brands[key] = BrandTemplates(folder, languages=self.languages)
        return self._brands[key]

    def check(self) -> None:
        problems = self.brand(None).check()
        for name in self.brands():
            problems += self.brand(name).check()
        if problems:
            raise TemplateError(list(dict.fromkeys(problems)))


def check_templates(
    root: Path | None = None, *, languages: tuple[str, ...] = LANGUAGES
) -> Templates:
    """Load and render every template (defaults and each brand under ``root``) at start.

    Raises ``TemplateError`` listing ``file:line: problem`` for each broken template; returns
    the checked ``Templates`` to render with.
    """
    templates = Templates(root, languages=languages)
    templates.check()
    return templates


def render_tracking_page(
    page: TrackingPage,
    locale: BuyerLocale | None = None,
    *,
    templates: BrandTemplates | None = None,
) -> str:
    """The buyer's tracking page as HTML (the shipped defaults unless ``templates`` is given)."""
    locale = locale or buyer_locale(None, page.ship_to_country)
    return (templates or BrandTemplates()).render_tracking_page(page, locale)
