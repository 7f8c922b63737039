"""The console's router: every page under ``/console``, left out of the OpenAPI document
(it is HTML for people, not the API), with its own answers to errors, and its static files
(one CSS file and the vendored htmx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from hub.console.pages import (
    auth,
    complaints,
    connections,
    documents,
    inbound,
    jobs,
    notifications,
    orders,
    returns,
    routing,
    stock,
    today,
)
from hub.console.web import SignInNeeded, error_page, operator, to_sign_in
from hub.errors import HubError

#: the pages of documents, buyer mails, returns and complaints
AFTER_ORDERS = [
    documents.documents,
    documents.document,
    documents.pdf,
    notifications.notifications,
    notifications.notification,
    returns.returns,
    returns.one_return,
    returns.act,
    complaints.complaints,
    complaints.complaint,
    complaints.act,
]
STATIC = Path(__file__).parent / "static"
PREFIX = "/console"


def console_routers() -> list[Any]:
    pages = Router(
        path=PREFIX,
        route_handlers=[
            auth.sign_in_form,
            auth.sign_in,
            auth.sign_out,
            today.today,
            orders.orders,
            orders.order,
            orders.confirm,
            orders.act,
            inbound.inbound,
            inbound.message,
            inbound.replay,
            inbound.replay_all,
            jobs.jobs,
            jobs.replay,
            stock.stock,
            stock.post_movement,
            stock.catalog,
            connections.connections,
            routing.routing,
            routing.run,
            *AFTER_ORDERS,
        ],
        dependencies={"op": Provide(operator)},
        exception_handlers={SignInNeeded: to_sign_in, HubError: error_page},
        include_in_schema=False,
    )
    static = create_static_files_router(
        path=f"{PREFIX}/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=None,
        name="console-static",
    )
    return [pages, static]
