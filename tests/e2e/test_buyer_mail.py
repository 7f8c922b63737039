"""Buyer mail end to end: orders over HTTP, the worker's jobs, a real SMTP server (aiosmtpd on
127.0.0.1, started by each test). One mail per (order, event, parcel), even when a job runs
again; 550 fails the notification with the server's words and is not retried; 451 is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from typing import Any

import msgspec
import pytest
from aiosmtpd.smtp import Envelope, Session
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from hub.api.app import create_app
from hub.bootstrap import build_registry, mailer
from hub.clock import utcnow
from hub.config import Settings
from hub.connections import Connections
from hub.domain.lifecycle import EventKind
from hub.notifications.message import message_id
from hub.services import keys as key_service
from hub.services.console.followups import followups as console_followups
from hub.services.notifications.attachments import pdf_source
from hub.services.notifications.send import Mailer
from hub.store import jobs as job_store
from hub.store.database import Database
from hub.store.jobs import NewJob
from hub.store.orders import Event, add_events, event_row
from hub.store.tables import jobs
from hub.worker import Worker
from tests.e2e.test_fulfilment_api import location, order, receive
from tests.integration.test_smtp_send import PDF, Recorder, smtp_server

Body = dict[str, Any]


class Flaky(Recorder):
    """Answers RCPT with each of ``replies`` in turn, then accepts."""

    def __init__(self, *replies: str) -> None:
        super().__init__()
        self.replies = list(replies)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.replies:
            return self.replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(request: pytest.FixtureRequest) -> Recorder:
    """A server that accepts, or first answers RCPT with ``request.param`` (indirect)."""
    reply = getattr(request, "param", None)
    return Flaky(reply) if reply else Recorder()


@pytest.fixture
async def world(
    smtp: Recorder, settings: Settings, db: Database
) -> AsyncIterator[tuple[AsyncTestClient, dict[str, str], Settings, Mailer]]:
    with smtp_server(smtp) as port:
        mail_settings = msgspec.structs.replace(
            settings,
            smtp_url=f"smtp://127.0.0.1:{port}",
            mail_from="Müller & Söhne <shop@shop.example>",
            public_url="https://shop.example",
        )
        app = create_app(mail_settings, run_worker=False)
        async with AsyncTestClient(app=app) as client:
            _, key = await key_service.create(db, "admin", ["admin"])
            auth = {"Authorization": f"Bearer {key}"}
            await location(client, auth, "main")
            await receive(client, auth, ("TEE", "main", 50))
            mails = mailer(mail_settings, Connections([], {}))
            mails.attachments = pdf_source(lambda conn, document_id: PDF)
            yield client, auth, mail_settings, mails


async def drain(db: Database, settings: Settings, mails: Mailer) -> None:
    """Run every due job (retries made due at once: no waiting in a test)."""
    worker = Worker(db, build_registry(settings, None, mails), settings)
    for _ in range(10):
        while await worker.run_once():
            pass
        async with db.write() as conn:
            again = await conn.execute(
                update(jobs).where(jobs.c.state == "pending").values(run_at=utcnow())
            )
        if again.rowcount == 0:
            return


async def place(client: AsyncTestClient, auth: dict[str, str], number: str) -> Body:
    body = order(number, ("TEE", 1), country="DE") | {"external_number": number}
    body["customer"] = {"name": "Jana Müller", "email": "jana@example.org"}
    r = await client.post("/orders", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def received(smtp: Recorder) -> list[Any]:
    return [
        message_from_bytes(e.original_content or b"", policy=policy.default)
        for e, _ in smtp.messages
    ]


async def notifications(client: AsyncTestClient, auth: dict[str, str], **params: str) -> list[Body]:
    r = await client.get("/notifications", params=params, headers=auth)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_confirmation_goes_out_once_with_both_parts(
    world: Any, smtp: Recorder, db: Database
) -> None:
    client, auth, settings, mails = world
    placed = await place(client, auth, "Müller-1")
    await drain(db, settings, mails)
    (mail,) = received(smtp)
    assert mail["Subject"] == "Bestellung Müller-1 bestätigt"  # shipping to DE: German
    raw = smtp.messages[0][0].original_content or b""
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]  # RFC 2047 on the wire
    assert mail["To"].addresses[0].addr_spec == "jana@example.org"
    assert mail["From"].addresses[0].display_name == "Müller & Söhne"
    assert mail["Message-ID"] == message_id(placed["id"], "order_confirmed", None, "shop.example")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    link = f"https://shop.example/track/{placed['public_ref']}"
    assert "Müller-1" in text and link in text and link in html
    (n,) = await notifications(client, auth, order=placed["id"])
    assert (n["event"], n["status"], n["error"]) == ("order_confirmed", "sent", None)
    # the job runs again (a crash before it was marked done): no second mail
    async with db.write() as conn:
        await job_store.enqueue(conn, [NewJob("notifications.send", {"notification": n["id"]})],
                                now=utcnow(), max_attempts=3)  # fmt: skip
    await drain(db, settings, mails)
    assert len(smtp.messages) == 1
    shown = (await client.get(f"/notifications/{n['id']}", headers=auth)).json()
    assert shown["subject"] == "Bestellung Müller-1 bestätigt" and "Müller-1" in shown["text"]


async def test_a_tokyo_subject_survives_the_wire(world: Any, smtp: Recorder, db: Database) -> None:
    client, auth, settings, mails = world
    await place(client, auth, "東京-7")
    await drain(db, settings, mails)
    (mail,) = received(smtp)
    assert mail["Subject"] == "Bestellung 東京-7 bestätigt"
    raw = smtp.messages[0][0].original_content or b""
    assert raw.isascii()


@pytest.mark.parametrize("smtp", ["550 5.1.1 <jana@example.org>: no such user"], indirect=True)
async def test_550_fails_the_notification_and_is_not_retried(
    world: Any, smtp: Flaky, db: Database
) -> None:
    client, auth, settings, mails = world
    placed = await place(client, auth, "W-550")
    await drain(db, settings, mails)
    (n,) = await notifications(client, auth, order=placed["id"])
    assert n["status"] == "failed" and "550" in n["error"] and "no such user" in n["error"]
    assert smtp.messages == []
    r = await client.get("/jobs", params={"kind": "notifications.send"}, headers=auth)
    (job,) = r.json()["items"]
    assert (job["state"], job["attempts"]) == ("done", 1)  # one try, never again


@pytest.mark.parametrize("smtp", ["451 4.3.0 try again later"], indirect=True)
async def test_451_is_retried_and_sends_one_mail(world: Any, smtp: Flaky, db: Database) -> None:
    client, auth, settings, mails = world
    placed = await place(client, auth, "W-451")
    await drain(db, settings, mails)
    assert len(smtp.messages) == 1
    (n,) = await notifications(client, auth, order=placed["id"])
    assert (n["status"], n["error"]) == ("sent", None)
    r = await client.get("/jobs", params={"kind": "notifications.send"}, headers=auth)
    (job,) = r.json()["items"]
    assert (job["state"], job["attempts"]) == ("done", 2)


async def test_an_invoice_mail_carries_its_pdf(world: Any, smtp: Recorder, db: Database) -> None:
    client, auth, settings, mails = world
    placed = await place(client, auth, "W-INV")
    detail = {"document_id": "doc_1", "kind": "invoice", "number": "RE-2025-7", "series": "RE"}
    event = Event(at=utcnow(), actor="documents", kind=EventKind.DOCUMENT_ISSUED, detail=detail)
    async with db.write() as conn:
        await add_events(conn, [event_row(placed["id"], event)])
    await drain(db, settings, mails)
    (invoice,) = [m for m in received(smtp) if "RE-2025-7" in m["Subject"]]
    (pdf,) = list(invoice.iter_attachments())
    assert pdf.get_filename() == "RE-2025-7.pdf" and pdf.get_content() == PDF
    assert invoice.get_body(("plain",)).get_content()


async def test_each_parcel_gets_its_shipped_mail(world: Any, smtp: Recorder, db: Database) -> None:
    client, auth, settings, mails = world
    body = order("W-SHIP", ("TEE", 2), country="DE") | {"external_number": "W-SHIP"}
    placed = (await client.post("/orders", json=body, headers=auth)).json()
    await drain(db, settings, mails)
    (f,) = (await client.get("/fulfilments", headers=auth)).json()["items"]
    for number in ("TRK-1", "TRK-2"):
        ship = {"carrier": "DHL", "tracking_number": number,
                "lines": [{"sku": "TEE", "quantity": 1}]}  # fmt: skip
        r = await client.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)
        assert r.status_code in (200, 201), r.text
    await drain(db, settings, mails)
    shipped = await notifications(client, auth, order=placed["id"], event="shipped")
    assert [n["status"] for n in shipped] == ["sent", "sent"]
    texts = [m.get_body(("plain",)).get_content() for m in received(smtp)[1:]]
    assert len(texts) == 2 and "TRK-1" in texts[0] and "TRK-2" in texts[1]
    assert all(f"https://shop.example/track/{placed['public_ref']}" in t for t in texts)
    ids = {m["Message-ID"] for m in received(smtp)}
    assert len(ids) == 3  # one confirmation, one mail per parcel


@pytest.mark.parametrize("smtp", ["451 4.3.0 try again later"], indirect=True)
async def test_a_mail_whose_job_dies_is_failed_not_queued(
    world: Any, smtp: Flaky, db: Database
) -> None:
    """The server says 451 until the retry span ends: the job dies, and the notification is
    failed with the reason (in GET /notifications and the console's work queue)."""
    client, auth, settings, mails = world
    smtp.replies = ["451 4.3.0 try again later"] * 50
    brief = msgspec.structs.replace(settings, partner_retry_hours=0.5 / 3600)  # half a second
    placed = await place(client, auth, "W-DEAD")
    await drain(db, brief, mails)
    await asyncio.sleep(0.6)
    await drain(db, brief, mails)
    r = await client.get("/jobs", params={"kind": "notifications.send"}, headers=auth)
    (job,) = r.json()["items"]
    assert job["state"] == "dead", job
    (n,) = await notifications(client, auth, order=placed["id"])
    assert n["status"] == "failed", n
    assert "its job died" in n["error"] and "451" in n["error"]
    found = await console_followups(db, complaints=False, mails=True)
    assert [m.id for m in found.failed_mails] == [n["id"]]
    assert smtp.messages == []
