"""The ``order.route`` job and what bootstrap hands to acceptance: a router that routes
accepted orders and releases them in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from hub.services.jobs import JobRegistry
from hub.services.routing.route import ROUTE_JOB, route_orders
from hub.services.routing.rules_source import RulesSource
from hub.store.jobs import Job

Router = Callable[[Connection, list[str]], list[str]]


def router(rules: RulesSource) -> Router:
    """Route (and release) orders by the rules in force when called."""

    def run(conn: Connection, order_ids: list[str]) -> list[str]:
        return route_orders(conn, order_ids, rules=rules.get())

    return run


def register(registry: JobRegistry, rules: RulesSource) -> None:
    """``order.route`` (payload: order_id): a local job, routed in its claim transaction."""
    route = router(rules)

    def handle(conn: Connection, jobs: list[Job]) -> None:
        route(conn, [j.payload["order_id"] for j in jobs])

    registry.register_local(ROUTE_JOB, handle)
