"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signatures the Standard
Webhooks library verifies, no redirects, 64 kB read, timeouts, isolation, and addresses
checked at connect time (a resolver hook stands in for DNS)."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
import trustme

from hub.subscriptions.delivery import MAX_RESPONSE_BYTES, WebhookSender, new_secret
from tests.support.webhook_receiver import receiving

SECRET = new_secret()
AT = datetime(2025, 3, 14, 9, 22, 30, tzinfo=UTC)


def resolver_for(table: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


async def _deliver(sender: WebhookSender, url: str, **kw: object):  # type: ignore[no-untyped-def]
    args: dict = {
        "msg_id": "msg_01JPSAMPLE",
        "event_type": "order.created",
        "occurred_at": AT,
        "data": {"id": "ord_1", "number": "#1042"},
        "signing_secrets": [SECRET],
    }
    args.update(kw)
    return await sender.deliver(url, **args)


async def test_a_delivery_is_signed_per_standard_webhooks() -> None:
    with receiving([SECRET]) as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/ok"))
    assert (result.outcome, result.status_code, result.error) == ("delivered", 204, None)
    assert result.ok and result.elapsed_ms > 0
    (seen,) = rx.seen
    assert seen.verified_with == [0]
    assert seen.headers["webhook-id"] == "msg_01JPSAMPLE"
    assert abs(int(seen.headers["webhook-timestamp"]) - time.time()) < 5
    assert seen.headers["content-type"] == "application/json"
    assert json.loads(seen.body) == {
        "type": "order.created",
        "timestamp": "2025-03-14T09:22:30Z",
        "data": {"id": "ord_1", "number": "#1042"},
    }


async def test_during_rotation_old_and_new_secret_both_verify() -> None:
    old, new = new_secret(), new_secret()
    with receiving([old, new, new_secret()]) as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/ok"), signing_secrets=[new, old])
    assert result.ok
    (seen,) = rx.seen
    assert seen.verified_with == [0, 1]
    assert len(seen.headers["webhook-signature"].split(" ")) == 2


async def test_a_wrong_secret_does_not_verify() -> None:
    with receiving([SECRET]) as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/ok"), signing_secrets=[new_secret()])
    assert (result.outcome, result.status_code) == ("rejected", 401)


async def test_redirects_are_not_followed() -> None:
    with receiving([SECRET]) as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/redirect"))
    assert (result.outcome, result.status_code) == ("rejected", 302)
    assert result.error is not None and rx.url("/ok") in result.error
    assert [s.path for s in rx.seen] == ["/redirect"]


async def test_only_the_first_64_kb_of_an_answer_is_read() -> None:
    with receiving() as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/big"))
    assert result.ok and len(result.body) == MAX_RESPONSE_BYTES == 65536


@pytest.mark.parametrize(
    ("code", "outcome", "retry_after"),
    [
        (500, "transient", None),
        (503, "transient", 7.0),
        (429, "transient", 7.0),
        (408, "transient", None),
        (404, "rejected", None),
        (410, "rejected", None),
        (200, "delivered", None),
    ],
)
async def test_status_codes_are_classified(
    code: int, outcome: str, retry_after: float | None
) -> None:
    with receiving() as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url(f"/status/{code}"))
    assert (result.outcome, result.status_code, result.retry_after) == (
        code and outcome,
        code,
        retry_after,
    )
    assert result.retriable is (outcome == "transient")


async def test_a_hanging_endpoint_times_out() -> None:
    with receiving() as rx:
        async with WebhookSender(allow_http_loopback=True, timeout=0.3) as sender:
            result = await _deliver(sender, rx.url("/hang"))
    assert (result.outcome, result.error) == ("transient", "timed out after 0.3 s")
    assert result.elapsed_ms < 1500


async def test_a_hanging_subscriber_does_not_hold_up_a_healthy_one() -> None:
    with receiving([SECRET]) as slow, receiving([SECRET]) as healthy:
        async with WebhookSender(allow_http_loopback=True) as sender:  # the real 10 s timeout
            # more hanging deliveries than one origin's connections: the rest queue there
            hanging = asyncio.gather(
                *(_deliver(sender, slow.url("/hang"), msg_id=f"msg_h{i}") for i in range(12))
            )
            await asyncio.sleep(0.1)
            started = time.perf_counter()
            results = await asyncio.gather(
                *(_deliver(sender, healthy.url("/ok"), msg_id=f"msg_{i}") for i in range(20))
            )
            took = time.perf_counter() - started
            assert not hanging.done()
            slow.release.set()
            assert all(r.ok for r in await hanging)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert took < 2.0
    assert len(healthy.seen) == 20


