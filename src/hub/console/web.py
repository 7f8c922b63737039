"""What every console page shares: who is signed in (``Operator``, a dependency), the
scope checks, rendering a template into a response, the CSRF check of a posted form, and
the answers to errors (sign-in needed: to the sign-in page; any other: an error page)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.console.session import COOKIE, CSRF_FIELD, Brake, Session, csrf_ok, csrf_token, unsign
from hub.domain.scopes import Principal
from hub.errors import Forbidden, HubError
from hub.services.console import sessions as console_sessions
from hub.services.console.secret import signing_secret
from hub.services.console.today import Reach

#: handlers read their own query parameters (a form's empty fields are "any")
OPEN = {"open_query": True}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInNeeded(Exception):
    """No session, a forged or ended one, or its key no longer opens the hub."""


@dataclass(slots=True)
class ConsoleState:
    secret: bytes
    brake: Brake


async def console_state(request: Request[Any, Any, Any]) -> ConsoleState:
    """The console's secret and sign-in brake, made on first use and kept on the app."""
    found: ConsoleState | None = getattr(request.app.state, "console", None)
    if found is None:
        hub: Hub = request.app.state.hub
        secret = await signing_secret(hub.db, hub.settings.console_secret)
        found = ConsoleState(secret, Brake())
        request.app.state.console = found
    return found


@dataclass(frozen=True, slots=True)
class Operator:
    principal: Principal
    session: Session
    csrf: str
    secret: bytes

    def can(self, scope: str) -> bool:
        return self.principal.allows(scope)

    def need(self, scope: str) -> None:
        if not self.can(scope):
            raise Forbidden(f"the key {self.principal.name!r} lacks the {scope!r} scope")

    def need_every_channel(self, scope: str) -> None:
        """``scope`` over every channel's data (a channel's own key is not enough)."""
        if self.principal.channels(scope) is not None:
            raise Forbidden(f"the key {self.principal.name!r} lacks the {scope!r} scope")

    @property
    def reach(self) -> Reach:
        return Reach(
            channels=self.principal.readable_channels(),
            admin=self.can("admin"),
            stock=self.can("stock:read"),
        )


async def operator(request: Request[Any, Any, Any]) -> Operator:
    """The ``op`` dependency of every page but sign-in: the session's key, checked now."""
    state = await console_state(request)
    session = unsign(state.secret, request.cookies.get(COOKIE))
    if session is None:
        raise SignInNeeded
    hub: Hub = request.app.state.hub
    principal = await console_sessions.principal(hub.db, session.sid)
    if principal is None:  # signed out, over, or its key revoked or expired
        raise SignInNeeded
    return Operator(principal, session, csrf_token(state.secret, session), state.secret)


async def posted(request: Request[Any, Any, Any], op: Operator) -> dict[str, str]:
    """A posted form's fields, once its CSRF token is checked."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    if not csrf_ok(op.secret, op.session, fields.pop(CSRF_FIELD, None)):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
    return fields


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _money(amount: object, currency: str) -> str:
    if not isinstance(amount, int):  # None, or a figure the hub left unset
        return "—"
    digits = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}.get(currency, 2)
    if digits == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d} {currency}"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hub.console", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["money"] = _money
    return env


def page(template: str, op: Operator | None, *, status: int = 200, **context: Any) -> Response[str]:
    html = environment().get_template(template).render(op=op, csrf_field=CSRF_FIELD, **context)
    return Response(html, status_code=status, media_type="text/html", headers=SECURITY_HEADERS)


def to_sign_in(request: Request[Any, Any, Any], _: SignInNeeded) -> Response[Any]:
    target = request.url.path if request.method == "GET" else "/console"
    return Redirect(f"/console/sign-in?next={quote(target)}", status_code=303)


def error_page(_: Request[Any, Any, Any], exc: HubError) -> Response[str]:
    return page("error.html", None, status=exc.status, status_code=exc.status, message=str(exc))
