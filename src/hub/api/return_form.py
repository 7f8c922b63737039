"""``/track/{public_ref}/return``: the buyer's return form, HTML, no key.

GET shows the unlock form (nothing of the order); POST with the order's postal code or
email shows the returnable lines, and POST with quantities opens the return. A wrong answer
or quantity is the same page again with the reason (200, as forms do); an unknown reference
is a 404 and too many attempts for the reference or from the client a 429 with
``Retry-After``, both problem+json like every other refusal of the API."""

from __future__ import annotations

import html
import math
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath

from hub.api.problems import PROBLEM_JSON, Problem, problem
from hub.bootstrap import Hub
from hub.domain.returns import REASONS
from hub.errors import HubError, NotFound
from hub.services.returns import buyer_form, policy
from hub.services.returns.buyer_form import FormView, TooManyAttempts

_HTML = "text/html"
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Return items</title>
</head><body><main><h1>Return items</h1>{body}</main></body></html>"""


def _unlock_form(ref: str, error: str | None = None) -> str:
    err = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    action = html.escape(f"/track/{ref}/return")
    return (
        f'{err}<form method="post" action="{action}"><label>Postal code or email '
        '<input name="unlock" required autocomplete="off"></label> '
        "<button>Show my items</button></form>"
    )


def _lines_form(ref: str, unlock: str, view: FormView, error: str | None = None) -> str:
    if not view.lines:
        return "<p>Nothing on this order can be returned now.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(ln.name or ln.sku)}</td><td>{html.escape(ln.sku)}</td><td>"
        f'<input type="number" name="qty_{ln.index}" min="0" max="{ln.returnable}" value="0">'
        f" of {ln.returnable}</td></tr>"
        for ln in view.lines
    )
    reasons = "".join(f'<option value="{r}">{r.replace("_", " ")}</option>' for r in REASONS)
    err = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return (
        f"{err}<p>Order {html.escape(view.number)}</p>"
        f'<form method="post" action="{html.escape(f"/track/{ref}/return")}">'
        f'<input type="hidden" name="unlock" value="{html.escape(unlock)}">'
        f"<table><tr><th>Item</th><th>SKU</th><th>Return</th></tr>{rows}</table>"
        f'<label>Reason <select name="reason">{reasons}</select></label> '
        '<label>What you would like <select name="resolution"><option value="refund">refund'
        '</option><option value="exchange">exchange</option><option value="store_credit">'
        "store credit</option></select></label> "
        '<label>Anything else <textarea name="note" maxlength="2000"></textarea></label> '
        "<button>Request the return</button></form>"
    )


def _page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(_PAGE.format(body=body), media_type=_HTML, status_code=status,
                    headers=headers or {})  # fmt: skip


def _html(description: str) -> ResponseSpec:
    return ResponseSpec(str, description=description, media_type=_HTML, generate_examples=False)


@get("/track/{public_ref:str}/return", summary="The buyer's return form (no key)",
     tags=["tracking"], responses={200: _html("The unlock form")})  # fmt: skip
async def return_form(hub: NamedDependency[Hub], public_ref: FromPath[str]) -> Response[str]:
    await buyer_form.known(hub.db, public_ref)
    return _page(_unlock_form(public_ref))


@post(
    "/track/{public_ref:str}/return",
    summary="Unlock the buyer's return form, or open the return (no key; rate-limited)",
    tags=["tracking"],
    status_code=200,
    responses={
        200: _html(
            "The returnable lines, the return opened, or the form again with the reason "
            "(the postal code or email does not match, a quantity is wrong)"
        ),
        429: ResponseSpec(
            Problem,
            media_type=PROBLEM_JSON,
            description="Too many attempts for this order or from this address (Retry-After)",
        ),
    },
)
async def submit_return_form(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    public_ref: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    fields = {k: v if isinstance(v, str) else str(v) for k, v in (data or {}).items()}
    client = request.client.host if request.client else "unknown"
    unlock = fields.get("unlock", "")
    try:
        view = await buyer_form.submit(
            hub.db, public_ref, fields, client=client,
            policy_of=policy.policy_of(hub.connections),
        )  # fmt: skip
    except TooManyAttempts as exc:
        refused = problem(exc.status, exc.title, exc.detail)
        refused.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return refused
    except NotFound:
        raise
    except HubError as exc:  # the form again, with the reason
        return _page(_unlock_form(public_ref, exc.detail))
    if view.opened:
        waits = " It waits for the shop's decision." if view.outside_policy else ""
        body = (f"<p>Your return {html.escape(view.opened)} of order {html.escape(view.number)}"
                f" is requested.{waits} We will send you what to do next.</p>")  # fmt: skip
        return _page(body)
    return _page(_lines_form(public_ref, unlock, view))


__all__ = ["return_form", "submit_return_form"]
