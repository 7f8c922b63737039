"""The hub's OpenAPI document as an integrator meets it: JSON and YAML at fixed URLs, a
bearer scheme, a real description, problem answers with real examples, and Swagger UI and
Redoc pages whose scripts come from the hub itself (they work offline)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.api.openapi import ASSET_FILES
from hub.api.problems import PROBLEM_JSON
from hub.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/schema", "/schema/swagger", "/schema/redoc"]
# every URL a page names: src= and href= attributes, url(...) in styles, fetched strings
_URLS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']|url\(([^)]*)\)""")


@pytest.fixture
async def docs(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[AsyncTestClient]:
    """The real app without a key: the document and its pages are open."""
    shutil.copyfile(sqlite_template, tmp_path / "hub.db")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    async with AsyncTestClient(app=create_app(settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def document(docs: AsyncTestClient) -> dict[str, Any]:
    r = await docs.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


async def test_the_document_is_served_as_json_and_as_yaml(
    docs: AsyncTestClient, document: dict[str, Any]
) -> None:
    r = await docs.get("/schema/openapi.yaml")
    assert r.status_code == 200
    assert yaml.safe_load(r.text) == document
    assert document["openapi"].startswith("3.1")
    assert len(operations(document)) >= 25


def test_the_description_says_what_the_hub_is_and_how_to_use_it(document: dict[str, Any]) -> None:
    info = document["info"]
    for heading in ("## Authentication", "## Errors", "## Paging", "## Idempotency"):
        assert heading in info["description"]
    assert "Authorization: Bearer" in info["description"]
    assert "application/problem+json" in info["description"]
    assert "The litestar application" not in info["description"]  # not a module docstring


def test_a_bearer_scheme_covers_every_operation_behind_a_key(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"]["type"] == "http"
    assert schemes["bearer"]["scheme"] == "bearer"
    public = ("/health", "/ready", "/webhooks/", "/track/")
    for method, path, op in operations(document):
        if path.startswith(public):
            assert "security" not in op, (method, path)
            assert "401" not in op["responses"] or path.startswith("/webhooks/")
        else:
            assert op["security"] == [{"bearer": []}], (method, path)
            assert "401" in op["responses"], (method, path)


def test_every_problem_answer_is_problem_json_with_a_real_example(
    document: dict[str, Any],
) -> None:
    seen: set[int] = set()
    for method, path, op in operations(document):
        for code, answer in op["responses"].items():
            status = int(code)
            if status < 400 or status == 503:
                continue
            seen.add(status)
            assert list(answer["content"]) == [PROBLEM_JSON], (method, path, code)
            media = answer["content"][PROBLEM_JSON]
            assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
            values = [example["value"] for example in media["examples"].values()]
            assert values and all(v["status"] == status for v in values), (method, path)
            assert all(v["title"] and v["detail"] for v in values)
    assert seen >= {400, 401, 403, 404, 409, 413, 415, 422}
    # litestar's own error shape ({status_code, detail, extra}) is replaced everywhere
    assert '"status_code"' not in json.dumps(document)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "errors"}


def test_what_each_operation_can_answer_follows_from_the_route(document: dict[str, Any]) -> None:
    def codes(method: str, path: str) -> set[str]:
        return set(document["paths"][path][method]["responses"])

    assert codes("post", "/orders") >= {"200", "201", "409", "413", "415", "422", "403"}
    assert document["paths"]["/orders"]["post"]["responses"]["409"]["description"] == (
        "external_id taken with other content"
    )
    assert codes("get", "/orders/{order_id}") >= {"401", "403", "404"}
    assert not codes("get", "/orders/{order_id}") & {"409", "413", "415"}
    assert codes("post", "/orders/{order_id}/hold") >= {"404", "409", "415", "422"}
    assert codes("get", "/track/{public_ref}") == {"200", "400", "404"}
    assert codes("post", "/webhooks/{code}") >= {"200", "202", "401", "404", "413"}
    label = document["paths"]["/fulfilments/{fulfilment_id}/label"]["get"]["responses"]
    assert list(label["200"]["content"]) == ["*/*"]  # PNG, PDF or ZPL, as bought


@pytest.mark.parametrize("page", PAGES)
async def test_a_documentation_page_loads_only_the_hub_s_own_files(
    docs: AsyncTestClient, page: str
) -> None:
    r = await docs.get(page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    head = r.text.split("<body", 1)[0]  # the body carries the inline document itself
    named = [a or b for a, b in _URLS.findall(head)]
    scripts = re.findall(r"<script[^>]*\ssrc=", r.text)
    assert named and scripts
    for url in named:
        assert url.startswith("/schema/assets/"), url  # no CDN, no font service
    for url in named:
        asset = await docs.get(url)
        assert asset.status_code == 200, url
        name = url.rsplit("/", 1)[1]
        assert asset.content == ASSET_FILES[name][0].read_bytes()
        assert asset.headers["content-type"].startswith(ASSET_FILES[name][1])


async def test_the_pages_scripts_are_real_swagger_ui_and_redoc(docs: AsyncTestClient) -> None:
    swagger = await docs.get("/schema/assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in swagger.content[:2000]
    redoc = await docs.get("/schema/assets/redoc.standalone.js")
    assert b"Redoc" in redoc.content[:2000]
    missing = await docs.get("/schema/assets/index.html")  # only the listed files are served
    assert missing.status_code == 404


def test_the_readme_links_the_document() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for url in ("/schema/openapi.json", "/schema/openapi.yaml", "/schema/swagger"):
        assert f"http://127.0.0.1:8000{url}" in readme, url