async def test_connections_are_kept_alive() -> None:
    with receiving([SECRET]) as rx:
        async with WebhookSender(allow_http_loopback=True) as sender:
            for i in range(5):
                assert (await _deliver(sender, rx.url("/ok"), msg_id=f"msg_{i}")).ok
    assert len({s.client_port for s in rx.seen}) == 1


async def test_nobody_listening_is_transient() -> None:
    with receiving() as rx:
        url = rx.url("/ok")
    async with WebhookSender(allow_http_loopback=True) as sender:
        result = await _deliver(sender, url)
    assert result.outcome == "transient" and result.error and "ConnectError" in result.error


# ------------------------------------------------------------------ where a webhook may go


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://127.0.0.1/hook",
        "https://[fe80::1]/hook",
        "https://100.64.0.1/hook",
    ],
)
async def test_private_addresses_are_refused_without_allow_private(url: str) -> None:
    async with WebhookSender() as sender:
        result = await _deliver(sender, url)
    assert result.outcome == "refused" and not result.retriable
    assert result.error and "does not allow private addresses" in result.error


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example/x", "must be https"),
        ("ftp://hooks.example/x", "must be https"),
        ("https://user:pw@hooks.example/x", "credentials"),
        ("not a url", ""),
    ],
)
async def test_urls_that_break_the_rules_are_refused(url: str, why: str) -> None:
    async with WebhookSender() as sender:
        result = await _deliver(sender, url)
    assert result.outcome == "refused" and why in (result.error or "")


async def test_plain_http_only_to_loopback_and_only_with_the_setting() -> None:
    resolve = resolver_for(
        {
            "localhost": ["127.0.0.1"],
            "evil.example": ["93.184.216.34"],
            "sneaky.example": ["127.0.0.1"],
        }
    )
    with receiving([SECRET]) as rx:
        async with WebhookSender(resolver=resolve) as strict:
            assert (await _deliver(strict, rx.url("/ok"))).outcome == "refused"
        async with WebhookSender(resolver=resolve, allow_http_loopback=True) as dev:
            assert (await _deliver(dev, rx.url("/ok", host="localhost"))).ok
            refused = await _deliver(dev, rx.url("/ok", host="sneaky.example"))
    assert refused.outcome == "refused" and "only to loopback" in (refused.error or "")
    assert len(rx.seen) == 1


@pytest.fixture(scope="module")
def hooks_tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.example").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


async def test_a_name_resolving_to_loopback_is_refused_and_allow_private_reaches_it(
    hooks_tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_ctx, client_ctx = hooks_tls
    resolve = resolver_for({"hooks.example": ["127.0.0.1"]})
    with receiving([SECRET], tls=server_ctx) as rx:
        url = rx.url("/ok", host="hooks.example", scheme="https")
        async with WebhookSender(resolver=resolve, ssl_context=client_ctx) as sender:
            refused = await _deliver(sender, url)
            assert rx.seen == []
            allowed = await _deliver(sender, url, allow_private=True)
            again = await _deliver(sender, url)  # the private pool is not lent to it
    assert refused.outcome == "refused"
    assert refused.error == (
        "refused: hooks.example resolves to 127.0.0.1, a loopback address; "
        "the subscription does not allow private addresses"
    )
    # connected to the checked address, with the name kept for TLS (SNI, certificate) and Host
    assert allowed.ok, allowed
    assert rx.sni == ["hooks.example"]
    assert rx.seen[0].headers["host"] == f"hooks.example:{rx.port}"
    assert again.outcome == "refused" and len(rx.seen) == 1


async def test_one_private_answer_among_public_ones_is_refused() -> None:
    resolve = resolver_for({"rebind.example": ["93.184.216.34", "127.0.0.1"]})
    async with WebhookSender(resolver=resolve) as sender:
        result = await _deliver(sender, "https://rebind.example/hook")
    assert result.outcome == "refused" and "127.0.0.1" in (result.error or "")


async def test_the_answer_checked_is_the_answer_connected_to() -> None:
    """DNS rebinding: the name is resolved once per connection, by the guard, and the
    connection goes to that answer; a second lookup that would say otherwise never happens."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    calls: list[str] = []

    async def flipping(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    with receiving([SECRET]) as rx:
        async with WebhookSender(resolver=flipping, allow_http_loopback=True) as sender:
            result = await _deliver(sender, rx.url("/ok", host="localhost"))
    assert result.ok and calls == ["localhost"]
