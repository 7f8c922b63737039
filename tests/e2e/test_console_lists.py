"""The console's new lists page by cursor: 50 rows, then a link to the rows after the last
one, with no row twice and none left out (complaints; returns, documents and mails page
through the same helper). A broken page link is a 400 page, not a 500."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from hub.console.session import COOKIE
from tests.e2e.test_console_sessions import signed_in
from tests.e2e.test_fulfilment_api import order

IDS = re.compile(r'href="/console/complaints/([0-9A-Z]{26})"')


async def test_complaints_page_by_cursor(
    client: AsyncTestClient, auth: dict[str, str], admin_key: str
) -> None:
    body = order("LIST-1", ("TEE", 1)) | {"channel": "callcentre"}
    r = await client.post("/orders", json=body, headers=auth)
    order_id = r.json()["id"]
    made = set()
    for n in range(53):
        r = await client.post(
            f"/orders/{order_id}/complaints",
            json={"kind": "other", "description": f"complaint {n}"},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        made.add(r.json()["id"])
    cookie, _ = await signed_in(client, admin_key)
    seen: list[str] = []
    path = "/console/complaints"
    for _ in range(3):
        page = await client.get(path, headers={"Cookie": f"{COOKIE}={cookie}"})
        client.cookies.clear()
        assert page.status_code == 200
        seen += IDS.findall(page.text)
        link = re.search(r'href="(/console/complaints\?cursor=[^"]+)"', page.text)
        if link is None:
            break
        path = link[1].replace("&amp;", "&")
    assert len(seen) == 53 and set(seen) == made
    broken = await client.get(
        "/console/complaints?cursor=nonsense", headers={"Cookie": f"{COOKIE}={cookie}"}
    )
    assert broken.status_code == 400 and "page link is broken" in broken.text
