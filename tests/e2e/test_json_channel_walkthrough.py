"""docs/adding-a-json-channel.md, done for real: a partner added with a mapping and a config entry.

The mapping, the sample payloads, the connections file and the openssl line are read from
the document's marked blocks (``<!-- file: NAME -->``), so the walkthrough cannot drift from
what the hub does. The CLI runs in a thread (it has its own event loop); the jobs run in a
``Worker`` on a ``Hub`` built in the test's loop, as ``hub worker`` would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.cli import main
from hub.config import Settings
from hub.mapping import load_default
from hub.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "adding-a-json-channel.md").read_text("utf-8")
BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", re.DOTALL)
FILES: dict[str, str] = dict(BLOCK.findall(DOC))
SECRET = "acme-test-secret-4e1f"  # what ACME_WEBHOOK_SECRET holds in this test


@pytest.fixture
def walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The document's files in a folder, its mapping in a mappings folder of its own."""
    assert set(FILES) == {"sample.json", "acme_order.yaml", "hub.yaml", "sign.sh", "on_hold.json"}
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    for name, text in FILES.items():
        (mappings if name == "acme_order.yaml" else tmp_path).joinpath(name).write_text(text)
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(mappings))
    monkeypatch.setenv("ACME_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("HUB_CONFIG", str(tmp_path / "hub.yaml"))
    load_default.cache_clear()
    yield tmp_path
    load_default.cache_clear()


def settings_of_acme(folder: Path) -> dict[str, Any]:
    (acme,) = yaml.safe_load((folder / "hub.yaml").read_text())["connections"]
    return acme["settings"]


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- without a hub


def test_the_mapping_checks_and_the_sample_normalizes(walkthrough: Path) -> None:
    checked = CliRunner().invoke(main, ["mappings", "check"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "acme_order OK\n"

    sample = str(walkthrough / "sample.json")
    result = CliRunner().invoke(
        main, ["normalize", "generic_json", sample, "--mapping", "acme_order", "--channel", "acme"]
    )
    assert result.exit_code == 0, result.output
    (order,) = json.loads(result.stdout)
    assert (order["channel"], order["external_id"], order["external_number"]) == (
        "acme", "AC-100234", "100234",
    )  # fmt: skip
    assert order["placed_at"] == "2025-03-14T09:22:30Z"
    lines = [(li["sku"], li["quantity"], li["unit_price"], li["discount"]) for li in order["lines"]]
    assert lines == [("TEE-ORG-BLK-M", 2, 2900, 580), ("MUG-CER-350", 1, 1450, 0)]
    assert order["totals"] == {
        "subtotal": 7250, "discount": 580, "shipping": 490, "tax": 1243,
        "tax_included": True, "total": 7160,
    }  # fmt: skip
    assert order["payment"] == {"status": "paid"}
    for line in ('"subtotal": 7250', '"tax": 1243', '"total": 7160', '"external_id": "AC-100234"'):
        assert line in DOC  # the document shows what the command prints


def test_the_unknown_state_is_a_mapping_error_naming_the_field(walkthrough: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["normalize", "generic_json", str(walkthrough / "on_hold.json"), "--mapping", "acme_order"],
    )
    assert result.exit_code == 1
    reason = "acme_order: payment.status: 'on_hold' is not in table 'payment_status'"
    assert result.stderr == f"Error: {reason}\n"
    assert reason in DOC


def test_the_documented_openssl_line_gives_the_signature(walkthrough: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed here")
    done = subprocess.run(
        ["bash", "sign.sh"],
        cwd=walkthrough,
        capture_output=True,
        text=True,
        check=True,
        env={"ACME_WEBHOOK_SECRET": SECRET, "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert done.stdout.strip() == sign((walkthrough / "sample.json").read_bytes())


# --------------------------------------------------------------------------- the running hub


@pytest.fixture
def acme_settings(settings: Settings, walkthrough: Path) -> Settings:
    """The test database (SQLite and PostgreSQL), with the document's connections file."""
    return msgspec.structs.replace(settings, config_path=str(walkthrough / "hub.yaml"))


@pytest.fixture
async def acme_client(acme_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(acme_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def acme_hub(acme_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(acme_settings)
    await built.start()
    yield built
    await built.close()


async def run_jobs(hub: Hub) -> None:
    worker = Worker(hub.db, hub.registry, hub.settings, context=hub.job_context())
    while await worker.run_once():
        pass


async def hub_cli(settings: Settings, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": settings.database_url, "COLUMNS": "250"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_a_signed_webhook_becomes_an_order_and_a_quarantined_one_is_replayed(
    walkthrough: Path,
    acme_settings: Settings,
    acme_client: AsyncTestClient,
    acme_hub: Hub,
    auth: dict[str, str],
) -> None:
    settings = settings_of_acme(walkthrough)
    body = (walkthrough / "sample.json").read_bytes()

    async def deliver(body: bytes, delivery: str, signature: str) -> tuple[int, Any]:
        headers = {
            "Content-Type": "application/json",
            settings["signature_header"]: signature,
            settings["dedupe_header"]: delivery,
            settings["topic_header"]: "order.created",
        }
        r = await acme_client.post("/webhooks/acme", content=body, headers=headers)
        return r.status_code, r.json()

    async def orders() -> list[dict[str, Any]]:
        r = await acme_client.get("/orders", params={"channel": "acme"}, headers=auth)
        assert r.status_code == 200, r.text
        return sorted(r.json()["items"], key=lambda o: o["external_id"])

    # 5. A signed webhook is accepted; the same delivery again is a duplicate; a bad one is 401.
    assert (await deliver(body, "dlv-0001", sign(body)))[1]["status"] == "accepted"
    assert await deliver(body, "dlv-0001", sign(body)) == (200, {"status": "duplicate"})
    tampered = body.replace(b'"71.60"', b'"71.61"')
    assert (await deliver(tampered, "dlv-0009", sign(body)))[0] == 401
    assert (await deliver(body, "dlv-0010", "sha256=" + "0" * 64))[0] == 401

    # 6. The job maps it: the order is there, on hold as the document shows (no stock yet).
    await run_jobs(acme_hub)
    (order,) = await orders()
    assert (order["external_id"], order["external_number"]) == ("AC-100234", "100234")
    assert order["totals"]["total"] == 7160 and order["currency"] == "EUR"
    assert order["payment"]["status"] == "paid"
    assert order["customer"]["name"] == "Jana Nováková"
    assert order["status"] == "on_hold" and '"status":"on_hold"' in DOC
    r = await acme_client.get(f"/orders/{order['id']}", headers=auth)
    hold = r.json()["timeline"][-1]
    assert hold["kind"] == "hold" and hold["detail"]["reason"].startswith("not enough stock")
    assert "TEE-ORG-BLK-M" in hold["detail"]["reason"] and "MUG-CER-350" in hold["detail"]["reason"]

    # 7. An unknown state: kept, quarantined with the reason, no order.
    odd = (walkthrough / "on_hold.json").read_bytes()
    status, answer = await deliver(odd, "dlv-0002", sign(odd))
    assert (status, answer["status"]) == (202, "accepted")
    await run_jobs(acme_hub)
    assert [o["external_id"] for o in await orders()] == ["AC-100234"]

    listed = await hub_cli(acme_settings, "inbound", "list", "--status", "quarantined")
    assert listed.exit_code == 0, listed.output
    header, row, reason = listed.stdout.splitlines()
    shown = DOC.split("$ hub inbound list --status quarantined\n")[1].split("```")[0]
    doc_header, doc_row, doc_reason = shown.splitlines()  # the document shows the same
    assert (header, reason) == (doc_header, doc_reason)
    assert row.split()[0] == answer["inbound_id"]
    assert row.split()[1:4] == doc_row.split()[1:4] == ["acme", "order.created", "quarantined"]
    assert "'on_hold' is not in table 'payment_status'" in reason
    r = await acme_client.get("/inbound", params={"status": "quarantined"}, headers=auth)
    (item,) = r.json()["items"]
    assert item["id"] == answer["inbound_id"] and item["connection"] == "acme"

    # The fix the document shows, then the replay.
    mapping = walkthrough / "mappings" / "acme_order.yaml"
    text = mapping.read_text()
    fixed = next(line for line in DOC.splitlines() if "on_hold: pending" in line)
    before = next(line for line in text.splitlines() if "values: {paid: paid" in line)
    mapping.write_text(text.replace(before, fixed))
    load_default.cache_clear()
    assert (await hub_cli(acme_settings, "mappings", "check")).exit_code == 0

    replayed = await hub_cli(acme_settings, "inbound", "replay", answer["inbound_id"])
    assert replayed.exit_code == 0, replayed.output
    assert replayed.stdout == f"{answer['inbound_id']} processed\n"

    late = (await orders())[1]
    assert (late["external_id"], late["payment"]["status"]) == ("AC-100235", "pending")
    assert late["totals"]["total"] == 3390
    r = await acme_client.get("/inbound", params={"status": "quarantined"}, headers=auth)
    assert r.json()["items"] == []


async def test_with_stock_the_order_is_released_as_the_document_says(
    walkthrough: Path, acme_client: AsyncTestClient, acme_hub: Hub, auth: dict[str, str]
) -> None:
    r = await acme_client.post("/locations", json={"code": "main", "name": "Main"}, headers=auth)
    assert r.status_code == 201, r.text
    receipts = [
        {"kind": "receipt", "sku": sku, "location": "main", "quantity": 5, "reason": "delivery"}
        for sku in ("TEE-ORG-BLK-M", "MUG-CER-350")
    ]
    r = await acme_client.post("/stock/movements", json={"movements": receipts}, headers=auth)
    assert r.status_code == 201, r.text
    body = (walkthrough / "sample.json").read_bytes()
    acme = settings_of_acme(walkthrough)
    headers = {
        "Content-Type": "application/json",
        acme["signature_header"]: sign(body),
        acme["dedupe_header"]: "dlv-0001",
        acme["topic_header"]: "order.created",
    }
    assert (
        await acme_client.post("/webhooks/acme", content=body, headers=headers)
    ).status_code == 202
    await run_jobs(acme_hub)
    r = await acme_client.get("/orders", params={"channel": "acme"}, headers=auth)
    (order,) = r.json()["items"]
    assert order["status"] == "released" and '"status":"released"' in DOC
    r = await acme_client.get(f"/orders/{order['id']}", headers=auth)
    kinds = [e["kind"] for e in r.json()["timeline"]]
    assert kinds == ["received", "accept", "route", "release"]
