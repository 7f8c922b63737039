"""The problem answers each operation documents follow from its handler, for routes the
documentation code has never seen: a made-up app shows it, with no database."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Litestar, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody

from hub.api.auth import BearerKeyMiddleware
from hub.api.problem_docs import STANDARD, ProblemDocs
from hub.api.problems import PROBLEM_JSON, Problem


class Widget(msgspec.Struct):
    name: str


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    return None


class WidgetController(Controller):
    path = "/widgets"
    guards = [admin_only]

    @post("/{widget_id:str}")
    async def change(self, widget_id: FromPath[str], data: JSONBody[Widget]) -> Widget:
        return data

    @get("/", responses={409: ResponseSpec(Problem, description="the shelf is locked")})
    async def list_widgets(self, colour: FromQuery[str | None] = None) -> list[Widget]:
        return []


@get("/open/{ref:str}")
async def public_read(ref: FromPath[str]) -> Widget:
    return Widget(ref)


@get("/open/{ref:str}/raw", responses={401: ResponseSpec(Problem, description="bad signature")})
async def public_raw(ref: FromPath[str]) -> Widget:
    return Widget(ref)


def document(*handlers: Any) -> dict[str, Any]:
    app = Litestar(
        route_handlers=list(handlers),
        middleware=[DefineMiddleware(BearerKeyMiddleware, exclude=["^/open/"])],
        openapi_config=OpenAPIConfig(title="t", version="1"),
        plugins=[ProblemDocs(["^/open/"])],
    )
    return msgspec.to_builtins(app.openapi_schema.to_schema())


def responses(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][path][method]["responses"]


def test_each_status_follows_from_what_the_handler_takes_and_how_it_is_reached() -> None:
    doc = document(WidgetController, public_read)
    change = responses(doc, "/widgets/{widget_id}", "post")
    assert sorted(change) == ["201", "400", "401", "403", "404", "409", "413", "415", "422"]
    assert "`widget_id`" in change["404"]["description"]
    listing = responses(doc, "/widgets", "get")  # query parameters: 422, no body answers
    assert sorted(listing) == ["200", "400", "401", "403", "409", "422"]
    public = responses(doc, "/open/{ref}", "get")  # no key, no guard, a read
    assert sorted(public) == ["200", "400", "404"]


def test_each_problem_is_problem_json_with_the_problem_schema_and_a_real_example() -> None:
    doc = document(WidgetController)
    for status, answer in responses(doc, "/widgets/{widget_id}", "post").items():
        if int(status) < 400:
            continue
        assert list(answer["content"]) == [PROBLEM_JSON], status
        media = answer["content"][PROBLEM_JSON]
        assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
        (example,) = media["examples"].values()
        assert example["value"] == STANDARD[int(status)][1]
        assert example["value"]["status"] == int(status)
        msgspec.convert(example["value"], Problem)  # the example is a Problem
    # litestar's own error shape ({status_code, detail, extra}) is nowhere
    assert "status_code" not in msgspec.json.encode(doc).decode()


def test_a_handler_s_own_answers_keep_their_description_and_get_the_standard_shape() -> None:
    doc = document(WidgetController, public_read, public_raw)
    locked = responses(doc, "/widgets", "get")["409"]
    assert locked["description"] == "the shelf is locked"
    assert list(locked["content"]) == [PROBLEM_JSON]
    assert "examples" in locked["content"][PROBLEM_JSON]
    # a public route can still say it answers 401 (a webhook's signature)
    assert responses(doc, "/open/{ref}/raw", "get")["401"]["description"] == "bad signature"


def test_operations_behind_the_key_carry_the_bearer_requirement_and_public_ones_do_not() -> None:
    doc = document(WidgetController, public_read)
    assert doc["paths"]["/widgets/{widget_id}"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/open/{ref}"]["get"]


def test_a_second_app_from_the_same_handlers_documents_the_same() -> None:
    first = document(WidgetController, public_read, public_raw)
    second = document(WidgetController, public_read, public_raw)
    assert first["paths"] == second["paths"]
