"""``hub inbound list``, ``hub jobs list`` and ``hub keys list`` in an 80-column terminal,
and their ``--json`` (one document, the API's field names)."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result

from hub.cli import main
from hub.clock import utcnow
from hub.config import Settings
from hub.services import keys as key_service
from hub.services.jobs import FatalJobError, JobContext, JobRegistry
from hub.store import inbound as inbound_store
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import Job, NewJob
from hub.worker import Worker

REASON = (
    "marketplace-with-a-long-name_order: lines[3].sku: 'MUG-CER-350-LIMITED-EDITION' is not "
    "a SKU the hub knows, nor an alias of one; add it to the catalog or map it to another SKU"
)
ERROR = "FatalJobError: the partner refused the fulfilment: " + "address line 2 too long; " * 12


async def hub(settings: Settings, *args: str, columns: int = 80) -> Result:
    env = {"HUB_DATABASE_URL": settings.database_url, "COLUMNS": str(columns)}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


def assert_fits(result: Result, width: int = 80) -> list[str]:
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= width, result.stdout
    return lines


async def some_messages(db: Database) -> list[str]:
    now = utcnow()

    def keep(conn: object) -> list[str]:
        ids = []
        for i, (connection, topic) in enumerate(
            [("marketplace-with-a-long-name", "orders/updated-with-details"), ("shop", None)]
        ):
            message_id = f"01JPB4Q3M8T0RDPY23YKBFTX4{i}"
            inbound_store.keep_sync(
                conn, message_id=message_id, connection=connection, source="webhook",
                dedupe_key=f"d{i}", topic=topic, body=b"{}", now=now,
            )  # fmt: skip
            ids.append(message_id)
        inbound_store.mark_sync(conn, ids[0], status="quarantined", now=now, reason=REASON)
        return ids

    return await db.run_write(keep)  # type: ignore[arg-type]


async def test_inbound_list_fits_and_keeps_the_id_and_the_whole_reason(
    db: Database, settings: Settings
) -> None:
    ids = await some_messages(db)
    lines = assert_fits(await hub(settings, "inbound", "list"))
    assert lines[0].split() == ["ID", "CONNECTION", "TOPIC", "STATUS", "RECEIVED", "(UTC)"]
    first = lines[1]
    assert first.startswith(ids[0] + "  marketpla") and first.count("…") == 2  # cut, not the id
    assert first.split()[-3] == "quarantined"
    reason = [line for line in lines[2:] if line.startswith("    ")]
    assert " ".join(line.strip() for line in reason) == REASON  # wrapped, not cut
    assert lines[2 + len(reason)].split()[:4] == [ids[1], "shop", "received", lines[1].split()[-2]]

    wide = await hub(settings, "inbound", "list", columns=250)
    assert "marketplace-with-a-long-name  orders/updated-with-details" in wide.stdout
    assert REASON in wide.stdout

    as_json = await hub(settings, "inbound", "list", "--status", "quarantined", "--json")
    (item,) = json.loads(as_json.stdout)
    assert set(item) >= {"id", "connection", "source", "dedupe_key", "topic", "received_at",
                         "updated_at", "status", "reason", "order_ids"}  # fmt: skip
    assert (item["id"], item["reason"], item["status"]) == (ids[0], REASON, "quarantined")


async def refuse(ctx: JobContext, job: Job) -> None:
    raise FatalJobError(ERROR.removeprefix("FatalJobError: "))


async def test_jobs_list_fits_with_the_error_under_its_job(
    db: Database, settings: Settings
) -> None:
    registry = JobRegistry()
    registry.register("fulfilment.send_to_a_partner_warehouse", refuse)
    async with db.write() as conn:
        new = [NewJob("fulfilment.send_to_a_partner_warehouse", {"n": 1})]
        await job_store.enqueue(conn, new, now=utcnow(), max_attempts=1)
    await Worker(db, registry, settings).run_once()

    lines = assert_fits(await hub(settings, "jobs", "list"))
    assert lines[0].split() == ["ID", "KIND", "STATE", "ATTEMPTS", "NEXT", "ATTEMPT", "(UTC)"]
    assert lines[1].split()[0] == "1" and lines[1].split()[2:4] == ["dead", "1/1"]
    error = [line.strip() for line in lines[2:]]
    assert len(error) == 3 and error[-1].endswith("…")  # at most three lines; --json has it all
    assert ERROR.startswith(" ".join(error).removesuffix(" …").strip())

    (job,) = json.loads((await hub(settings, "jobs", "list", "--json")).stdout)
    assert set(job) >= {"id", "kind", "payload", "state", "attempts", "max_attempts", "run_at",
                        "last_error", "created_at", "updated_at"}  # fmt: skip
    assert (job["state"], job["last_error"], job["payload"]) == ("dead", ERROR, {"n": 1})


async def test_keys_list_fits_and_says_which_are_revoked(db: Database, settings: Settings) -> None:
    scopes = ["orders:read", "orders:write", "stock:write", "catalog:write", "channel:shop-eu"]
    await key_service.create(db, "warehouse-integration-key", scopes)
    await key_service.create(db, "me", ["admin"])
    await key_service.revoke(db, "me")

    lines = assert_fits(await hub(settings, "keys", "list"))
    # scopes under each key
    assert lines[0].split() == ["NAME", "PREFIX", "CREATED", "(UTC)", "EXPIRES"]
    assert lines[1].startswith("warehouse-integration-key  hub_") and "never" in lines[1]
    assert lines[2].split() == ["scopes:", *sorted(scopes)]
    assert lines[3].startswith("me ") and lines[3].endswith("  revoked")
    assert lines[4] == "    scopes: admin"
    wide = assert_fits(await hub(settings, "keys", "list", columns=150), width=150)
    assert wide[0].split() == ["NAME", "PREFIX", "SCOPES", "CREATED", "(UTC)", "EXPIRES"]
    assert wide[1].startswith("warehouse-integration-key  hub_")
    assert " ".join(sorted(scopes)) in wide[1] and len(wide) == 3

    listed = json.loads((await hub(settings, "keys", "list", "--json")).stdout)
    assert [(k["name"], k["scopes"], k["revoked"]) for k in listed] == [
        ("warehouse-integration-key", sorted(scopes), False),
        ("me", ["admin"], True),
    ]
    assert set(listed[0]) >= {"id", "name", "prefix", "scopes", "created_at", "revoked"}
