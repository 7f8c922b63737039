"""The OpenAPI document and its pages: ``/schema/openapi.json`` and ``.yaml``, Swagger UI
(``/schema/swagger``) and Redoc (``/schema/redoc``, also ``/schema``), a bearer security
scheme, and the API description (``openapi.md`` beside this module).

The pages load their scripts from the hub itself (``/schema/assets/...``, the files of the
``openapi-ui-bundles`` package: Swagger UI 5.17 and Redoc 2), never from a CDN, so they
work offline. The problem answers of each operation are added by ``api.problem_docs``.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

import openapi_ui_bundles
from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    RedocRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.params import FromPath

from hub.api.problem_docs import BEARER

SCHEMA = "/schema"
ASSETS = f"{SCHEMA}/assets"

#: every file the pages load, by the name they are served under
ASSET_FILES: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (
        openapi_ui_bundles.swagger_ui.static_path / "swagger-ui-bundle.js",
        "text/javascript",
    ),
    "swagger-ui-standalone-preset.js": (
        openapi_ui_bundles.swagger_ui.static_path / "swagger-ui-standalone-preset.js",
        "text/javascript",
    ),
    "swagger-ui.css": (openapi_ui_bundles.swagger_ui.static_path / "swagger-ui.css", "text/css"),
    "redoc.standalone.js": (
        openapi_ui_bundles.redoc.static_path / "redoc.standalone.js",
        "text/javascript",
    ),
    "favicon.png": (openapi_ui_bundles.swagger_ui.static_path / "favicon-32x32.png", "image/png"),
}

_FAVICON = f"<link rel='icon' type='image/png' href='{ASSETS}/favicon.png'>"

TAGS = [
    Tag(name="orders", description="Direct order entry, queries and lifecycle actions"),
    Tag(name="stock", description="Locations, the stock ledger and what each channel is shown"),
    Tag(name="catalog", description="SKUs with their listings and aliases"),
    Tag(name="fulfilment", description="Work lists, shipments and labels"),
    Tag(name="tracking", description="What a buyer sees (no key)"),
    Tag(name="webhooks", description="Partners' signed webhooks (no key)"),
    Tag(name="inbound", description="Kept partner messages and the quarantine"),
    Tag(name="connections", description="Configured connections and their health"),
    Tag(name="jobs", description="The durable job outbox"),
    Tag(name="health", description="Liveness and readiness"),
]


def description() -> str:
    return files("hub.api").joinpath("openapi.md").read_text(encoding="utf-8")


def openapi_config(version: str) -> OpenAPIConfig:
    """The document's metadata and the pages that render it."""
    return OpenAPIConfig(
        title="hub",
        version=version,
        description=description(),
        path=SCHEMA,
        tags=TAGS,
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API key from `hub keys create`, as `Bearer <key>`",
                )
            }
        ),
        render_plugins=[
            RedocRenderPlugin(
                path=["/redoc", "/"],
                js_url=f"{ASSETS}/redoc.standalone.js",
                google_fonts=False,
                favicon=_FAVICON,
            ),
            SwaggerRenderPlugin(
                path="/swagger",
                js_url=f"{ASSETS}/swagger-ui-bundle.js",
                css_url=f"{ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
                favicon=_FAVICON,
            ),
            JsonRenderPlugin(path="/openapi.json"),
            YamlRenderPlugin(path=["/openapi.yaml", "/openapi.yml"]),
        ],
    )


@functools.cache
def _read(name: str) -> bytes:
    return ASSET_FILES[name][0].read_bytes()


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def asset(name: FromPath[str]) -> Response[bytes]:
    """A script, style sheet or icon of the documentation pages."""
    if name not in ASSET_FILES:
        raise NotFoundException(f"no asset {name!r}")
    return Response(
        _read(name),
        media_type=ASSET_FILES[name][1],
        headers={"Cache-Control": "public, max-age=86400"},
    )


__all__ = ["ASSETS", "ASSET_FILES", "SCHEMA", "asset", "openapi_config"]
