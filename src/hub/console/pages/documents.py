"""Documents: invoices, receipts and credit notes by issue time (cursor paged, by series),
one document as issued, and its PDF. Every channel's documents: ``documents:read``, which a
channel's own key never holds (as in the API)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.bootstrap import Hub
from hub.console.listing import PAGE, split_page, timed_after
from hub.console.web import OPEN, SECURITY_HEADERS, Operator, page
from hub.domain.order import FieldError
from hub.errors import Conflict, Unprocessable
from hub.services.documents import views


def _since(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(
            "since: give a date as YYYY-MM-DD", [FieldError("since", "not a date")]
        ) from None


@get("/documents", opt=OPEN)
async def documents(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], op: NamedDependency[Operator]
) -> Response[str]:
    op.need("documents:read")
    series = request.query_params.get("series", "").strip()[:100]
    since_text = request.query_params.get("since", "").strip()
    rows = await views.page(
        hub.db, series=[series] if series else None, since=_since(since_text),
        after=timed_after(request.query_params.get("cursor")), limit=PAGE + 1,
    )  # fmt: skip
    shown, next_cursor = split_page(rows, lambda r: (r.issued_at, r.id))
    return page(
        "documents.html", op, documents=[views.head(r) for r in shown], series=series,
        since=since_text, next_cursor=next_cursor,
    )  # fmt: skip


@get("/documents/{document_id:str}", opt=OPEN)
async def document(
    hub: NamedDependency[Hub], op: NamedDependency[Operator], document_id: FromPath[str]
) -> Response[str]:
    op.need("documents:read")
    return page("document.html", op, document=await views.get(hub.db, document_id))


@get("/documents/{document_id:str}/pdf", opt=OPEN)
async def pdf(
    hub: NamedDependency[Hub], op: NamedDependency[Operator], document_id: FromPath[str]
) -> Response[bytes]:
    op.need("documents:read")
    number, body = await views.pdf(hub.db, document_id)
    if body is None:
        raise Conflict(f"the PDF of {number} is being rendered; ask again shortly")
    headers = SECURITY_HEADERS | {"Content-Disposition": f'inline; filename="{number}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
