"""The after-sales mails end to end, on both databases, against a real SMTP server (aiosmtpd)
and EasyPost faked by respx: a call-centre order (``notify`` all by default) ships; its
return is requested (mail), authorised with an EasyPost return label (mail, the label
attached and linked), received (mail) and refunded (mail, with the amount). One mail per
(order, event, return): running the jobs again sends nothing more."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from tests.e2e import test_returns_tracking as tracking
from tests.e2e.test_fulfilment_api import order, receive
from tests.e2e.test_returns_exchange import run_jobs
from tests.e2e.test_returns_tracking import ADDRESS, CONFIG
from tests.integration.test_smtp_send import Recorder, smtp_server

easypost = tracking.easypost  # the faked EasyPost (respx)
Auth = dict[str, str]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with smtp_server(recorder) as port:
        yield recorder, port


@pytest.fixture
def mail_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: Any
) -> Settings:
    (tmp_path / "hub.yaml").write_text(json.dumps(CONFIG))
    monkeypatch.setenv("RT_EP_KEY", "EZTK")
    monkeypatch.setenv("RT_EP_SECRET", "whsec")
    return msgspec.structs.replace(
        settings, config_path=str(tmp_path / "hub.yaml"), smtp_url=f"smtp://127.0.0.1:{smtp[1]}",
        mail_from="Müller & Söhne <shop@shop.example>", public_url="https://shop.example",
    )  # fmt: skip


@pytest.fixture
async def c(mail_settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(mail_settings, run_worker=False)) as client:
        yield client


@pytest.fixture
async def hub(mail_settings: Settings) -> AsyncIterator[Hub]:
    built = Hub.build(mail_settings)
    await built.start()
    yield built
    await built.close()


def mails(recorder: Recorder) -> list[Any]:
    return [message_from_bytes(e.original_content or b"", policy=policy.default)
            for e, _ in recorder.messages]  # fmt: skip


async def test_the_buyer_hears_of_each_step_of_a_return(
    c: AsyncTestClient, hub: Hub, auth: Auth, smtp: Any, easypost: list[Any]
) -> None:
    recorder, _ = smtp
    loc = {"code": "main", "name": "Main", "priority": 1, "address": ADDRESS}
    assert (await c.post("/locations", json=loc, headers=auth)).status_code == 201
    await receive(c, auth, ("TEE", "main", 10))
    body = order("AS-1", ("TEE", 2), country="DE") | {"external_number": "AS-1"}
    body["customer"] = {"name": "Jana Müller", "email": "jana@example.org"}
    oid = (await c.post("/orders", json=body, headers=auth)).json()["id"]
    await run_jobs(hub)
    (f,) = (await c.get("/fulfilments", headers=auth)).json()["items"]
    ship = {"carrier": "DHL", "tracking_number": "OUT-AS-1"}
    assert (await c.post(f"/fulfilments/{f['id']}/shipments", json=ship, headers=auth)).is_success
    await run_jobs(hub)
    before = len(recorder.messages)

    ret = {"lines": [{"sku": "TEE", "quantity": 1}], "reason": "size_or_fit"}
    rid = (await c.post(f"/orders/{oid}/returns", json=ret, headers=auth)).json()["id"]
    parcel = {"parcel": {"weight_grams": 400}}
    assert (await c.post(f"/returns/{rid}/authorise", json=parcel, headers=auth)).is_success
    await run_jobs(hub)  # the label is bought; then its mail goes
    label = (await c.get(f"/returns/{rid}", headers=auth)).json()["label"]
    one = {"location": "main", "lines": [{"sku": "TEE", "quantity": 1, "grade": "sellable"}]}
    assert (await c.post(f"/returns/{rid}/receive", json=one, headers=auth)).is_success
    refund = (await c.post(f"/returns/{rid}/refund", json={}, headers=auth)).json()["refund"]
    await run_jobs(hub)
    await run_jobs(hub)

    sent = {m["Subject"]: m for m in mails(recorder)[before:]}  # a batch may go in any order
    assert sorted(sent) == [
        "Ihre Erstattung zu Bestellung AS-1",  # shipping to DE: German
        "Ihre Rücksendung zu Bestellung AS-1 ist angefragt",
        "Ihre Rücksendung zu Bestellung AS-1 ist angekommen",
        "Ihre Rücksendung zu Bestellung AS-1 ist genehmigt",
    ]
    requested = sent["Ihre Rücksendung zu Bestellung AS-1 ist angefragt"]
    authorised = sent["Ihre Rücksendung zu Bestellung AS-1 ist genehmigt"]
    refunded = sent["Ihre Erstattung zu Bestellung AS-1"]
    assert "1 x Tee" in requested.get_body(("plain",)).get_content()
    text = authorised.get_body(("plain",)).get_content()
    assert label["url"] in text and label["tracking_number"] in text
    (attached,) = list(authorised.iter_attachments())
    assert attached.get_filename() == f"return-label-{rid}.png"
    assert attached.get_content() == b"\x89PNG label"
    amount = refund["amount"]  # the tee less the buyer's return label
    assert 0 < amount < 1000
    assert f"{amount // 100},{amount % 100:02d}" in refunded.get_body(("plain",)).get_content()
    shown = (await c.get("/notifications", params={"order": oid}, headers=auth)).json()["items"]
    after = sorted(n["event"] for n in shown if n["parcel"] == rid)
    assert after == ["refund_issued", "return_authorised", "return_received", "return_requested"]
    await run_jobs(hub)
    assert len(mails(recorder)) == before + 4
