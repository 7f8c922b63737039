"""``/documents`` and an order's documents: invoices, receipts and credit notes.

- ``GET /documents?series=&since=``: every document by issue time, paged (accountants);
- ``GET /documents/{id}``: one, as issued (JSON); ``GET /documents/{id}/pdf``: its PDF;
- ``GET /orders/{id}/documents``: an order's documents;
- ``POST /orders/{id}/invoice`` and ``POST /orders/{id}/credit-notes``: issued by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, QueryParameter

from hub.api.auth import requires
from hub.api.paging import Listing, Page, PageAsk
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.errors import Conflict, NotFound
from hub.services.documents import by_hand, views
from hub.services.documents.by_hand import CreditNoteIn, InvoiceIn
from hub.services.documents.views import Document, DocumentHead
from hub.services.keys import Principal

LISTING: Listing[tuple[datetime, str]] = Listing("documents", tuple[datetime, str])
#: an order's documents in issue order (a handful: read whole, paged like every list)
OF_ORDER: Listing[tuple[datetime, str]] = Listing("order-documents", tuple[datetime, str])


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(Problem, description=description, media_type="application/problem+json")


class DocumentController(Controller):
    path = "/documents"
    tags = ["documents"]

    @get("/", guards=[requires("documents:read")], summary="Documents by issue time, paged")
    async def list_documents(
        self,
        hub: NamedDependency[Hub],
        page: NamedDependency[PageAsk],
        series: Annotated[
            list[str] | None,
            QueryParameter(description="only these series (repeat for more)", max_items=20),
        ] = None,
        since: Annotated[
            date | None, QueryParameter(description="issued on or after this date")
        ] = None,
    ) -> Page[DocumentHead]:
        rows = await views.page(
            hub.db, series=series, since=since, after=LISTING.after(page.cursor),
            limit=page.fetch,
        )  # fmt: skip
        return LISTING.page(rows, page, key=lambda r: (r.issued_at, r.id), show=views.head)

    @get(
        "/{document_id:str}",
        guards=[requires("documents:read")],
        summary="One document exactly as issued",
    )
    async def get_document(self, hub: NamedDependency[Hub], document_id: FromPath[str]) -> Document:
        return await views.get(hub.db, document_id)

    @get(
        "/{document_id:str}/pdf",
        guards=[requires("documents:read")],
        summary="The document's PDF (PDF/A-3, with the EN 16931 e-invoice embedded)",
        responses={
            200: ResponseSpec(
                bytes,
                generate_examples=False,
                media_type="application/pdf",
                description="The PDF; an invoice or credit note carries factur-x.xml",
            ),
            409: _problem("The PDF is being rendered: ask again shortly"),
        },
    )
    async def get_pdf(
        self, hub: NamedDependency[Hub], document_id: FromPath[str]
    ) -> Response[bytes]:
        number, pdf = await views.pdf(hub.db, document_id)
        if pdf is None:
            raise Conflict(f"the PDF of {number} is being rendered; ask again shortly")
        disposition = f'inline; filename="{number}.pdf"'
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
        )


class OrderDocumentController(Controller):
    path = "/orders/{order_id:str}"
    tags = ["documents"]

    @get("/documents", guards=[requires("documents:read")], summary="An order's documents")
    async def of_order(
        self, hub: NamedDependency[Hub], page: NamedDependency[PageAsk], order_id: FromPath[str]
    ) -> Page[DocumentHead]:
        found = await views.of_order(hub.db, order_id)
        if found is None:
            raise NotFound(f"no order {order_id}")
        after = OF_ORDER.after(page.cursor)
        found.sort(key=lambda d: (d.issued_at, d.id))
        rows = [d for d in found if after is None or (d.issued_at, d.id) > after][: page.fetch]
        return OF_ORDER.page(rows, page, key=lambda d: (d.issued_at, d.id), show=lambda d: d)

    @post(
        "/invoice",
        guards=[requires("documents:write")],
        status_code=201,
        summary="Issue the order's invoice now (its PDF follows from a job)",
        responses={
            409: _problem("The order has its invoice already"),
            422: _problem("No series serves the order, or no billing or shipping address"),
        },
    )
    async def invoice(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: Annotated[InvoiceIn | None, Body()] = None,
    ) -> Document:
        return await by_hand.invoice(
            hub.db, hub.connections, order_id, data or InvoiceIn(), actor=request.user.actor
        )

    @post(
        "/credit-notes",
        guards=[requires("documents:write")],
        status_code=201,
        summary="Issue a credit note for the order's invoice: all of it or some lines",
        responses={
            422: _problem("Nothing invoiced, nothing (or not that much) left to credit"),
        },
    )
    async def credit_note(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: Annotated[CreditNoteIn | None, Body()] = None,
    ) -> Document:
        return await by_hand.credit_note(
            hub.db, hub.connections, order_id, data or CreditNoteIn(), actor=request.user.actor
        )


__all__ = ["DocumentController", "OrderDocumentController"]
