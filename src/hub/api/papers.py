"""Warehouse papers as PDF: ``/locations/{code}/pick-list.pdf`` and
``/fulfilments/{id}/packing-slip.pdf`` (rendered when asked for, never stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from hub.api.auth import requires
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.errors import Unprocessable
from hub.services import papers
from hub.services.keys import Principal

PDF = "application/pdf"


def _pdf(description: str) -> ResponseSpec:
    return ResponseSpec(bytes, generate_examples=False, media_type=PDF, description=description)


def _inline(content: bytes, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@get(
    "/locations/{code:str}/pick-list.pdf",
    guards=[requires("fulfilment:read")],
    summary="The pick list of a location's open fulfilments: each SKU once, in bin order",
    tags=["fulfilment"],
    responses={
        200: _pdf("The pick list (PDF): bin, SKU, name, total units, the orders it goes to"),
        422: ResponseSpec(
            Problem,
            description="A fulfilment of another location or not open (`fulfilment[i]`), "
            "both ways of choosing at once, a time without a UTC offset, or too many",
        ),
    },
)
async def pick_list(
    request: Request[Principal, Any, Any],
    hub: NamedDependency[Hub],
    code: FromPath[str],
    fulfilment: Annotated[
        list[str] | None,
        QueryParameter(description="a fulfilment id (repeat for several); else released_before"),
    ] = None,
    released_before: Annotated[
        datetime | None,
        QueryParameter(
            description="every open fulfilment released before this time (with a UTC "
            "offset); neither given: every open fulfilment now"
        ),
    ] = None,
) -> Response[bytes]:
    """A fulfilment the key cannot see, or none by that id, is a 404; units already
    shipped are left out."""
    if released_before is not None and released_before.tzinfo is None:
        raise Unprocessable(
            "released_before: give a UTC offset, e.g. 2025-03-14T12:00:00Z",
            [FieldError("released_before", "has no UTC offset")],
        )
    content = await papers.pick_list_pdf(
        hub.db,
        code,
        fulfilment_ids=fulfilment or (),
        released_before=released_before,
        channels=request.user.channels("fulfilment:read"),
    )
    return _inline(content, f"pick-list-{code}.pdf")


@get(
    "/fulfilments/{fulfilment_id:str}/packing-slip.pdf",
    guards=[requires("fulfilment:read")],
    summary="The packing slip of a fulfilment: ship-to, lines, tracking reference and QR code",
    tags=["fulfilment"],
    responses={
        200: _pdf("The packing slip (PDF); no prices when the order is tagged gift"),
        409: ResponseSpec(Problem, description="The fulfilment is cancelled"),
    },
)
async def packing_slip(
    request: Request[Principal, Any, Any], hub: NamedDependency[Hub], fulfilment_id: FromPath[str]
) -> Response[bytes]:
    content = await papers.packing_slip_pdf(
        hub.db, fulfilment_id, channels=request.user.channels("fulfilment:read")
    )
    return _inline(content, f"packing-slip-{fulfilment_id}.pdf")


__all__ = ["packing_slip", "pick_list"]
