"""``POST /orders/{order_id}/payments``: a payment or refund recorded by hand."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from hub.api.auth import requires
from hub.api.problems import Problem
from hub.bootstrap import Hub
from hub.domain.order import FieldError
from hub.errors import Unprocessable
from hub.services.keys import Principal
from hub.services.payments.manual import ManualPaymentIn, PaymentRecorded, post_payment


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(Problem, description=description, media_type="application/problem+json")


class PaymentController(Controller):
    path = "/orders/{order_id:str}/payments"
    tags = ["payments"]

    @post(
        "/",
        guards=[requires("payments:write")],
        status_code=201,
        summary="Record a payment or refund made by hand: cash, bank transfer, card terminal",
        responses={
            404: _problem("No such order"),
            409: _problem("A transaction with this reference and kind is already recorded"),
            422: _problem(
                "An amount above what is due or refundable, a missing reference, another "
                "currency, or an Idempotency-Key reused with another body: nothing written"
            ),
        },
    )
    async def record(
        self,
        request: Request[Principal, Any, Any],
        hub: NamedDependency[Hub],
        order_id: FromPath[str],
        data: JSONBody[ManualPaymentIn],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=False,
                description="Same key and body: the first answer again, nothing recorded twice.",
            ),
        ] = None,
    ) -> Response[PaymentRecorded]:
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise Unprocessable(
                "Idempotency-Key must be 1 to 200 characters",
                [FieldError("Idempotency-Key", "must be 1 to 200 characters")],
            )
        scope = (request.user.key_id, idempotency_key) if idempotency_key else None
        result, replayed = await post_payment(
            hub.db, order_id, data, actor=request.user.actor, idempotency=scope
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(result, status_code=201, headers=headers)


__all__ = ["PaymentController"]
