"""Sign in with an API key (a session on the server, its id in a signed cookie), and sign
out (the session ends on the server)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from hub.bootstrap import Hub
from hub.clock import utcnow as hub_now
from hub.console.session import COOKIE, new_session, sign
from hub.console.web import OPEN, Operator, console_state, page, posted
from hub.services.console import sessions as console_sessions
from hub.services.keys import KeyRefused


def _next(target: str | None) -> str:
    """Only a console path (never another site) is followed after sign-in."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return "/console"


@get("/sign-in", opt=OPEN)
async def sign_in_form(request: Request[Any, Any, Any]) -> Response[str]:
    return page("sign_in.html", None, next=_next(request.query_params.get("next")))


@post("/sign-in", status_code=303)
async def sign_in(request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
    state = await console_state(request)
    client = request.client.host if request.client else "?"
    form = await request.form()
    target = _next(str(form.get("next") or ""))
    wait = state.brake.wait(client)
    if wait > 0:
        message = f"Too many wrong keys from this address: try again in {int(wait) + 1} s."
        answer = page("sign_in.html", None, status=429, error=message, next=target)
        answer.headers["Retry-After"] = str(int(wait) + 1)
        return answer
    key = str(form.get("key") or "").strip()
    try:
        principal = await hub.keys.authenticate(key)
    except KeyRefused as refused:
        state.brake.failed(client)
        return page("sign_in.html", None, status=401, error=str(refused), next=target)
    lifetime = hub.settings.console_session_hours * 3600
    if principal.expires_at is not None:
        left = (principal.expires_at - hub_now()).total_seconds()
        lifetime = min(lifetime, max(left, 1))
    session_id = await console_sessions.start(hub.db, principal.key_id, lifetime)
    cookie = sign(state.secret, new_session(session_id, lifetime))
    answer = Redirect(target, status_code=303)
    answer.set_cookie(
        COOKIE,
        cookie,
        max_age=int(lifetime),
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return answer


@post("/sign-out", status_code=303)
async def sign_out(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[Any]:
    await posted(request, op)
    await console_sessions.end(hub.db, op.session.sid)  # a copy of the cookie ends too
    answer = Redirect("/console/sign-in", status_code=303)
    answer.delete_cookie(COOKIE, path="/console")
    return answer
