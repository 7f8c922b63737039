"""The litestar application: routes, auth, problem+json, and the hub's life cycle."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.datastructures import ResponseSpec

from hub import __version__, config
from hub.api.auth import PUBLIC_PATHS, BearerKeyMiddleware
from hub.api.catalog import CatalogController
from hub.api.complaints import ComplaintController, OrderComplaintController
from hub.api.documents import DocumentController, OrderDocumentController
from hub.api.forecast import ForecastController, ReplenishmentController
from hub.api.fulfilment import FulfilmentController, ask_label, label, track
from hub.api.inbound import InboundController, list_connections, receive_webhook
from hub.api.jobs import JobController
from hub.api.notifications import NotificationController
from hub.api.openapi import asset, openapi_config
from hub.api.orders import OrderController
from hub.api.paging import page_ask
from hub.api.papers import packing_slip, pick_list
from hub.api.payments import PaymentController
from hub.api.problem_docs import ProblemDocs
from hub.api.problems import exception_handlers
from hub.api.purchasing import PurchaseOrderController
from hub.api.query import check_query
from hub.api.request import HubRequest, refuse_impossible_params
from hub.api.return_form import return_form, submit_return_form
from hub.api.returns import OrderReturnController, ReturnController
from hub.api.stock import LocationController, StockController
from hub.api.subscriptions import SubscriptionController
from hub.bootstrap import Hub
from hub.config import Settings
from hub.console.routes import console_routers


class Health(msgspec.Struct):
    status: str


@get("/health", summary="The process is up", tags=["health"])
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    summary="The database answers",
    tags=["health"],
    responses={503: ResponseSpec(Health, description="The database does not answer")},
)
async def ready(hub: NamedDependency[Hub]) -> Response[Health]:
    try:
        await hub.db.ping()
    except Exception:
        return Response(Health(status="database unavailable"), status_code=503)
    return Response(Health(status="ready"))


async def _before_request(request: Request[Any, Any, Any]) -> None:
    """Before any handler: a path parameter no row can have is a 404, a query parameter
    with a control character, unknown or repeated where one is taken is a 400."""
    await refuse_impossible_params(request)
    await check_query(request)


def _hub(state: State) -> Hub:
    return state.hub


def _handlers() -> list[Any]:
    """Every route of the API, and the console's."""
    return [
        health,
        ready,
        OrderController,
        PaymentController,
        OrderComplaintController,
        ComplaintController,
        DocumentController,
        OrderDocumentController,
        JobController,
        NotificationController,
        StockController,
        LocationController,
        CatalogController,
        InboundController,
        FulfilmentController,
        ForecastController,
        ReplenishmentController,
        PurchaseOrderController,
        SubscriptionController,
        OrderReturnController,
        ReturnController,
        ask_label,
        label,
        pick_list,
        packing_slip,
        track,
        return_form,
        submit_return_form,
        list_connections,
        receive_webhook,
        asset,
        *console_routers(),  # the operator console: HTML, out of the OpenAPI document
    ]


def create_app(settings: Settings, *, run_worker: bool = True) -> Litestar:
    """The API app. With ``run_worker`` it also runs a job worker in the same process."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        hub = Hub.build(settings)
        await hub.start(run_worker=run_worker)
        app.state.hub = hub
        try:
            yield
        finally:
            await hub.close()

    return Litestar(
        route_handlers=_handlers(),
        lifespan=[lifespan],
        dependencies={
            "hub": Provide(_hub, sync_to_thread=False),
            "page": Provide(page_ask, sync_to_thread=False),  # cursor and limit of every list
        },
        middleware=[DefineMiddleware(BearerKeyMiddleware, exclude=PUBLIC_PATHS)],
        exception_handlers=exception_handlers,
        request_class=HubRequest,
        before_request=_before_request,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(__version__),
        plugins=[ProblemDocs(PUBLIC_PATHS)],
    )


def app_from_env() -> Litestar:
    """The app for a process started by a process manager (``hub serve --processes N``)."""
    return create_app(config.load(), run_worker=os.environ.get("HUB_RUN_WORKER", "1") == "1")
