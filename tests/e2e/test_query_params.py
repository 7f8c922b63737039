"""Query parameters fail loudly on every route, and every list pages the same way.

The routes are walked from the app itself, so a route added later is held to the same
rules without a test of its own.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from hub.api.paging import Page
from hub.api.query import OPEN_QUERY

LIST_FIELDS = {"items", "next_cursor"}


def our_routes(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    """(method, path with its parameters filled in, handler) for every route of the hub."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method in ("HEAD", "OPTIONS") or handler.fn.__module__.startswith("litestar."):
                continue
            path = route.path_format
            for param in route.path_parameters:
                path = path.replace("{" + param + "}", "1")
            yield method, path, handler


def returns_a_list(handler: HTTPRouteHandler) -> bool:
    hints = typing.get_type_hints(handler.fn, include_extras=False)
    answer = hints.get("return")
    return typing.get_origin(answer) is list or answer is list


def is_page(handler: HTTPRouteHandler) -> bool:
    answer = typing.get_type_hints(handler.fn).get("return")
    fields = getattr(typing.get_origin(answer) or answer, "__struct_fields__", ())
    return typing.get_origin(answer) is Page or LIST_FIELDS <= set(fields)


async def test_every_route_refuses_a_parameter_it_does_not_take(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    checked = 0
    for method, path, handler in our_routes(client.app):
        r = await client.request(method, path, params={"colour": "red"}, headers=auth)
        if handler.opt.get(OPEN_QUERY):
            assert r.status_code != 400, (method, path, r.text)  # a partner's own parameters
            continue
        assert r.status_code == 400, (method, path, r.text)
        if path.startswith("/console"):  # the console answers people: an HTML error page
            assert "colour" in r.text and r.headers["content-type"].startswith("text/html")
            continue
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == ["colour"], (method, path)
        checked += 1
    assert checked >= 25


async def test_every_list_pages_with_cursor_and_limit(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    lists = []
    for method, path, handler in our_routes(client.app):
        assert not returns_a_list(handler), f"{method} {path} answers a bare array"
        if method != "GET" or not is_page(handler):
            continue
        lists.append(path)
        r = await client.get(path, params={"limit": 1}, headers=auth)
        if r.status_code == 404:  # a list under an id that does not exist
            continue
        assert r.status_code == 200, (path, r.text)
        assert LIST_FIELDS <= set(r.json()), path
        bad = await client.get(path, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=auth)
        assert [e["field"] for e in bad.json()["errors"]] == ["cursor"], path
        twice = await client.get(path, params=[("limit", "1"), ("limit", "2")], headers=auth)
        assert [e["field"] for e in twice.json()["errors"]] == ["limit"], path
        too_many = await client.get(path, params={"limit": 1001}, headers=auth)
        assert [e["field"] for e in too_many.json()["errors"]] == ["limit"], path
    expected = {"/orders", "/catalog/skus", "/jobs", "/inbound", "/stock/sync", "/stock/drift"}
    assert expected | {"/fulfilments", "/locations", "/connections"} <= set(lists)


async def test_a_cursor_of_one_list_is_refused_by_another(
    client: AsyncTestClient, auth: dict[str, str]
) -> None:
    for code in ("a", "b"):
        body = {"code": code, "name": code}
        assert (await client.post("/locations", json=body, headers=auth)).status_code == 201
    cursor = (await client.get("/locations?limit=1", headers=auth)).json()["next_cursor"]
    assert cursor
    r = await client.get("/catalog/skus", params={"cursor": cursor}, headers=auth)
    assert r.status_code == 400 and "another list" in r.json()["detail"]
