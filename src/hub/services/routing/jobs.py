"""The ``order.route`` job (and ``order.paid``: an order whose payment arrived while it was
held for it), and what bootstrap hands to acceptance: a router that routes accepted orders
and releases them in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from hub.services.jobs import JobRegistry
from hub.services.payments.release import PAID_JOB
from hub.services.routing.route import ROUTE_JOB, ReleasePolicy, route_orders
from hub.services.routing.rules_source import RulesSource
from hub.store.jobs import Job

Router = Callable[[Connection, list[str]], list[str]]


def router(rules: RulesSource, release_when: ReleasePolicy | None = None) -> Router:
    """Route (and release) orders by the rules in force when called, each order once its
    channel's ``release_when`` allows (None: every channel ``paid``)."""

    def run(conn: Connection, order_ids: list[str]) -> list[str]:
        if release_when is None:
            return route_orders(conn, order_ids, rules=rules.get())
        return route_orders(conn, order_ids, rules=rules.get(), release_when=release_when)

    return run


def register(
    registry: JobRegistry, rules: RulesSource, release_when: ReleasePolicy | None = None
) -> None:
    """``order.route`` and ``order.paid`` (payload: order_id): local jobs, routed in their
    claim transaction."""
    route = router(rules, release_when)

    def handle(conn: Connection, jobs: list[Job]) -> None:
        route(conn, [j.payload["order_id"] for j in jobs])

    registry.register_local(ROUTE_JOB, handle)
    registry.register_local(PAID_JOB, handle)
