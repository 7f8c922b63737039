"""Every route of the app, walked with a key of each scope, against the table below.

``ROUTES`` says, for each route (``METHOD /path`` as litestar declares it), which scopes may
call it, and what a channel's own key gets for another channel's record. ``admin`` may call
every route that is not public. ``channel`` is a channel's own key (``channel:shop-eu``),
for its own channel's records only; ``channel+ats:read`` is such a key that also holds
``ats:read``. The walk gives each key the request its route needs (tests/support/
scope_world.py) and checks the answer: 2xx with the record when allowed, the other
channel's record left out or 404 for a channel's key, 403 when the scope is missing, 401
without a valid key, and the same answer with any key or none on public routes.

A route of the app missing from ``ROUTES`` fails ``test_every_route_is_in_the_table`` with
its method and path; so does a row for a route that is gone. The README's "Keys and
scopes" table is checked against ``ROUTES`` too, so the documentation cannot drift.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import msgspec
import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.api.app import create_app
from hub.clock import utcnow
from hub.config import Settings
from hub.console.session import COOKIE
from hub.services import keys as key_service
from hub.store.database import Database
from hub.store.tables import api_keys
from tests.support.scope_world import (
    BUILDERS,
    ENV,
    Call,
    World,
    build_world,
    console_session,
    write_config,
)

README = Path(__file__).resolve().parents[2] / "README.md"
PUBLIC = "public"
FILTERED = "filtered"  # a list: another channel's records are left out

#: route -> (the scopes that may call it besides admin, what a channel key gets for
#: another channel's record: FILTERED for a list, else the status; None: no channel grant)
#: every key that signs in (the console's Today page and sign-out)
EVERY_KEY = (
    "orders:read orders:write fulfilment:read fulfilment:write stock:read stock:write "
    "catalog:read catalog:write connections:read payments:write returns:read returns:write "
    "complaints:read complaints:write notifications:read documents:read documents:write "
    "channel channel+ats:read"
)
ROUTES: dict[str, tuple[str, str | int | None]] = {
    "GET /health": (PUBLIC, None),
    "GET /ready": (PUBLIC, None),
    "GET /schema/*": (PUBLIC, None),
    "GET /track/{public_ref}": (PUBLIC, None),
    "GET /track/{public_ref}/return": (PUBLIC, None),
    "POST /track/{public_ref}/return": (PUBLIC, None),
    "POST /webhooks/{code}": (PUBLIC, None),
    "GET /orders": ("orders:read orders:write channel", FILTERED),
    "GET /orders/{order_id}": ("orders:read orders:write channel", 404),
    "GET /orders/by-external/{channel}/{external_id}": ("orders:read orders:write channel", 404),
    "PATCH /orders/{order_id}": ("orders:write channel", 404),
    "POST /orders": ("orders:write channel", 403),
    "POST /orders/{order_id}/cancel": ("orders:write channel", 404),
    "POST /orders/{order_id}/hold": ("orders:write channel", 404),
    "POST /orders/{order_id}/release": ("orders:write channel", 404),
    "POST /orders/{order_id}/payments": ("payments:write", None),
    "POST /orders/{order_id}/complaints": ("complaints:write channel", 404),
    "GET /complaints": ("complaints:read complaints:write channel", FILTERED),
    "GET /complaints/{complaint_id}": ("complaints:read complaints:write channel", 404),
    "GET /complaints/stats": ("complaints:read complaints:write", None),
    "POST /complaints/{complaint_id}/answer": ("complaints:write", None),
    "POST /complaints/{complaint_id}/resolve": ("complaints:write", None),
    "POST /complaints/{complaint_id}/reject": ("complaints:write", None),
    "GET /orders/{order_id}/documents": ("documents:read documents:write", None),
    "POST /orders/{order_id}/invoice": ("documents:write", None),
    "POST /orders/{order_id}/credit-notes": ("documents:write", None),
    "GET /documents": ("documents:read documents:write", None),
    "GET /documents/{document_id}": ("documents:read documents:write", None),
    "GET /documents/{document_id}/pdf": ("documents:read documents:write", None),
    "GET /fulfilments": (
        "fulfilment:read fulfilment:write orders:read orders:write channel",
        FILTERED,
    ),
    "GET /fulfilments/{fulfilment_id}": (
        "fulfilment:read fulfilment:write orders:read orders:write channel",
        404,
    ),
    "GET /fulfilments/{fulfilment_id}/label": (
        "fulfilment:read fulfilment:write orders:read orders:write channel",
        404,
    ),
    "GET /fulfilments/{fulfilment_id}/packing-slip.pdf": (
        "fulfilment:read fulfilment:write orders:read orders:write channel",
        404,
    ),
    "GET /locations/{code}/pick-list.pdf": (
        "fulfilment:read fulfilment:write orders:read orders:write channel",
        404,
    ),
    "POST /fulfilments/{fulfilment_id}/shipments": ("fulfilment:write", None),
    "POST /fulfilments/{fulfilment_id}/label": ("fulfilment:write", None),
    "GET /stock/{sku}": ("stock:read stock:write", None),
    "GET /stock/{sku}/ats": ("stock:read stock:write channel+ats:read", 404),
    "GET /stock/sync": ("stock:read stock:write", None),
    "GET /stock/drift": ("stock:read stock:write", None),
    "POST /stock/movements": ("stock:write", None),
    "GET /locations": ("stock:read stock:write", None),
    "POST /locations": ("admin", None),
    "GET /catalog/skus": ("catalog:read catalog:write", None),
    "GET /catalog/skus/{sku}": ("catalog:read catalog:write", None),
    "PUT /catalog/skus": ("catalog:write", None),
    "GET /connections": ("connections:read", None),
    "GET /forecast/{sku}": ("stock:read stock:write", None),
    "GET /replenishment": ("stock:read stock:write", None),
    "GET /replenishment/suppliers": ("stock:read stock:write", None),
    "PUT /replenishment/suppliers/{code}": ("catalog:write", None),
    "PUT /replenishment/settings": ("catalog:write", None),
    "GET /purchase-orders": ("stock:read stock:write", None),
    "GET /purchase-orders/{po_id}": ("stock:read stock:write", None),
    "POST /purchase-orders": ("stock:write", None),
    "POST /purchase-orders/{po_id}/receive": ("stock:write", None),
    "POST /purchase-orders/{po_id}/close": ("stock:write", None),
    "POST /orders/{order_id}/returns": ("returns:write", None),
    "GET /returns": ("returns:read returns:write", None),
    "GET /returns/{return_id}": ("returns:read returns:write", None),
    "POST /returns/{return_id}/authorise": ("returns:write", None),
    "POST /returns/{return_id}/reject": ("returns:write", None),
    "POST /returns/{return_id}/cancel": ("returns:write", None),
    "POST /returns/{return_id}/close": ("returns:write", None),
    "POST /returns/{return_id}/receive": ("returns:write", None),
    "POST /returns/{return_id}/refund": ("returns:write", None),
    "GET /jobs": ("admin", None),
    "POST /jobs/{job_id}/replay": ("admin", None),
    "POST /subscriptions": ("admin", None),
    "GET /subscriptions": ("admin", None),
    "GET /subscriptions/{sub_id}": ("admin", None),
    "DELETE /subscriptions/{sub_id}": ("admin", None),
    "POST /subscriptions/{sub_id}/rotate-secret": ("admin", None),
    "GET /subscriptions/{sub_id}/deliveries": ("admin", None),
    "POST /subscriptions/{sub_id}/deliveries/{delivery_id}/replay": ("admin", None),
    "POST /subscriptions/{sub_id}/replay": ("admin", None),
    "GET /inbound": ("admin", None),
    "GET /notifications": ("notifications:read", None),
    "GET /notifications/{notification_id}": ("notifications:read", None),
    "GET /inbound/{message_id}": ("admin", None),
    "POST /inbound/{message_id}/replay": ("admin", None),
    # the console: a session signed in with the key (no session: to the sign-in page, 401)
    "GET /console/sign-in": (PUBLIC, None),
    "POST /console/sign-in": (PUBLIC, None),
    "GET /console/static/{file_path}": (PUBLIC, None),
    "GET /console": (EVERY_KEY, None),
    "POST /console/sign-out": (EVERY_KEY, None),
    "GET /console/orders": ("orders:read orders:write channel", FILTERED),
    "GET /console/orders/{order_id}": ("orders:read orders:write channel", 404),
    "GET /console/orders/{order_id}/{action}": ("orders:write channel", 404),
    "POST /console/orders/{order_id}/{action}": ("orders:write channel", 404),
    "GET /console/inbound": ("admin", None),
    "GET /console/inbound/{message_id}": ("admin", None),
    "POST /console/inbound/{message_id}/replay": ("admin", None),
    "POST /console/inbound/replay-all": ("admin", None),
    "GET /console/jobs": ("admin", None),
    "POST /console/jobs/{job_id}/replay": ("admin", None),
    "GET /console/stock": ("stock:read stock:write", None),
    "POST /console/stock/movements": ("stock:write", None),
    "GET /console/catalog": ("catalog:read catalog:write", None),
    "GET /console/connections": ("connections:read", None),
    "GET /console/routing": ("orders:read orders:write", None),
    "POST /console/routing": ("orders:read orders:write", None),
    "GET /console/documents": ("documents:read documents:write", None),
    "GET /console/documents/{document_id}": ("documents:read documents:write", None),
    "GET /console/documents/{document_id}/pdf": ("documents:read documents:write", None),
    "GET /console/notifications": ("notifications:read", None),
    "GET /console/notifications/{notification_id}": ("notifications:read", None),
    "GET /console/returns": ("returns:read returns:write", None),
    "GET /console/returns/{return_id}": ("returns:read returns:write", None),
    "POST /console/returns/{return_id}/{action}": ("returns:write", None),
    "GET /console/complaints": ("complaints:read complaints:write channel", FILTERED),
    "GET /console/complaints/{complaint_id}": ("complaints:read complaints:write channel", 404),
    "POST /console/complaints/{complaint_id}/{action}": ("complaints:write", None),
}

#: the keys of the walk: a name and its scopes (the expired one is an admin key expired).
KINDS: dict[str, tuple[str, ...]] = {
    "no key": (),
    "expired admin": ("admin",),
    "admin": ("admin",),
    **{
        s: (s,)
        for s in (
            "orders:read",
            "orders:write",
            "fulfilment:read",
            "fulfilment:write",
            "stock:read",
            "stock:write",
            "catalog:read",
            "catalog:write",
            "connections:read",
            "payments:write",
            "returns:read",
            "returns:write",
            "complaints:read",
            "complaints:write",
            "notifications:read",
            "documents:read",
            "documents:write",
        )
    },
    "channel": ("channel:shop-eu",),
    "channel+ats:read": ("channel:shop-eu", "ats:read"),
}


def expected(kind: str, route: str) -> str | int:
    """ "public", 401, 403, "all" (every channel's records) or "own" (its channel's only)."""
    grants = set(ROUTES[route][0].split())
    if grants == {PUBLIC}:
        return PUBLIC
    if kind in ("no key", "expired admin"):
        return 401
    scopes = set(KINDS[kind])
    if "admin" in scopes or scopes & grants:
        return "all"
    if any(s.startswith("channel:") for s in scopes):
        if ({"channel"} | {f"channel+{s}" for s in scopes}) & grants:
            return "own"
    return 403


def app_routes() -> set[str]:
    """Every route of the app as ``METHOD /path`` (the OpenAPI pages as ``GET /schema/*``)."""
    app = create_app(Settings(database_url="sqlite+aiosqlite:///unused.db"), run_worker=False)
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        if path == "/schema" or path.startswith("/schema/"):
            path = "/schema/*"
        found |= {f"{m} {path}" for m in route.methods - {"OPTIONS", "HEAD"}}
    return found


def test_every_route_is_in_the_table() -> None:
    routes = app_routes()
    missing = sorted(routes - ROUTES.keys())
    assert not missing, (
        "routes with no row in ROUTES (tests/e2e/test_scopes.py) and the README's "
        f"'Keys and scopes' table: {', '.join(missing)}"
    )
    gone = sorted(ROUTES.keys() - routes)
    assert not gone, f"ROUTES names routes the app no longer has: {', '.join(gone)}"
    no_call = sorted(ROUTES.keys() - BUILDERS.keys())
    assert not no_call, f"no request in tests/support/scope_world.py BUILDERS for {no_call}"


def readme_rows() -> dict[str, set[str]]:
    """The README's scope table: scope (as ROUTES names it) -> the routes in its row."""
    text = README.read_text()
    section = text[text.index("## Keys and scopes") :]
    section = section[: section.index("\n## ")]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("scope", "---"):
            continue
        spans = re.findall(r"`([^`]+)`", cells[0])
        scope = PUBLIC if cells[0].startswith("none") else spans[0]
        scope = {"channel:<code>": "channel", "ats:read": "channel+ats:read"}.get(scope, scope)
        reads = set(re.findall(r"`(GET /[^`]*)`", cells[1]))
        writes = set(re.findall(r"`((?:POST|PUT|PATCH|DELETE) /[^`]*)`", cells[2]))
        assert not re.findall(r"`(?:POST|PUT|PATCH|DELETE) /", cells[1]), (
            f"a write in reads: {line}"
        )
        assert not re.findall(r"`GET /", cells[2]), f"a read among writes: {line}"
        rows[scope] = reads | writes
    return rows


def test_the_readme_table_says_what_the_walk_checks() -> None:
    def granted(scope: str) -> set[str]:
        return {r for r, (grants, _) in ROUTES.items() if scope in grants.split()}

    scopes = {s for grants, _ in ROUTES.values() for s in grants.split()}
    want = {s: granted(s) for s in scopes}  # "admin": the routes only admin may call
    rows = readme_rows()
    problems = [f"no README row for {s}" for s in sorted(want.keys() - rows.keys())]
    for scope in sorted(want.keys() & rows.keys()):
        for route in sorted(want[scope] - rows[scope]):
            problems.append(f"README row {scope}: {route} is missing")
        for route in sorted(rows[scope] - want[scope]):
            problems.append(f"README row {scope}: lists {route}, which ROUTES does not grant")
    assert not problems, "\n".join(problems)


@pytest.fixture
async def scope_client(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AsyncTestClient, Settings]]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    configured = msgspec.structs.replace(settings, config_path=write_config(tmp_path))
    async with AsyncTestClient(app=create_app(configured, run_worker=False)) as c:
        yield c, configured


async def make_keys(world: World) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"no key": {}}
    for kind, scopes in KINDS.items():
        if scopes:
            _, plain = await key_service.create(world.db, kind.replace(" ", "-"), scopes)
            headers[kind] = {"Authorization": f"Bearer {plain}"}
            world.secrets.append(plain)
    async with world.db.write() as conn:
        past = utcnow() - timedelta(seconds=1)
        expired = api_keys.c.name == "expired-admin"
        await conn.execute(update(api_keys).where(expired).values(expires_at=past))
    return headers


async def send(world: World, method: str, call: Call, headers: dict[str, str]) -> httpx.Response:
    if call.path.startswith("/console"):
        r = await send_console(world, method, call, headers)
    else:
        r = await world.client.request(
            method, call.path, json=call.json, params=call.params, headers=headers
        )
    answer = r.text + str(r.headers)
    assert not [s for s in world.secrets if s in answer or s[4:] in answer], (method, call)
    return r


async def send_console(
    world: World, method: str, call: Call, headers: dict[str, str]
) -> httpx.Response:
    """A console page, in the session the key signs in to (the public pages: as they are).
    A redirect to sign in stands for 401; any other (after an action) for 200."""
    public = ROUTES.get(f"{method} {call.path}", ("",))[0] == PUBLIC or "/static/" in call.path
    session = None if public else await console_session(world, headers)
    cookie = {"Cookie": f"{COOKIE}={session[0]}"} if session else {}
    form = call.form
    if method == "POST" and session and form is not None:
        form = {**form, "csrf_token": session[1]}
    r = await world.client.request(
        method, call.path, data=form, params=call.params, headers=cookie, follow_redirects=False
    )
    world.client.cookies.clear()
    if call.path == "/console/sign-out":  # the session ended on the server: sign in anew
        world.sessions.pop(headers.get("Authorization", "").removeprefix("Bearer "), None)
    if r.status_code == 303:  # to the sign-in page for a session: 401; else the action's page
        signed_out = r.headers["location"].startswith("/console/sign-in?next=")
        r.status_code = 401 if signed_out else 200
    return r


async def check(world: World, route: str, kind: str, headers: dict[str, str]) -> list[str]:
    """What is wrong with the answers ``kind`` gets on ``route`` (nothing: [])."""
    method = route.split()[0]
    want = expected(kind, route)
    allowed = want in ("all", "own", PUBLIC)
    call = await BUILDERS[route](world, "own", allowed)
    r = await send(world, method, call, headers)
    where = f"{route} with {kind} ({method} {call.path}): {r.status_code} {r.text[:200]}"
    if want == PUBLIC:
        anonymous = await send(world, method, call, {})
        ok = r.status_code == anonymous.status_code and r.status_code not in (401, 403)
        return [] if ok else [f"{where}; without a key {anonymous.status_code}"]
    if not allowed:
        return [] if r.status_code == want else [f"{where}; want {want}"]
    problems = []
    if not 200 <= r.status_code < 300:
        problems.append(f"{where}; want 2xx")
    elif call.shows and call.shows not in r.text:
        problems.append(f"{where}; want {call.shows} in it")
    elif call.hides and (call.hides in r.text) != (want == "all"):
        problems.append(f"{where}; {call.hides} is another channel's: want it only if all")
    other = ROUTES[route][1]
    if other not in (None, FILTERED):
        call = await BUILDERS[route](world, "other", want == "all")
        r = await send(world, method, call, headers)
        good = r.status_code == other if want == "own" else 200 <= r.status_code < 300
        if not good:
            problems.append(f"{route} with {kind} for another channel: {r.status_code} {r.text}")
    return problems


async def test_each_key_gets_what_the_table_says_on_every_route(
    scope_client: tuple[AsyncTestClient, Settings],
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    test_every_route_is_in_the_table()
    caplog.set_level(logging.DEBUG, logger="hub")
    caplog.set_level(logging.DEBUG, logger="litestar")
    client, settings = scope_client
    _, admin = await key_service.create(db, "setup", ["admin"])
    world = await build_world(client, {"Authorization": f"Bearer {admin}"}, db, settings)
    keys = await make_keys(world)
    problems = []
    for route in sorted(ROUTES, key=lambda r: (not r.startswith("GET "), r)):  # reads first
        for kind, headers in keys.items():
            problems += await check(world, route, kind, headers)
    assert not problems, f"{len(problems)} answers differ from ROUTES:\n" + "\n".join(problems)
    assert not [s for s in [admin, *world.secrets] if s[4:] in caplog.text]  # nor in a log


async def test_options_needs_no_key_on_any_route(client: AsyncTestClient) -> None:
    """``OPTIONS`` only lists a path's methods: never a 401 or 403, never a 500."""
    for route in sorted(app_routes()):
        path = re.sub(r"\{\w+\}", "1", route.split()[1]).replace("/*", "/openapi.json")
        r = await client.options(path)
        assert r.status_code == 204, (path, r.status_code, r.text)
